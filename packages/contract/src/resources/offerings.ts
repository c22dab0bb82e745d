import { Type, type Static } from 'typebox';
import { Code, Duration, IdOrCode, Metadata, Name, Timestamp } from '../common.js';
import { FeatureValues } from './features.js';

export const LICENSE_MODELS = ['perpetual', 'subscription', 'trial', 'usage'] as const;
export type LicenseModel = (typeof LICENSE_MODELS)[number];
export const SEAT_MODELS = ['node_locked', 'floating', 'named_user'] as const;
export type SeatModel = (typeof SEAT_MODELS)[number];

export const LicenseModelSchema = Type.Enum(LICENSE_MODELS);
export const SeatModelSchema = Type.Enum(SEAT_MODELS);
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
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);
export type OfferingCreate = Static<typeof OfferingCreate>;

/** Everything but the product may change; the change reaches every entitlement at its next lease. */
export const OfferingPatch = Type.Object(
  {
    code: Type.Optional(Code),
    name: Type.Optional(Name),
    licenseModel: Type.Optional(LicenseModelSchema),
    seatModel: Type.Optional(SeatModelSchema),
    seats: Type.Optional(Seats),
    term: Type.Optional(Type.Union([Duration, Type.Null()])),
    leasePeriod: Type.Optional(Duration),
    features: Type.Optional(FeatureValues),
    rehostLimit: Type.Optional(Type.Union([RehostLimit, Type.Null()])),
    maintenanceTerm: Type.Optional(Type.Union([Duration, Type.Null()])),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type OfferingPatch = Static<typeof OfferingPatch>;
