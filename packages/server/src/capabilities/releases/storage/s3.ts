import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client, NoSuchKey } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Readable } from 'node:stream';
import type { ArtifactStorage, StoredFile } from './storage.js';

export interface S3Settings {
  endpoint: string | null;
  bucket: string;
  region: string;
  /** Path-style URLs (`endpoint/bucket/key`): MinIO, Ceph RGW and most self-hosted stores need them. */
  pathStyle: boolean;
  /** Unset: the AWS SDK's own chain (environment, profile, instance role). */
  accessKeyId: string | null;
  secretAccessKey: string | null;
  /** Prepended to object keys, so one bucket can hold several installations. */
  prefix: string;
}

/**
 * Artifacts in S3-compatible object storage (AWS S3, Cloudflare R2, MinIO, Ceph RGW): uploads and
 * downloads go straight to the bucket through presigned URLs; Leasehold reads an object back only
 * once, after its upload, to measure and sign it.
 */
export class S3Storage implements ArtifactStorage {
  readonly name = 's3';
  private readonly client: S3Client;

  constructor(
    private readonly settings: S3Settings,
    private readonly clock: { now(): number },
  ) {
    this.client = new S3Client({
      region: settings.region,
      forcePathStyle: settings.pathStyle,
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      ...(settings.accessKeyId && settings.secretAccessKey
        ? { credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey } }
        : {}),
    });
  }

  /** The object's key in the bucket (the prefix, then `<account>/<artifact>`). */
  key(file: StoredFile): string {
    return `${this.settings.prefix}${file.key}`;
  }

  /** Seconds until `expiresAt`, at least one (presigned URLs count from when they are signed). */
  private seconds(expiresAt: number): number {
    return Math.max(1, Math.floor((expiresAt - this.clock.now()) / 1000));
  }

  uploadUrl(file: StoredFile, expiresAt: number): Promise<string> {
    const command = new PutObjectCommand({ Bucket: this.settings.bucket, Key: this.key(file) });
    return getSignedUrl(this.client, command, { expiresIn: this.seconds(expiresAt) });
  }

  downloadUrl(file: StoredFile, expiresAt: number): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.settings.bucket,
      Key: this.key(file),
      ResponseContentDisposition: contentDisposition(file.filename),
    });
    return getSignedUrl(this.client, command, { expiresIn: this.seconds(expiresAt) });
  }

  async open(file: StoredFile): Promise<Readable | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: this.key(file) }));
      return out.Body as Readable;
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async remove(file: StoredFile): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.settings.bucket, Key: this.key(file) }));
  }

  close(): void {
    this.client.destroy();
  }
}

/** `attachment; filename="…"; filename*=UTF-8''…`: a plain fallback and the exact name (RFC 6266). */
export function contentDisposition(filename: string): string {
  const plain = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${plain}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}
