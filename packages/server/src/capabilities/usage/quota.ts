import { DateTime, Duration } from 'luxon';
import type { FeatureValue } from '@leasehold/contract';

/** A consumption feature's quota, normalised: a bare number is a monthly quota that blocks at the limit. */
export interface QuotaRule {
  limit: number;
  period: string;
  overage: 'block' | 'bill' | { allowPercent: number };
}

export const DEFAULT_QUOTA_PERIOD = 'P1M';

export function quotaRule(value: FeatureValue | undefined): QuotaRule | null {
  if (value === undefined || typeof value === 'boolean') return null;
  if (typeof value === 'number') return { limit: value, period: DEFAULT_QUOTA_PERIOD, overage: 'block' };
  return { limit: value.limit, period: value.period ?? DEFAULT_QUOTA_PERIOD, overage: value.overage ?? 'block' };
}

/** The most a period may count under the rule: the limit, the limit plus a percentage, or no bound. */
export function ceiling(rule: QuotaRule): number {
  if (rule.overage === 'bill') return Number.POSITIVE_INFINITY;
  if (rule.overage === 'block') return rule.limit;
  return Math.floor(rule.limit * (1 + rule.overage.allowPercent / 100));
}

/**
 * The quota period containing `at`, with periods laid end to end from the entitlement's start
 * (calendar-aware: monthly periods from 31 January end on the last day of February).
 */
export function periodAt(startsAt: number, period: string, at: number): { start: number; end: number } {
  const d = Duration.fromISO(period);
  const origin = DateTime.fromMillis(startsAt, { zone: 'utc' });
  const nth = (k: number) => origin.plus(d.mapUnits((x) => x * k)).toMillis();
  // Estimate the index from the average length, then step to the exact period.
  let k = Math.max(0, Math.floor((at - startsAt) / Math.max(1, d.toMillis())));
  while (k > 0 && nth(k) > at) k--;
  while (nth(k + 1) <= at) k++;
  return { start: nth(k), end: nth(k + 1) };
}

export interface QuotaStatus {
  used: number;
  limit: number;
  remaining: number;
  periodEndsAt: number;
  overage: QuotaRule['overage'];
}

export function quotaStatus(rule: QuotaRule, used: number, periodEnd: number): QuotaStatus {
  return { used, limit: rule.limit, remaining: Math.max(0, rule.limit - used), periodEndsAt: periodEnd, overage: rule.overage };
}
