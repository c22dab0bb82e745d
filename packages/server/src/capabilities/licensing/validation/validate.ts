import { formatTimestamp, grants, type ServerValidationCode } from '@leasehold/contract';
import type { ActivationRecord, EntitlementRecord, OfferingRecord, ProductRecord } from '../../../platform/domain/model.js';
import type { EffectiveRightsRecord } from '../../entitlements/effective-rights.js';
import { holdsSeat, holders, isHeartbeatHeld, seatsInUse } from '../activations/seats.js';

const DAY = 24 * 60 * 60 * 1000;
/** Warn this long before a term ends. */
export const ENDING_SOON_MS = 14 * DAY;

export interface Warning {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export interface Verdict {
  valid: boolean;
  code: ServerValidationCode;
  message: string;
  details?: Record<string, unknown>;
  warnings: Warning[];
}

export interface LicenseFacts {
  entitlement: EntitlementRecord;
  offering: OfferingRecord;
  product: ProductRecord;
  rights: EffectiveRightsRecord;
}

export interface ValidationFacts {
  now: number;
  license: LicenseFacts | null;
  /** The product the application says it is (code or id), if it said. */
  product?: string | undefined;
  fingerprint?: string | undefined;
  /** The live activations of the entitlement. */
  live: ActivationRecord[];
  features?: string[] | undefined;
  /** Quota status of consumption features now (absent: not loaded). */
  quotas?: Record<string, { used: number; limit: number; ceiling: number }> | undefined;
  /** Elements in use per pool feature (absent: not loaded). */
  pools?: Map<string, number> | undefined;
}

export { grants };

const refuse = (code: ServerValidationCode, message: string, details?: Record<string, unknown>): Verdict => ({
  valid: false,
  code,
  message,
  warnings: [],
  ...(details ? { details } : {}),
});

/**
 * May this license run now, on this device, with these features? One ordered function: the first
 * rule that fails decides, and its code says which. `valid: true` only ever comes with VALID;
 * conditions that do not stop the application are warnings.
 */
export function validateLicense(f: ValidationFacts): Verdict {
  const { now } = f;
  if (!f.license) return refuse('NOT_FOUND', 'No license has this key.');
  const { offering, product, rights } = f.license;

  if (f.product !== undefined && f.product !== product.code && f.product !== product.id) {
    return refuse('PRODUCT_MISMATCH', `This license is for ${product.code}, not ${f.product}.`, {
      licensedProduct: product.code,
      requested: f.product,
    });
  }

  switch (rights.status) {
    case 'suspended':
      return refuse('SUSPENDED', 'The license is suspended.', { resolve: 'Contact the vendor.' });
    case 'revoked':
      return refuse('REVOKED', 'The license has been revoked.');
    case 'returned':
      return refuse('RETURNED', 'The license has been returned.');
    case 'not_started':
      return refuse('NOT_STARTED', `The license starts at ${formatTimestamp(rights.startsAt)}.`, {
        startsAt: formatTimestamp(rights.startsAt),
      });
    case 'expired':
      return refuse('EXPIRED', `The license ended at ${formatTimestamp(rights.endsAt!)}.`, {
        endsAt: formatTimestamp(rights.endsAt!),
        resolve: 'Renew the license.',
      });
    case 'active':
      break;
  }

  if (f.fingerprint !== undefined) {
    const mine = f.live.find((a) => a.fingerprint === f.fingerprint);
    if (mine && isHeartbeatHeld(mine) && !holdsSeat(mine, now)) {
      return refuse('HEARTBEAT_DEAD', 'This device stopped sending heartbeats and its seat was freed.', {
        heartbeatDeadline: formatTimestamp(mine.heartbeatDeadline!),
        resolve: 'Activate again.',
      });
    }
    if (!mine) {
      const used = seatsInUse(f.live, offering, now);
      if (offering.seatModel === 'node_locked' && used >= rights.seats) {
        return refuse('FINGERPRINT_MISMATCH', 'This license is in use on other devices, not this one.', {
          seats: rights.seats,
          holders: holders(f.live, now),
          resolve: 'Deactivate one of the other devices, then activate this one.',
        });
      }
      return refuse('NOT_ACTIVATED', 'This device is not activated for the license.', { resolve: 'Activate the license on this device.' });
    }
  }

  const exhausted = (f.features ?? []).filter((code) => {
    const q = f.quotas?.[code];
    return q !== undefined && q.used >= q.ceiling;
  });
  if (exhausted.length > 0) {
    return refuse('QUOTA_EXHAUSTED', `The quota of ${exhausted.join(', ')} is used up for this period.`, {
      exhausted: Object.fromEntries(exhausted.map((code) => [code, f.quotas![code]])),
    });
  }
  const missing = (f.features ?? []).filter((code) => !grants(rights.features[code]));
  if (missing.length > 0) {
    return refuse('FEATURE_MISSING', `The license does not include ${missing.join(', ')}.`, { missing, granted: rights.features });
  }

  const warnings: Warning[] = [];
  if (rights.endsAt !== null && rights.endsAt - now < ENDING_SOON_MS) {
    warnings.push({
      code: 'TERM_ENDING_SOON',
      message: `The license ends at ${formatTimestamp(rights.endsAt)}.`,
      details: { endsAt: formatTimestamp(rights.endsAt) },
    });
  }
  if (rights.maintenanceUntil !== null && rights.maintenanceUntil < now) {
    warnings.push({
      code: 'MAINTENANCE_EXPIRED',
      message: 'Maintenance has ended: updates released since are not covered.',
      details: { maintenanceUntil: formatTimestamp(rights.maintenanceUntil) },
    });
  }
  for (const [feature, inUse] of f.pools ?? []) {
    const limit = rights.features[feature];
    if (typeof limit === 'number' && inUse > limit) {
      warnings.push({
        code: 'POOL_OVER_LIMIT',
        message: `${feature}: ${inUse} in use, over the limit of ${limit}; only check-ins are accepted until it is back under.`,
        details: { feature, inUse, limit },
      });
    }
  }
  if (offering.enforcementMode !== 'enforce') {
    warnings.push({
      code: 'ENFORCEMENT_RELAXED',
      message: 'Limits on this license are reported, not enforced.',
      details: { enforcement: offering.enforcementMode },
    });
  }
  return { valid: true, code: 'VALID', message: 'The license is valid.', warnings };
}
