import type {
  ActivationRecord,
  CustomerRecord,
  EntitlementRecord,
  OfferingRecord,
  ProductRecord,
} from '../../src/platform/domain/model.js';
import { effectiveRights, type EffectiveRightsRecord } from '../../src/capabilities/entitlements/effective-rights.js';

/**
 * Small record builders for table-driven domain tests: whole records with plain defaults, so a case
 * names only the fields it is about. Times are milliseconds around one fixed instant.
 */
export const NOW = Date.parse('2026-06-15T12:00:00.000Z');
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export const product = (o: Partial<ProductRecord> = {}): ProductRecord => ({
  id: 'prod_1',
  code: 'app',
  name: 'App',
  metadata: {},
  trialOfferingId: null,
  createdAt: NOW - 100 * DAY,
  updatedAt: NOW - 100 * DAY,
  ...o,
});

export const offering = (o: Partial<OfferingRecord> = {}): OfferingRecord => ({
  id: 'off_1',
  productId: 'prod_1',
  code: 'pro',
  name: 'Pro',
  licenseModel: 'subscription',
  seatModel: 'node_locked',
  seats: 2,
  term: 'P1Y',
  leasePeriod: 'P7D',
  features: { export: true, projects: 3 },
  rehostLimit: null,
  maintenanceTerm: null,
  rehostPeriod: 'P30D',
  heartbeatWindow: 'PT10M',
  borrowLimit: null,
  offlineLeasePeriod: null,
  downloadLimit: null,
  maxDevicesPerUser: 1,
  ephemeralCounting: 'instance',
  enforcementMode: 'enforce',
  activationRules: [],
  upgradePaths: [],
  evictionOrder: 'least_recently_seen',
  version: 1,
  metadata: {},
  createdAt: NOW - 100 * DAY,
  updatedAt: NOW - 100 * DAY,
  ...o,
});

export const customer = (o: Partial<CustomerRecord> = {}): CustomerRecord => ({
  id: 'cus_1',
  name: 'Customer',
  email: null,
  externalRef: null,
  metadata: {},
  createdAt: NOW - 100 * DAY,
  updatedAt: NOW - 100 * DAY,
  ...o,
});

/** In term: started 100 days ago, ends in 200 days. */
export const entitlement = (o: Partial<EntitlementRecord> = {}): EntitlementRecord => ({
  id: 'ent_1',
  customerId: 'cus_1',
  offeringId: 'off_1',
  productId: 'prod_1',
  orderRef: null,
  externalRef: null,
  state: 'active',
  startsAt: NOW - 100 * DAY,
  endsAt: NOW + 200 * DAY,
  maintenanceUntil: null,
  overrides: {},
  metadata: {},
  keyHash: 'hash',
  keySealed: 'sealed',
  version: 1,
  createdAt: NOW - 100 * DAY,
  updatedAt: NOW - 100 * DAY,
  ...o,
});

let seq = 0;
/** A live device activation; pass `heartbeatDeadline` for a heartbeat-held seat. */
export const activation = (o: Partial<ActivationRecord> = {}): ActivationRecord => {
  seq += 1;
  return {
    id: `act_${seq}`,
    entitlementId: 'ent_1',
    customerId: 'cus_1',
    productId: 'prod_1',
    fingerprint: `device-${seq}`,
    seatKind: 'device',
    state: 'active',
    name: null,
    platform: null,
    hostname: null,
    user: null,
    host: null,
    version: null,
    meta: {},
    pinned: false,
    heartbeatDeadline: null,
    borrowedUntil: null,
    createdAt: NOW - DAY,
    lastSeenAt: NOW - HOUR,
    endedAt: null,
    endReason: null,
    ...o,
  };
};

/** `n` live activations built from the same fields. */
export const activations = (n: number, o: Partial<ActivationRecord> = {}): ActivationRecord[] =>
  Array.from({ length: n }, () => activation(o));

/** The rights an offering and entitlement give at `now`, as the services compute them. */
export const rightsOf = (off: OfferingRecord, ent: EntitlementRecord, now = NOW): EffectiveRightsRecord => effectiveRights(off, ent, now);
