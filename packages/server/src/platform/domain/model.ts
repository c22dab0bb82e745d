import type { EventType, SubjectType } from '@leasehold/contract';
import type {
  DownloadLimit,
  ActivationRule,
  ActivationState,
  EnforcementMode,
  EntitlementState,
  EvictionOrder,
  EphemeralCounting,
  FeatureType,
  FeatureValues,
  LicenseModel,
  Metadata,
  Overrides,
  Role,
  SeatKind,
  SeatModel,
} from '@leasehold/contract';

/**
 * The records domain rules work on. Times are milliseconds since the epoch; the HTTP layer turns
 * them into ISO strings.
 */
export interface ProductRecord {
  id: string;
  code: string;
  name: string;
  metadata: Metadata;
  trialOfferingId: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface FeatureRecord {
  id: string;
  productId: string;
  code: string;
  name: string;
  type: FeatureType;
  unit: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface OfferingRecord {
  id: string;
  productId: string;
  code: string;
  name: string;
  licenseModel: LicenseModel;
  seatModel: SeatModel;
  seats: number;
  term: string | null;
  leasePeriod: string;
  features: FeatureValues;
  rehostLimit: number | null;
  maintenanceTerm: string | null;
  rehostPeriod: string;
  heartbeatWindow: string;
  borrowLimit: string | null;
  /** The lease period of offline (file) activations; null: leasePeriod. */
  offlineLeasePeriod: string | null;
  /** Downloads of release artifacts allowed per entitlement; null: no limit. */
  downloadLimit: DownloadLimit | null;
  maxDevicesPerUser: number;
  ephemeralCounting: EphemeralCounting;
  enforcementMode: EnforcementMode;
  activationRules: ActivationRule[];
  upgradePaths: string[];
  evictionOrder: EvictionOrder;
  version: number;
  metadata: Metadata;
  createdAt: number;
  updatedAt: number;
}

export interface CustomerRecord {
  id: string;
  name: string;
  email: string | null;
  externalRef: string | null;
  metadata: Metadata;
  createdAt: number;
  updatedAt: number;
}

export interface EntitlementRecord {
  id: string;
  customerId: string;
  offeringId: string;
  productId: string;
  orderRef: string | null;
  externalRef: string | null;
  state: EntitlementState;
  startsAt: number;
  endsAt: number | null;
  maintenanceUntil: number | null;
  overrides: Overrides;
  metadata: Metadata;
  keyHash: string;
  keySealed: string;
  version: number;
  createdAt: number;
  updatedAt: number;
}

export interface ApiKeyRecord {
  id: string;
  accountId: string;
  name: string;
  role: Role;
  productId: string | null;
  prefix: string;
  createdAt: number;
  lastUsedAt: number | null;
}

export interface ActorRef {
  type: 'api_key' | 'user' | 'system' | 'license' | 'integration' | 'portal_user';
  id: string | null;
}

export interface EventRecord {
  id: string;
  type: EventType;
  subjectType: SubjectType;
  subjectId: string;
  customerId: string | null;
  entitlementId: string | null;
  productId: string | null;
  actor: ActorRef;
  requestId: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  at: number;
}

/** A page of a keyset-paginated list: items, and the id to continue after (or null at the end). */
export interface Page<T> {
  items: T[];
  next: string | null;
}

/** Which page of a list to read: at most `limit` items, after the opaque `cursor` of a previous page. */
export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}

export interface ActivationRecord {
  id: string;
  entitlementId: string;
  customerId: string;
  productId: string;
  fingerprint: string;
  seatKind: SeatKind;
  state: ActivationState;
  name: string | null;
  platform: string | null;
  hostname: string | null;
  user: string | null;
  host: string | null;
  version: string | null;
  meta: Metadata;
  pinned: boolean;
  heartbeatDeadline: number | null;
  borrowedUntil: number | null;
  createdAt: number;
  lastSeenAt: number;
  endedAt: number | null;
  endReason: string | null;
}

export interface LeaseRecord {
  id: string;
  activationId: string;
  entitlementId: string;
  kid: string;
  issuedAt: number;
  expiresAt: number;
  refreshAfter: number;
  /**
   * The rights it carries (migration 0045): the entitlement's version and the offering (id and
   * version) it was computed from. Leases signed before 0045 read 0 and null: older than any change.
   */
  entitlementVersion: number;
  offeringId: string | null;
  offeringVersion: number;
}

export interface SigningKeyRecord {
  id: string;
  algorithm: 'EdDSA';
  state: 'active' | 'retired';
  publicJwk: { kty: string; crv: string; x: string; kid: string; alg: string; use: string };
  privateSealed: string;
  createdAt: number;
  retiredAt: number | null;
}

/** A person who signs in to the console, with a role in one account. */
export interface StaffUserRecord {
  id: string;
  accountId: string;
  email: string;
  name: string;
  role: Role;
  createdAt: number;
  updatedAt: number;
  lastSignInAt: number | null;
}

/** A console session; the token itself is never kept, only its hash. */
export interface StaffSessionRecord {
  tokenHash: string;
  accountId: string;
  userId: string;
  createdAt: number;
  expiresAt: number;
}

/** A bulk migration between offerings, with its progress. */
export type MigrationState = 'pending' | 'running' | 'completed' | 'failed';

export interface MigrationRecord {
  id: string;
  sourceOfferingId: string;
  targetOfferingId: string;
  selection: Record<string, unknown>;
  options: { removeSeats: boolean; rekey: boolean; rekeyGraceUntil: number | null };
  state: MigrationState;
  impact: Record<string, unknown>;
  result: Record<string, number>;
  total: number;
  done: number;
  failed: number;
  skipped: number;
  actor: { type: string; id: string | null };
  requestId: string | null;
  error: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

/** An entitlement as it was kept at one version: the record without its key material. */
export type EntitlementSnapshot = Omit<EntitlementRecord, 'keyHash' | 'keySealed'>;

export interface EntitlementVersion {
  version: number;
  snapshot: EntitlementSnapshot;
  change: string;
  actor: { type: string; id: string | null };
  requestId: string | null;
  at: number;
}
