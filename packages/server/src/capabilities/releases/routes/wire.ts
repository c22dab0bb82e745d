import type { Artifact, ClientRelease, Download, Release, Rollout } from '@leasehold/contract';
import { iso, isoOrNull } from '../../../platform/http/wire.js';
import type { ArtifactView } from '../artifacts.js';
import type { ArtifactRecord, DownloadRecord, RolloutRecord } from '../ports.js';
import type { ReleaseView } from '../releases.js';
import type { EntitledRelease } from '../upgrade.js';

export const rolloutOut = (r: RolloutRecord): Rollout => ({ ...r, updatedAt: iso(r.updatedAt) });

export const releaseOut = ({ record: r, artifacts, downloads }: ReleaseView): Release => ({
  id: r.id,
  productId: r.productId,
  version: r.version,
  channel: r.channel,
  status: r.status,
  notes: r.notes,
  critical: r.critical,
  minimumVersion: r.minimumVersion,
  requires: r.requires,
  publishedAt: isoOrNull(r.publishedAt),
  backdatedTo: isoOrNull(r.backdatedTo),
  yankedAt: isoOrNull(r.yankedAt),
  rollout: r.rollout && rolloutOut(r.rollout),
  metadata: r.metadata,
  artifacts,
  downloads,
  createdAt: iso(r.createdAt),
  updatedAt: iso(r.updatedAt),
});

export const artifactOut = ({ record: a, downloads }: ArtifactView): Artifact => ({
  id: a.id,
  releaseId: a.releaseId,
  filename: a.filename,
  platform: a.platform,
  arch: a.arch,
  status: a.status,
  size: a.size ?? a.expectedSize,
  sha256: a.sha256 ?? a.expectedSha256,
  requires: a.requires,
  signature: a.signature,
  signatureKid: a.signatureKid,
  storage: a.storage,
  error: a.error,
  downloads,
  metadata: a.metadata,
  createdAt: iso(a.createdAt),
  uploadedAt: isoOrNull(a.uploadedAt),
});

export const newArtifactOut = (a: ArtifactRecord): Artifact => artifactOut({ record: a, downloads: 0 });

export const downloadOut = (d: DownloadRecord): Download => ({
  id: d.id,
  artifactId: d.artifactId,
  releaseId: d.releaseId,
  entitlementId: d.entitlementId,
  customerId: d.customerId,
  fingerprint: d.fingerprint,
  address: d.address,
  userAgent: d.userAgent,
  at: iso(d.at),
});

export const clientReleaseOut = ({ release: r, artifacts }: EntitledRelease): ClientRelease => ({
  id: r.id,
  version: r.version,
  channel: r.channel,
  notes: r.notes,
  critical: r.critical,
  minimumVersion: r.minimumVersion,
  publishedAt: isoOrNull(r.publishedAt),
  artifacts: artifacts.map((a) => ({
    id: a.id,
    filename: a.filename,
    platform: a.platform,
    arch: a.arch,
    size: a.size,
    sha256: a.sha256,
    signature: a.signature,
    signatureKid: a.signatureKid,
  })),
});
