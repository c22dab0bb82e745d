import { join } from 'node:path';
import type { MasterKey } from '../../../secrets/master-key.js';
import { FilesystemStorage } from './filesystem.js';
import { S3Storage, type S3Settings } from './s3.js';
import { CdnSignedStorage, type CdnSettings } from './cdn.js';
import { LinkSigner } from './signed-links.js';
import { ArtifactStores, type ArtifactStorage } from './storage.js';

/** Where new artifacts go: the data directory (the default) or an S3-compatible bucket. */
export type StorageSettings = { driver: 'fs' } | { driver: 's3'; s3: S3Settings; cdn?: CdnSettings | null };

/**
 * The drivers of this server. The filesystem driver is always there, so artifacts uploaded before
 * a switch to S3 stay downloadable; the configured one takes new uploads.
 */
export function artifactStoresOf(
  settings: StorageSettings,
  deps: { dataDir: string; secrets: MasterKey; clock: { now(): number }; publicUrl?: string | null },
): ArtifactStores {
  const fs = new FilesystemStorage(
    join(deps.dataDir, 'artifacts'),
    new LinkSigner(deps.secrets.subkey('artifact-links')),
    deps.publicUrl ?? '',
  );
  if (settings.driver === 'fs') return new ArtifactStores(fs);
  const bucket = new S3Storage(settings.s3, deps.clock);
  // With a CDN in front of the bucket, downloads go through it with a token its edge checks.
  const s3: ArtifactStorage = settings.cdn ? new CdnSignedStorage(bucket, settings.cdn, (file) => bucket.key(file)) : bucket;
  return new ArtifactStores(s3, [fs]);
}
