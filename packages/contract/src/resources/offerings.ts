import { Type, type Static } from 'typebox';
import { Code, Duration, IdOrCode, Metadata, Name, Timestamp } from '../common.js';
import { FeatureValues } from './features.js';
import { DownloadLimit } from './releases.js';

export const LICENSE_MODELS = ['perpetual', 'subscription', 'trial', 'usage'] as const;
export type LicenseModel = (typeof LICENSE_MODELS)[number];
export const SEAT_MODELS = ['node_locked', 'floating', 'named_user'] as const;
export type SeatModel = (typeof SEAT_MODELS)[number];

export const LicenseModelSchema = Type.Enum(LICENSE_MODELS);
export const SeatModelSchema = Type.Enum(SEAT_MODELS);
export const ENFORCEMENT_MODES = ['enforce', 'warn', 'log'] as const;
export type EnforcementMode = (typeof ENFORCEMENT_MODES)[number];
export const EPHEMERAL_COUNTING = ['instance', 'host'] as const;
export type EphemeralCounting = (typeof EPHEMERAL_COUNTING)[number];

/**
 * Rules checked when a device activates, each refusing with RULE_UNSATISFIED and naming itself:
 * - `requires`: the customer must hold an active entitlement to this product or offering (an add-on needs its base);
 * - `max_activations_per_customer`: at most `limit` activations across the customer's entitlements of this product;
 * - `excludes`: the customer may not have devices active on any of these offerings at the same time.
 */
export const ActivationRule = Type.Union([
  Type.Object(
    {
      type: Type.Literal('requires'),
      productId: Type.Optional(IdOrCode),
      offeringId: Type.Optional(IdOrCode),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { type: Type.Literal('max_activations_per_customer'), limit: Type.Integer({ minimum: 1, maximum: 1_000_000 }) },
    { additionalProperties: false },
  ),
  Type.Object(
    { type: Type.Literal('excludes'), offeringIds: Type.Array(IdOrCode, { minItems: 1, maxItems: 50 }) },
    { additionalProperties: false },
  ),
]);
export type ActivationRule = Static<typeof ActivationRule>;
export const ActivationRules = Type.Array(ActivationRule, { maxItems: 20 });

export const EVICTION_ORDERS = ['least_recently_seen', 'newest_first'] as const;
export type EvictionOrder = (typeof EVICTION_ORDERS)[number];

export const Seats = Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Seats (devices, concurrent users or named users)' });
export const RehostLimit = Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'Rehosts allowed per year; null for no limit' });

export const Offering = Type.Object(
  {
    id: Type.String(),
    productId: Type.String(),
    code: Type.String(),
    name: Type.String(),
    licenseModel: LicenseModelSchema,
    seatModel: SeatModelSchema,
    seats: Type.Integer(),
    term: Type.Union([Type.String(), Type.Null()], { description: 'How long an entitlement runs; null for perpetual' }),
    leasePeriod: Type.String({ description: 'How long a lease lives before the client must refresh' }),
    features: FeatureValues,
    rehostLimit: Type.Union([Type.Integer(), Type.Null()]),
    maintenanceTerm: Type.Union([Type.String(), Type.Null()]),
    rehostPeriod: Type.String({ description: 'The window rehostLimit counts over' }),
    heartbeatWindow: Type.String({ description: 'Floating and ephemeral seats are held while heartbeats arrive within this window' }),
    borrowLimit: Type.Union([Type.String(), Type.Null()], {
      description: 'Longest a floating seat may be borrowed for offline use; null: no borrowing',
    }),
    offlineLeasePeriod: Type.Union([Type.String(), Type.Null()], {
      description:
        'The lease period of offline (file) activations, for air-gapped sites that cannot send a new request every leasePeriod; null: leasePeriod. Longer means a change of rights reaches such a device later.',
    }),
    downloadLimit: Type.Union([DownloadLimit, Type.Null()], { description: 'Downloads allowed per entitlement; null: no limit' }),
    maxDevicesPerUser: Type.Integer({ description: 'Named-user seats: devices one user may use' }),
    ephemeralCounting: Type.Enum(EPHEMERAL_COUNTING),
    enforcementMode: Type.Enum(ENFORCEMENT_MODES),
    activationRules: ActivationRules,
    upgradePaths: Type.Array(Type.String(), {
      description: 'Offerings an entitlement may change to from this one (any product); empty: any offering of the same product',
    }),
    evictionOrder: Type.Enum(EVICTION_ORDERS, { description: 'Which devices lose their seat when seats are cut; pinned devices never do' }),
    version: Type.Integer(),
    metadata: Metadata,
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { title: 'Offering' },
);
export type Offering = Static<typeof Offering>;

export const OfferingCreate = Type.Object(
  {
    productId: IdOrCode,
    code: Code,
    name: Name,
    licenseModel: LicenseModelSchema,
    seatModel: Type.Optional(SeatModelSchema),
    seats: Type.Optional(Seats),
    term: Type.Optional(Type.Union([Duration, Type.Null()])),
    leasePeriod: Type.Optional(Duration),
    features: Type.Optional(FeatureValues),
    rehostLimit: Type.Optional(Type.Union([RehostLimit, Type.Null()])),
    maintenanceTerm: Type.Optional(Type.Union([Duration, Type.Null()])),
    rehostPeriod: Type.Optional(Duration),
    heartbeatWindow: Type.Optional(Duration),
    borrowLimit: Type.Optional(Type.Union([Duration, Type.Null()])),
    offlineLeasePeriod: Type.Optional(Type.Union([Duration, Type.Null()])),
    downloadLimit: Type.Optional(Type.Union([DownloadLimit, Type.Null()])),
    maxDevicesPerUser: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    ephemeralCounting: Type.Optional(Type.Enum(EPHEMERAL_COUNTING)),
    enforcementMode: Type.Optional(Type.Enum(ENFORCEMENT_MODES)),
    activationRules: Type.Optional(ActivationRules),
    upgradePaths: Type.Optional(Type.Array(IdOrCode, { maxItems: 100 })),
    evictionOrder: Type.Optional(Type.Enum(EVICTION_ORDERS)),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);
export type OfferingCreate = Static<typeof OfferingCreate>;

/** Everything but the product may change; the change reaches every entitlement at its next lease. */
export const OfferingPatch = Type.Partial(Type.Omit(OfferingCreate, ['productId']), { additionalProperties: false, minProperties: 1 });
export type OfferingPatch = Static<typeof OfferingPatch>;
