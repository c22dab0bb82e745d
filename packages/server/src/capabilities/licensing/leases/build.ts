import { formatTimestamp } from '@leasehold/contract';
import type { EntitlementClaims, LeaseClaims } from '@leasehold/contract';
import type { ActivationRecord, CustomerRecord, EntitlementRecord, OfferingRecord, ProductRecord } from '../../../platform/domain/model.js';
import type { EffectiveRightsRecord } from '../../entitlements/effective-rights.js';
import { later } from '../../../platform/domain/dates.js';

export interface LeaseFacts {
  accountId: string;
  leaseId: string;
  product: ProductRecord;
  offering: OfferingRecord;
  customer: CustomerRecord;
  entitlement: EntitlementRecord;
  rights: EffectiveRightsRecord;
  activation: ActivationRecord;
  now: number;
  /** Quota status of consumption features, carried so the device can enforce quotas offline. */
  usage?: Record<
    string,
    { used: number; limit: number; remaining: number; periodEndsAt: number; overage: 'block' | 'bill' | { allowPercent: number } }
  >;
}

export interface LeasePlan {
  claims: LeaseClaims;
  issuedAt: number;
  expiresAt: number;
  refreshAfter: number;
}

/**
 * The entitlement as a device is told it: in the lease's claims and in an online validation's
 * answer alike (one projection, so the two never differ).
 */
export function entitlementClaims(l: Pick<LeaseFacts, 'entitlement' | 'customer' | 'offering' | 'rights'>): EntitlementClaims {
  const { rights } = l;
  return {
    id: l.entitlement.id,
    customer: { id: l.customer.id, name: l.customer.name },
    offering: { id: l.offering.id, code: l.offering.code, name: l.offering.name },
    status: rights.status,
    startsAt: formatTimestamp(rights.startsAt),
    endsAt: rights.endsAt === null ? null : formatTimestamp(rights.endsAt),
    licenseModel: rights.licenseModel,
    seatModel: rights.seatModel,
    seats: rights.seats,
    leasePeriod: rights.leasePeriod,
    features: rights.features,
    maintenanceUntil: rights.maintenanceUntil === null ? null : formatTimestamp(rights.maintenanceUntil),
  };
}

/**
 * The lease for an activation now. Its end is the earliest of: the lease period from now (the
 * vendor's maximum time offline), the entitlement's end, and — for seats held by heartbeat — the
 * heartbeat deadline, or the end of a borrow. The client starts refreshing halfway through.
 * Times in the claims are whole seconds, rounded so `exp` never passes any of those bounds.
 */
export function planLease(f: LeaseFacts): LeasePlan {
  const { now, rights, activation } = f;
  let end = later('expiresAt', now, rights.leasePeriod);
  if (rights.endsAt !== null) end = Math.min(end, rights.endsAt);
  if (activation.heartbeatDeadline !== null) {
    const borrowed = activation.borrowedUntil !== null && activation.borrowedUntil > now;
    end = Math.min(end, borrowed ? activation.borrowedUntil! : activation.heartbeatDeadline);
  }
  const iat = Math.floor(now / 1000);
  const exp = Math.max(iat, Math.floor(end / 1000));
  const refreshAfter = iat + Math.floor((exp - iat) / 2);
  const entitlement = entitlementClaims(f);
  return {
    issuedAt: iat * 1000,
    expiresAt: exp * 1000,
    refreshAfter: refreshAfter * 1000,
    claims: {
      iss: f.accountId,
      sub: activation.id,
      aud: f.product.code,
      jti: f.leaseId,
      iat,
      exp,
      refreshAfter,
      fingerprint: activation.fingerprint,
      mode: f.offering.enforcementMode,
      seat: {
        kind: activation.seatKind,
        heartbeatDeadline: activation.heartbeatDeadline === null ? null : Math.floor(activation.heartbeatDeadline / 1000),
        borrowedUntil: activation.borrowedUntil === null ? null : Math.floor(activation.borrowedUntil / 1000),
      },
      entitlement,
      usage: Object.fromEntries(
        Object.entries(f.usage ?? {}).map(([code, q]) => [
          code,
          { used: q.used, limit: q.limit, remaining: q.remaining, periodEndsAt: Math.floor(q.periodEndsAt / 1000), overage: q.overage },
        ]),
      ),
    },
  };
}
