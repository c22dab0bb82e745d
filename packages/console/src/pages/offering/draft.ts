/**
 * The offering form's state and what it sends: every setting the server's OfferingCreate takes, as
 * text a person edits, and back. Pure, so the round trip is tested without a browser.
 */
import type {
  ActivationRule,
  EnforcementMode,
  EphemeralCounting,
  EvictionOrder,
  FeatureValue,
  LicenseModel,
  Offering,
  OfferingCreate,
  OfferingPatch,
  SeatModel,
} from '@leasehold/contract';

export interface Draft {
  productId: string | null;
  code: string;
  name: string;
  licenseModel: LicenseModel;
  seatModel: SeatModel;
  seats: number | string;
  term: string;
  leasePeriod: string;
  offlineLeasePeriod: string;
  rehostLimit: number | string;
  rehostPeriod: string;
  maintenanceTerm: string;
  heartbeatWindow: string;
  borrowLimit: string;
  maxDevicesPerUser: number | string;
  /** Downloads of release files per entitlement (empty: no limit), counted per artifact or per release. */
  downloadLimitCount: number | string;
  downloadLimitPer: 'artifact' | 'release';
  ephemeralCounting: EphemeralCounting | '';
  enforcementMode: EnforcementMode | '';
  evictionOrder: EvictionOrder;
  features: Record<string, FeatureValue>;
  activationRules: ActivationRule[];
  upgradePaths: string[];
}

export const blank = (productId: string | null): Draft => ({
  productId,
  code: '',
  name: '',
  licenseModel: 'subscription',
  seatModel: 'node_locked',
  seats: 1,
  term: 'P1Y',
  leasePeriod: 'P7D',
  offlineLeasePeriod: '',
  rehostLimit: '',
  rehostPeriod: '',
  maintenanceTerm: '',
  heartbeatWindow: '',
  borrowLimit: '',
  maxDevicesPerUser: '',
  downloadLimitCount: '',
  downloadLimitPer: 'artifact',
  ephemeralCounting: '',
  enforcementMode: '',
  evictionOrder: 'least_recently_seen',
  features: {},
  activationRules: [],
  upgradePaths: [],
});

export const fromOffering = (o: Offering): Draft => ({
  productId: o.productId,
  code: o.code,
  name: o.name,
  licenseModel: o.licenseModel,
  seatModel: o.seatModel,
  seats: o.seats,
  term: o.term ?? '',
  leasePeriod: o.leasePeriod,
  offlineLeasePeriod: o.offlineLeasePeriod ?? '',
  rehostLimit: o.rehostLimit ?? '',
  rehostPeriod: o.rehostPeriod,
  maintenanceTerm: o.maintenanceTerm ?? '',
  heartbeatWindow: o.heartbeatWindow,
  borrowLimit: o.borrowLimit ?? '',
  maxDevicesPerUser: o.maxDevicesPerUser,
  downloadLimitCount: o.downloadLimit?.count ?? '',
  downloadLimitPer: o.downloadLimit?.per ?? 'artifact',
  ephemeralCounting: o.ephemeralCounting,
  enforcementMode: o.enforcementMode,
  evictionOrder: o.evictionOrder,
  features: o.features,
  activationRules: o.activationRules,
  upgradePaths: o.upgradePaths,
});

const text = (s: string) => s.trim();
const orNull = (s: string) => text(s) || null;
const num = (v: number | string) => (v === '' ? null : Number(v));

/**
 * The request body. An emptied nullable setting is sent as null (it clears); an emptied setting the
 * server defaults (heartbeat window, rehost period…) is left out on create and kept on edit.
 */
export function toBody(d: Draft, editing: boolean): OfferingCreate | OfferingPatch {
  const body: Record<string, unknown> = {
    code: text(d.code),
    name: text(d.name),
    licenseModel: d.licenseModel,
    seatModel: d.seatModel,
    seats: Number(d.seats),
    term: orNull(d.term),
    leasePeriod: text(d.leasePeriod),
    offlineLeasePeriod: orNull(d.offlineLeasePeriod),
    rehostLimit: num(d.rehostLimit),
    maintenanceTerm: orNull(d.maintenanceTerm),
    borrowLimit: orNull(d.borrowLimit),
    downloadLimit: d.downloadLimitCount === '' ? null : { count: Number(d.downloadLimitCount), per: d.downloadLimitPer },
    evictionOrder: d.evictionOrder,
    features: d.features,
    activationRules: d.activationRules,
    upgradePaths: d.upgradePaths,
  };
  const defaulted: Record<string, unknown> = {
    rehostPeriod: text(d.rehostPeriod) || undefined,
    heartbeatWindow: text(d.heartbeatWindow) || undefined,
    maxDevicesPerUser: num(d.maxDevicesPerUser) ?? undefined,
    ephemeralCounting: d.ephemeralCounting || undefined,
    enforcementMode: d.enforcementMode || undefined,
  };
  for (const [k, v] of Object.entries(defaulted)) if (v !== undefined) body[k] = v;
  if (!editing) body['productId'] = d.productId;
  return body as OfferingCreate | OfferingPatch;
}

/** A feature's values kept only for features of the chosen product (a product change drops the rest). */
export function keepFeatures(values: Record<string, FeatureValue>, codes: string[]): Record<string, FeatureValue> {
  return Object.fromEntries(Object.entries(values).filter(([code]) => codes.includes(code)));
}
