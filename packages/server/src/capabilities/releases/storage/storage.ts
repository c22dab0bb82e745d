import type { Readable } from 'node:stream';

/** Where an artifact's bytes are, as a driver knows them. */
export interface StoredFile {
  accountId: string;
  artifactId: string;
  /** The object key (`<account>/<artifact>`): never the vendor's file name, which could hold `..`. */
  key: string;
  /** The name a download is saved under (Content-Disposition). */
  filename: string;
}

/**
 * The one interface artifact storage has. Upload and download URLs are short-lived and signed, so
 * the bytes never pass through a request the API holds: the filesystem driver answers them with
 * Leasehold's own signed file routes, the S3 driver with presigned URLs of the bucket.
 */
export interface ArtifactStorage {
  /** Recorded on each artifact: switching the configured storage keeps old artifacts downloadable. */
  readonly name: string;
  uploadUrl(file: StoredFile, expiresAt: number): Promise<string>;
  downloadUrl(file: StoredFile, expiresAt: number): Promise<string>;
  /** The stored bytes, to measure and sign them after an upload; undefined when nothing is there. */
  open(file: StoredFile): Promise<Readable | undefined>;
  remove(file: StoredFile): Promise<void>;
}

/** The drivers this server has: the one new uploads go to, and every one old artifacts may name. */
export class ArtifactStores {
  private readonly byName = new Map<string, ArtifactStorage>();

  constructor(
    readonly current: ArtifactStorage,
    others: readonly ArtifactStorage[] = [],
  ) {
    for (const s of [current, ...others]) this.byName.set(s.name, s);
  }

  /** The driver an artifact was stored with, or undefined when this server is not configured for it. */
  get(name: string): ArtifactStorage | undefined {
    return this.byName.get(name);
  }
}

/** Signed URLs live at most this long (the bound for downloads; uploads get the same). */
export const MAX_LINK_MS = 60 * 60 * 1000;
