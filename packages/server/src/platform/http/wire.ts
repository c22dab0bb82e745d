import { formatTimestamp } from '@leasehold/contract';
import type { Activation, ApiKey, Customer, Entitlement, Event, Feature, LeaseGrant, Offering, Product } from '@leasehold/contract';
import type { IssuedLease } from '../../capabilities/licensing/leases/issue.js';
import type { PublishedKey } from '../../capabilities/licensing/leases/signing-keys.js';
import type {
  ActivationRecord,
  LeaseRecord,
  ApiKeyRecord,
  CustomerRecord,
  EventRecord,
  FeatureRecord,
  OfferingRecord,
  Page,
  ProductRecord,
} from '../domain/model.js';
import type { EntitlementView } from '../../capabilities/entitlements/entitlements.js';
import { encodeCursor } from '../store/paging.js';

/** Records to the wire: times become ISO strings; nothing secret passes (the schemas drop the rest). */
export const iso = (ms: number): string => formatTimestamp(ms);
export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

export const productOut = (p: ProductRecord): Product => ({ ...p, createdAt: iso(p.createdAt), updatedAt: iso(p.updatedAt) });
export const featureOut = (f: FeatureRecord): Feature => ({ ...f, createdAt: iso(f.createdAt), updatedAt: iso(f.updatedAt) });
export const offeringOut = (o: OfferingRecord): Offering => ({ ...o, createdAt: iso(o.createdAt), updatedAt: iso(o.updatedAt) });
export const customerOut = (c: CustomerRecord): Customer => ({ ...c, createdAt: iso(c.createdAt), updatedAt: iso(c.updatedAt) });

export const entitlementOut = ({ record: e, key, effective, keyPending }: EntitlementView): Entitlement => ({
  id: e.id,
  key,
  ...(keyPending ? { keyPending } : {}),
  customerId: e.customerId,
  offeringId: e.offeringId,
  productId: e.productId,
  orderRef: e.orderRef,
  externalRef: e.externalRef,
  state: e.state,
  startsAt: iso(e.startsAt),
  endsAt: isoOrNull(e.endsAt),
  maintenanceUntil: isoOrNull(e.maintenanceUntil),
  overrides: e.overrides,
  effective: {
    ...effective,
    startsAt: iso(effective.startsAt),
    endsAt: isoOrNull(effective.endsAt),
    maintenanceUntil: isoOrNull(effective.maintenanceUntil),
  },
  metadata: e.metadata,
  version: e.version,
  createdAt: iso(e.createdAt),
  updatedAt: iso(e.updatedAt),
});

export const eventOut = (e: EventRecord): Event => ({ ...e, at: iso(e.at) });

export const apiKeyOut = (k: ApiKeyRecord): ApiKey => ({
  id: k.id,
  name: k.name,
  role: k.role,
  productId: k.productId,
  prefix: k.prefix,
  createdAt: iso(k.createdAt),
  lastUsedAt: isoOrNull(k.lastUsedAt),
});

export function pageOut<T, W>(page: Page<T>, map: (item: T) => W): { data: W[]; nextCursor: string | null } {
  return { data: page.items.map(map), nextCursor: page.next };
}

export { encodeCursor };

export const activationOut = (a: ActivationRecord): Activation => ({
  id: a.id,
  entitlementId: a.entitlementId,
  customerId: a.customerId,
  fingerprint: a.fingerprint,
  seatKind: a.seatKind,
  state: a.state,
  name: a.name,
  platform: a.platform,
  hostname: a.hostname,
  user: a.user,
  host: a.host,
  version: a.version,
  meta: a.meta,
  pinned: a.pinned,
  heartbeatDeadline: isoOrNull(a.heartbeatDeadline),
  borrowedUntil: isoOrNull(a.borrowedUntil),
  createdAt: iso(a.createdAt),
  lastSeenAt: iso(a.lastSeenAt),
  endedAt: isoOrNull(a.endedAt),
  endReason: a.endReason,
});

export const leaseGrantOut = (l: IssuedLease): LeaseGrant => ({
  id: l.record.id,
  token: l.token,
  issuedAt: iso(l.record.issuedAt),
  expiresAt: iso(l.record.expiresAt),
  refreshAfter: iso(l.record.refreshAfter),
});

export const leaseOut = (l: LeaseRecord) => ({
  id: l.id,
  activationId: l.activationId,
  entitlementId: l.entitlementId,
  kid: l.kid,
  issuedAt: iso(l.issuedAt),
  expiresAt: iso(l.expiresAt),
  refreshAfter: iso(l.refreshAfter),
  rights: rightsOf(l),
});

/** The rights version a lease carries. */
export const rightsOf = (l: LeaseRecord) => ({
  entitlementVersion: l.entitlementVersion,
  offeringId: l.offeringId,
  offeringVersion: l.offeringVersion,
});

export const signingKeyOut = ({ record, publishedUntil }: PublishedKey) => ({
  id: record.id,
  algorithm: record.algorithm,
  state: record.state,
  publicJwk: record.publicJwk,
  createdAt: iso(record.createdAt),
  retiredAt: isoOrNull(record.retiredAt),
  publishedUntil: isoOrNull(publishedUntil),
});
