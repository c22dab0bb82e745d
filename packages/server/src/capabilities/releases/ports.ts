/** What releases, artifacts and downloads ask of storage; the store implements it (releases/store/). */
import type { ArtifactStatus, Metadata, ReleaseChannel, ReleaseStatus } from '@leasehold/contract';
import type { Page, PageRequest } from '../../platform/domain/model.js';

export interface ReleaseRecord {
  id: string;
  productId: string;
  version: string;
  /** Sorts as semver precedence (contract versionKey); unique per product. */
  versionKey: string;
  channel: ReleaseChannel;
  status: ReleaseStatus;
  notes: string;
  critical: boolean;
  minimumVersion: string | null;
  requires: string[];
  publishedAt: number | null;
  backdatedTo: number | null;
  yankedAt: number | null;
  /** Whom the upgrade endpoint offers the release to; null: every entitled license. */
  rollout: RolloutRecord | null;
  metadata: Metadata;
  createdAt: number;
  updatedAt: number;
}

/** A rollout: selectors add up (none: every entitled license), filters narrow to devices. */
export interface RolloutRecord {
  customers: string[];
  entitlements: string[];
  offerings: string[];
  devices: string[];
  versions: string | null;
  platforms: string[];
  percentage: number | null;
  updatedAt: number;
}

export interface ArtifactRecord {
  id: string;
  releaseId: string;
  productId: string;
  filename: string;
  platform: string;
  arch: string;
  status: ArtifactStatus;
  /** What the upload measured (null until then). */
  size: number | null;
  sha256: string | null;
  /** What the vendor declared; the upload must match. */
  expectedSize: number | null;
  expectedSha256: string | null;
  requires: string[];
  signature: string | null;
  signatureKid: string | null;
  /** The driver holding the bytes: switching storage keeps old artifacts where they are. */
  storage: string;
  storageKey: string;
  error: string | null;
  metadata: Metadata;
  createdAt: number;
  uploadedAt: number | null;
}

export interface DownloadRecord {
  id: string;
  artifactId: string;
  releaseId: string;
  productId: string;
  entitlementId: string;
  customerId: string;
  fingerprint: string | null;
  address: string | null;
  userAgent: string | null;
  at: number;
}

export interface ReleaseFilter {
  channels?: readonly ReleaseChannel[];
  status?: ReleaseStatus;
}

/** A page of releases in semver order, newest first; the cursor is the last version key seen. */
export interface VersionPageRequest {
  limit: number;
  cursor?: string | undefined;
}

/** Releases of the products in scope (a product-scoped key sees its product's only). */
export interface ReleasesPort {
  insert(r: ReleaseRecord): Promise<void>;
  update(r: ReleaseRecord): Promise<void>;
  delete(id: string): Promise<void>;
  find(id: string, opts?: { lock?: boolean }): Promise<ReleaseRecord | undefined>;
  list(productId: string, filter: ReleaseFilter, page: VersionPageRequest): Promise<Page<ReleaseRecord>>;
  /** Every release of the product that matches, newest version first (a product has hundreds, not millions). */
  all(productId: string, filter: ReleaseFilter): Promise<ReleaseRecord[]>;
}

export interface ArtifactsPort {
  insert(a: ArtifactRecord): Promise<void>;
  update(a: ArtifactRecord): Promise<void>;
  delete(id: string): Promise<void>;
  find(id: string, opts?: { lock?: boolean }): Promise<ArtifactRecord | undefined>;
  ofReleases(releaseIds: readonly string[]): Promise<ArtifactRecord[]>;
  /** Uploaded artifacts not signed by `kid` (after a key rotation), oldest first, at most `limit`. */
  signedWithOther(kid: string, limit: number): Promise<ArtifactRecord[]>;
}

export interface DownloadQuery {
  releaseId?: string;
  artifactId?: string;
  entitlementId?: string;
  customerId?: string;
  since?: number;
}

/** Downloads granted: the history, and the counts download limits are checked against. */
export interface DownloadsPort {
  insert(d: DownloadRecord): Promise<void>;
  count(q: DownloadQuery): Promise<number>;
  list(q: DownloadQuery, page: PageRequest): Promise<Page<DownloadRecord>>;
  /** How many downloads each of these releases (or artifacts) had. */
  countsBy(column: 'release' | 'artifact', ids: readonly string[]): Promise<Map<string, number>>;
}

declare module '../../platform/domain/ports.js' {
  interface Tx {
    readonly releases: ReleasesPort;
    readonly artifacts: ArtifactsPort;
    readonly downloads: DownloadsPort;
  }
}
