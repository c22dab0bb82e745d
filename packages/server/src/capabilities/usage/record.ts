import { inTimeRange, parseTimestamp, type UsageReport } from '@leasehold/contract';
import type { FeatureRecord } from '../../platform/domain/model.js';
import { onActivatedDevice, type ClientContext, type License } from '../licensing/activations/license.js';
import { ceiling, periodAt, quotaRule, quotaStatus, type QuotaStatus } from './quota.js';
import type { Tx } from '../../platform/domain/ports.js';

/** How far ahead of the server's clock a record's time may be (device clocks drift). */
const FUTURE_SKEW_MS = 5 * 60_000;

export interface UsageOutcome {
  accepted: number;
  duplicates: number;
  rejected: Array<{ idempotencyKey: string; code: string; message: string }>;
  usage: Record<string, QuotaStatus>;
}

/** Quota status of every consumption feature of the license, for the period running at `at`. */
export async function quotaStatuses(
  tx: Tx,
  license: License,
  at: number,
  productFeatures?: FeatureRecord[],
): Promise<Record<string, QuotaStatus>> {
  const features = (productFeatures ?? (await tx.features.allOf(license.product.id))).filter((f) => f.type === 'consumption');
  if (features.length === 0) return {};
  const current = await tx.usage.currentUse(license.entitlement.id, at);
  const out: Record<string, QuotaStatus> = {};
  for (const f of features) {
    if (f.type !== 'consumption') continue;
    const rule = quotaRule(license.rights.features[f.code]);
    if (!rule) continue;
    const period = periodAt(license.entitlement.startsAt, rule.period, at);
    out[f.code] = quotaStatus(rule, current.get(f.code) ?? 0, period.end);
  }
  return out;
}

/**
 * Records usage reported by a device. Each record counts once (its idempotency key), in the quota
 * period its time falls in; a record that would take the period past its overage rule is refused
 * whole with QUOTA_EXHAUSTED. The entitlement's row lock serialises reports from all its devices, so
 * parallel reporting can never overdraw a quota.
 */
export function recordUsage(ctx: ClientContext, report: UsageReport): Promise<UsageOutcome> {
  return onActivatedDevice(ctx, { fingerprint: report.fingerprint, lock: true }, async ({ tx, license, activation, now }) => {
    const consumption = new Set((await tx.features.allOf(license.product.id)).filter((f) => f.type === 'consumption').map((f) => f.code));
    const outcome: UsageOutcome = { accepted: 0, duplicates: 0, rejected: [], usage: {} };
    const seen = new Set<string>();
    for (const r of report.records) {
      const key = r.idempotencyKey;
      const reject = (code: string, message: string) => outcome.rejected.push({ idempotencyKey: key, code, message });
      if (seen.has(key) || (await tx.usage.hasKey(license.entitlement.id, key))) {
        outcome.duplicates++;
        continue;
      }
      seen.add(key);
      const rule = consumption.has(r.feature) ? quotaRule(license.rights.features[r.feature]) : null;
      if (!rule) {
        reject('FEATURE_MISSING', `${r.feature} is not a metered feature of this license.`);
        continue;
      }
      const at = r.at ? parseTimestamp(r.at) : now;
      if (at === null) {
        reject('INVALID_REQUEST', 'at is not an RFC 3339 date-time the API represents.');
        continue;
      }
      if (at > now + FUTURE_SKEW_MS) {
        reject('INVALID_REQUEST', 'The record is dated in the future.');
        continue;
      }
      if (at < license.entitlement.startsAt) {
        reject('INVALID_REQUEST', 'The record is dated before the license started.');
        continue;
      }
      const period = periodAt(license.entitlement.startsAt, rule.period, at);
      // A period counted in the store must be one the API can show again (usage, statements).
      if (!inTimeRange(period.end)) {
        reject('DATE_OUT_OF_RANGE', 'The quota period of this record would end past the range the API represents.');
        continue;
      }
      const used = (await tx.usage.counter(license.entitlement.id, r.feature, period.start)) ?? 0;
      if (used + r.quantity > ceiling(rule)) {
        reject('QUOTA_EXHAUSTED', `${r.feature}: ${used} of ${rule.limit} used this period; ${r.quantity} more passes the overage rule.`);
        continue;
      }
      await tx.usage.insert({
        id: ctx.ids.next('usage'),
        entitlementId: license.entitlement.id,
        activationId: activation.id,
        customerId: license.customer.id,
        productId: license.product.id,
        feature: r.feature,
        quantity: r.quantity,
        at,
        periodStart: period.start,
        recordedAt: now,
        idempotencyKey: key,
      });
      await tx.usage.add(license.entitlement.id, r.feature, period, r.quantity);
      outcome.accepted++;
    }
    outcome.usage = await quotaStatuses(tx, license, now);
    return outcome;
  });
}
