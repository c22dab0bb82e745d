import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ArtifactStorage, StoredFile } from './storage.js';
import type { LinkSigner } from './signed-links.js';

/** What writing an upload measured on the way in. */
export interface Measured {
  size: number;
  sha256: string;
}

/** Raised when an upload is longer than the artifact declared: it is cut off rather than stored. */
export class UploadTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`the upload is larger than the declared ${limit} bytes`);
    this.name = 'UploadTooLarge';
  }
}

/**
 * Artifacts as files under the data directory (`<dataDir>/artifacts/<account>/<artifact>`), the
 * embedded default. Its URLs point at Leasehold's own signed file routes (`/v1/files/…`), which
 * stream the bytes to and from disk without holding them in memory.
 */
export class FilesystemStorage implements ArtifactStorage {
  readonly name = 'fs';

  constructor(
    private readonly root: string,
    readonly signer: LinkSigner,
    /** Prefix of the URLs handed out (LEASEHOLD_PUBLIC_URL), or '' for URLs relative to the server. */
    private readonly baseUrl: string,
  ) {}

  private path(file: StoredFile): string {
    return join(this.root, file.key);
  }

  private link(op: 'get' | 'put', file: StoredFile, expiresAt: number): string {
    const expires = Math.floor(expiresAt / 1000);
    const signature = this.signer.sign(op, file.accountId, file.artifactId, file.key, expires);
    return `${this.baseUrl}/v1/files/${file.accountId}/${file.artifactId}?expires=${expires}&signature=${signature}`;
  }

  async uploadUrl(file: StoredFile, expiresAt: number): Promise<string> {
    return this.link('put', file, expiresAt);
  }

  async downloadUrl(file: StoredFile, expiresAt: number): Promise<string> {
    return this.link('get', file, expiresAt);
  }

  async open(file: StoredFile): Promise<Readable | undefined> {
    const info = await stat(this.path(file)).catch(() => undefined);
    return info?.isFile() ? createReadStream(this.path(file)) : undefined;
  }

  async size(file: StoredFile): Promise<number | undefined> {
    const info = await stat(this.path(file)).catch(() => undefined);
    return info?.isFile() ? info.size : undefined;
  }

  /**
   * Streams an upload to a temporary file beside its place, hashing as it goes, and moves it into
   * place only when the whole body arrived; a body longer than `limit` is cut off and nothing is kept.
   */
  async write(file: StoredFile, body: Readable, limit: number | null): Promise<Measured> {
    const target = this.path(file);
    await mkdir(dirname(target), { recursive: true });
    const temp = `${target}.part-${randomBytes(6).toString('hex')}`;
    const hash = createHash('sha256');
    let size = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (limit !== null && size > limit) {
          done(new UploadTooLarge(limit));
          return;
        }
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, measure, createWriteStream(temp));
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    return { size, sha256: hash.digest('hex') };
  }

  async remove(file: StoredFile): Promise<void> {
    await rm(this.path(file), { force: true });
  }
}
