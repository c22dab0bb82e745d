import type { EffectiveStatus, FeatureValues, LicenseModel, Overrides, SeatModel } from '@leasehold/contract';
import type { EntitlementRecord, OfferingRecord } from '../../platform/domain/model.js';

export interface EffectiveRightsRecord {
  status: EffectiveStatus;
  startsAt: number;
  endsAt: number | null;
  licenseModel: LicenseModel;
  seatModel: SeatModel;
  seats: number;
  term: string | null;
  leasePeriod: string;
  rehostLimit: number | null;
  maintenanceUntil: number | null;
  features: FeatureValues;
}

export type EntitlementTerms = Pick<EntitlementRecord, 'state' | 'startsAt' | 'endsAt' | 'maintenanceUntil' | 'overrides'>;

/**
 * What the customer holds at `now`: the offering's values, each overridden field replaced by the
 * entitlement's value, and the status from the vendor's state first, then time. A pure function:
 * the same inputs always give the same rights, which is what lets leases, validations, as-of reads
 * and previews agree.
 */
export function effectiveRights(offering: OfferingRecord, entitlement: EntitlementTerms, now: number): EffectiveRightsRecord {
  const o: Overrides = entitlement.overrides;
  return {
    status: statusAt(entitlement, now),
    startsAt: entitlement.startsAt,
    endsAt: entitlement.endsAt,
    licenseModel: offering.licenseModel,
    seatModel: offering.seatModel,
    seats: o.seats ?? offering.seats,
    term: o.term ?? offering.term,
    leasePeriod: o.leasePeriod ?? offering.leasePeriod,
    rehostLimit: o.rehostLimit !== undefined ? o.rehostLimit : offering.rehostLimit,
    maintenanceUntil: entitlement.maintenanceUntil,
    features: { ...offering.features, ...o.features },
  };
}

export function statusAt(entitlement: Pick<EntitlementRecord, 'state' | 'startsAt' | 'endsAt'>, now: number): EffectiveStatus {
  if (entitlement.state !== 'active') return entitlement.state;
  if (now < entitlement.startsAt) return 'not_started';
  if (entitlement.endsAt !== null && now >= entitlement.endsAt) return 'expired';
  return 'active';
}
