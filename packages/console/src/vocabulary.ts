/**
 * The contract's closed lists that the console offers in pickers, each with its label. They are
 * written out here rather than imported because the lists live beside their TypeBox schemas, and
 * importing them puts TypeBox (~55 kB) in the bundle. Keyed by the contract's own types, each
 * `Record` stops compiling when the contract adds, drops or renames a member.
 */
import type {
  EnforcementMode,
  EntitlementState,
  EphemeralCounting,
  EvictionOrder,
  FeatureType,
  LicenseModel,
  Role,
  SeatModel,
} from '@leasehold/contract';

export const ROLE_LABELS: Record<Role, string> = {
  admin: 'admin — everything',
  support: 'support — customers and entitlements',
  readonly: 'readonly — reads only',
};

export const ENTITLEMENT_STATE_LABELS: Record<EntitlementState, string> = {
  active: 'active',
  suspended: 'suspended',
  revoked: 'revoked',
  returned: 'returned',
};

export const LICENSE_MODEL_LABELS: Record<LicenseModel, string> = {
  perpetual: 'perpetual',
  subscription: 'subscription',
  trial: 'trial',
  usage: 'usage',
};

export const SEAT_MODEL_LABELS: Record<SeatModel, string> = {
  node_locked: 'Node-locked (per device)',
  floating: 'Floating (concurrent)',
  named_user: 'Named user',
};

export const EVICTION_ORDER_LABELS: Record<EvictionOrder, string> = {
  least_recently_seen: 'Least recently seen first',
  newest_first: 'Newest first',
};

export const FEATURE_TYPE_LABELS: Record<FeatureType, string> = {
  boolean: 'boolean',
  numeric: 'numeric',
  consumption: 'consumption',
  pool: 'pool',
};

export const ENFORCEMENT_MODE_LABELS: Record<EnforcementMode, string> = {
  enforce: 'Enforce — refuse what the license does not allow',
  warn: 'Warn — allow, and tell the user',
  log: 'Log — allow silently, report to you',
};

export const EPHEMERAL_COUNTING_LABELS: Record<EphemeralCounting, string> = {
  instance: 'Each instance takes a seat',
  host: 'Instances on one host share a seat',
};

/** A picker's options, in the order the labels are written. */
export const choices = <T extends string>(labels: Record<T, string>): { value: T; label: string }[] =>
  (Object.keys(labels) as T[]).map((value) => ({ value, label: labels[value] }));
