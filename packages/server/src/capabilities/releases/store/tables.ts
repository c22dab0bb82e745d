/** The releases capability's tables, merged into the one `DB` interface of `platform/store/schema.ts`. */
declare module '../../../platform/store/schema.js' {
  interface DB {
    releases: ReleasesTable;
    artifacts: ArtifactsTable;
    downloads: DownloadsTable;
  }
}

export interface ReleasesTable {
  account_id: string;
  id: string;
  product_id: string;
  version: string;
  version_key: string;
  channel: string;
  status: string;
  notes: string;
  critical: number;
  minimum_version: string | null;
  requires: string;
  published_at: number | null;
  backdated_to: number | null;
  yanked_at: number | null;
  metadata: string;
  created_at: number;
  updated_at: number;
  /** The rollout as JSON (0037), null for none. */
  rollout: string | null;
}

export interface ArtifactsTable {
  account_id: string;
  id: string;
  release_id: string;
  product_id: string;
  filename: string;
  platform: string;
  arch: string;
  status: string;
  size: number | null;
  sha256: string | null;
  expected_size: number | null;
  expected_sha256: string | null;
  requires: string;
  signature: string | null;
  signature_kid: string | null;
  storage: string;
  storage_key: string;
  error: string | null;
  metadata: string;
  created_at: number;
  uploaded_at: number | null;
}

export interface DownloadsTable {
  account_id: string;
  id: string;
  artifact_id: string;
  release_id: string;
  product_id: string;
  entitlement_id: string;
  customer_id: string;
  fingerprint: string | null;
  address: string | null;
  user_agent: string | null;
  at: number;
}
