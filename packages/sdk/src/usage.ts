import type { FeatureValue } from '@leasehold/contract';
import type { LeaseholdError } from './errors.js';

/** One use of a consumption feature, recorded on this device and waiting for the server's acknowledgement. */
export interface QueuedUsage {
  /** Unique per record; the server counts a key once, so a record sent twice (a lost answer, a crash) is counted once. */
  idempotencyKey: string;
  feature: string;
  quantity: number;
  /** When the use happened, in server time (ms): the record counts in the quota period this falls in. */
  at: number;
}

/** The server's word on the quotas of a license's consumption features, as of `asOf` (server time, ms). */
export interface QuotaSnapshot {
  asOf: number;
  features: Record<string, { used: number; limit: number; periodEndsAt: number }>;
}

/** What happens past a consumption feature's limit: refused, allowed up to a percentage more, or allowed and billed. */
export type OverageRule = 'block' | 'bill' | { allowPercent: number };

/** A consumption feature's quota as the SDK sees it now, from the server's last word and what is still queued here. */
export interface UsageStatus {
  feature: string;
  /** The quota of the period. */
  limit: number;
  /** Used in the period, as the server last said (all devices of the license). */
  used: number;
  /** Recorded on this device and not yet acknowledged by the server. */
  queued: number;
  /** `limit − used − queued`, never below 0: what is left of the quota itself. */
  remaining: number;
  /**
   * How much more `recordUsage` accepts now: up to the limit (`block`), up to the limit plus the
   * allowed percentage, or `Infinity` (`bill`). Equals `remaining` for a blocking quota.
   */
  allowance: number;
  overage: OverageRule;
  /** When the period of `used` ends; null when unknown (no word from the server, or that period has ended). */
  periodEndsAt: Date | null;
  /** When the server said so; null when it has not said anything about this feature. */
  asOf: Date | null;
}

/** The outcome of `recordUsage`: the record, queued in the cache, and what is left after it. */
export interface UsageReceipt {
  idempotencyKey: string;
  feature: string;
  quantity: number;
  at: Date;
  /** What is left of the quota after this record (see {@link UsageStatus.remaining}). */
  remaining: number;
  /** How much more can be recorded after this record (see {@link UsageStatus.allowance}). */
  allowance: number;
  /** Units of this record beyond the limit: billed under a `bill` rule, tolerated under `allowPercent`. */
  overLimit: number;
}

/** A record the server refused (`QUOTA_EXHAUSTED`, `FEATURE_MISSING`, `INVALID_REQUEST`, …); it is not retried. */
export interface UsageRejection extends Omit<QueuedUsage, 'at'> {
  at: Date;
  code: string;
  message: string;
}

/** How a flush of the usage queue went. */
export interface UsageFlushOutcome {
  /** Every record that was queued when the flush started has been acknowledged by the server. */
  delivered: boolean;
  /** `OK`, or why not: `OFFLINE`, `SKIPPED` (no server, nothing activated), a server refusal (`SUSPENDED`, …). */
  code: string;
  /** Records the server counted now. */
  accepted: number;
  /** Records the server had already counted (sent before, the answer lost): counted once. */
  duplicates: number;
  rejected: UsageRejection[];
  /** Records still queued. */
  pending: number;
  /** What went wrong, when `code` is not `OK`. */
  error?: LeaseholdError;
}

/** What a pool looks like from this device. */
export interface PoolStatus {
  feature: string;
  /** The pool size, from the lease. */
  limit: number;
  /** Elements this device holds, as the server last said. */
  held: number;
  /** Elements in use by all devices, when the server last said; null before this device has asked. */
  inUse: number | null;
  asOf: Date | null;
}

export interface QuotaRule {
  limit: number;
  overage: OverageRule;
}

/**
 * The quota rule in a feature's value, mirroring the server: `{limit, overage}` is a quota, a bare
 * number is a blocking quota when the server lists the feature as metered, anything else is not.
 */
export function quotaRuleOf(value: FeatureValue | undefined, metered: boolean): QuotaRule | null {
  if (value !== null && typeof value === 'object') return { limit: value.limit, overage: value.overage ?? 'block' };
  if (typeof value === 'number' && metered) return { limit: value, overage: 'block' };
  return null;
}

/** The most a period may count under the rule — the server's own bound, so both refuse the same record. */
export function ceilingOf(rule: QuotaRule): number {
  if (rule.overage === 'bill') return Number.POSITIVE_INFINITY;
  if (rule.overage === 'block') return rule.limit;
  return Math.floor(rule.limit * (1 + rule.overage.allowPercent / 100));
}

/**
 * A feature's quota now, conservatively: the server's last `used` plus everything queued on this
 * device. Once the period the server spoke of has ended, the new period starts from what this
 * device recorded since (other devices' use in it is not known until the server answers). The
 * limit is the lease's (an upgrade or downgrade applies with the lease that carries it).
 */
export function usageStatusOf(
  feature: string,
  value: FeatureValue | undefined,
  snapshot: QuotaSnapshot | undefined,
  queue: readonly QueuedUsage[],
  serverNow: number,
): UsageStatus | null {
  const known = snapshot?.features[feature];
  const rule = quotaRuleOf(value, known !== undefined);
  if (!rule) return null;
  const current = known !== undefined && serverNow < known.periodEndsAt;
  let queued = 0;
  for (const r of queue) {
    if (r.feature !== feature) continue;
    // Records of an earlier period count here too: conservative, and gone at the next acknowledgement.
    if (known === undefined || current || r.at >= known.periodEndsAt) queued += r.quantity;
  }
  const used = current ? known.used : 0;
  return {
    feature,
    limit: rule.limit,
    used,
    queued,
    remaining: Math.max(0, rule.limit - used - queued),
    allowance: Math.max(0, ceilingOf(rule) - used - queued),
    overage: rule.overage,
    periodEndsAt: current ? new Date(known.periodEndsAt) : null,
    asOf: known !== undefined && snapshot ? new Date(snapshot.asOf) : null,
  };
}

/** A snapshot from the `usage` of a server answer (periodEndsAt as ISO text) or of a lease (in seconds). */
export function snapshotOf(
  usage: Record<string, { used: number; limit: number; periodEndsAt: string | number }> | undefined,
  asOf: number,
): QuotaSnapshot | null {
  if (!usage || typeof usage !== 'object') return null;
  const features: QuotaSnapshot['features'] = {};
  for (const [code, q] of Object.entries(usage)) {
    const end = typeof q.periodEndsAt === 'number' ? q.periodEndsAt * 1000 : Date.parse(q.periodEndsAt);
    if (!Number.isFinite(end) || typeof q.used !== 'number' || typeof q.limit !== 'number') continue;
    features[code] = { used: q.used, limit: q.limit, periodEndsAt: end };
  }
  return { asOf, features };
}

/** The checks the server's schema makes on a record, made before it is queued, so a queued record is never refused as malformed. */
export function checkUsageInput(feature: unknown, quantity: unknown): string | null {
  if (typeof feature !== 'string' || feature.length < 1 || feature.length > 64) return 'feature must be a feature code (1–64 characters)';
  if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 1 || quantity > 1_000_000_000) {
    return 'quantity must be a whole number from 1 to 1,000,000,000';
  }
  return null;
}
