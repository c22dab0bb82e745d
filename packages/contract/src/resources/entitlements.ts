import { Type, type Static } from 'typebox';
import { Duration, IdOrCode, Metadata, Timestamp } from '../common.js';
import { FeatureValue, FeatureValues } from './features.js';
import { LicenseModelSchema, RehostLimit, SeatModelSchema, Seats } from './offerings.js';
import { ExternalRef } from './customers.js';
import { DownloadLimit } from './releases.js';

/** What the vendor set on the entitlement; `active` until suspended, revoked or returned. */
export const ENTITLEMENT_STATES = ['active', 'suspended', 'revoked', 'returned'] as const;
export type EntitlementState = (typeof ENTITLEMENT_STATES)[number];

/** The status clients see: the stored state, then time (`not_started` before the start, `expired` after the end). */
export const EFFECTIVE_STATUSES = [...ENTITLEMENT_STATES, 'expired', 'not_started'] as const;
export type EffectiveStatus = (typeof EFFECTIVE_STATUSES)[number];

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

/**
 * Per-field overrides laid on top of the offering. In a write, `null` removes an override
 * (`{"seats": null}`, `{"features": {"export": null}}`); in a read, only the fields set appear.
 */
export const OverridesWrite = Type.Object(
  {
    seats: Type.Optional(Nullable(Seats)),
    leasePeriod: Type.Optional(Nullable(Duration)),
    term: Type.Optional(Nullable(Duration)),
    rehostLimit: Type.Optional(Nullable(RehostLimit)),
    maintenanceTerm: Type.Optional(Nullable(Duration)),
    downloadLimit: Type.Optional(Nullable(DownloadLimit)),
    features: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Nullable(FeatureValue), { maxProperties: 500 })),
  },
  { additionalProperties: false },
);
export type OverridesWrite = Static<typeof OverridesWrite>;

export const Overrides = Type.Object({
  seats: Type.Optional(Type.Integer()),
  leasePeriod: Type.Optional(Type.String()),
  term: Type.Optional(Type.String()),
  rehostLimit: Type.Optional(Type.Integer()),
  maintenanceTerm: Type.Optional(Type.String()),
  downloadLimit: Type.Optional(DownloadLimit),
  features: Type.Optional(FeatureValues),
});
export type Overrides = Static<typeof Overrides>;

/** The rights the customer holds now: the offering with the overrides on top, at a moment in time. */
export const EffectiveRights = Type.Object(
  {
    status: Type.Enum(EFFECTIVE_STATUSES),
    startsAt: Timestamp,
    endsAt: Type.Union([Timestamp, Type.Null()]),
    licenseModel: LicenseModelSchema,
    seatModel: SeatModelSchema,
    seats: Type.Integer(),
    term: Type.Union([Type.String(), Type.Null()]),
    leasePeriod: Type.String(),
    rehostLimit: Type.Union([Type.Integer(), Type.Null()]),
    maintenanceUntil: Type.Union([Timestamp, Type.Null()]),
    features: FeatureValues,
  },
  { title: 'EffectiveRights' },
);
export type EffectiveRights = Static<typeof EffectiveRights>;

export const Entitlement = Type.Object(
  {
    id: Type.String(),
    key: Type.String({ description: 'The license key (activation code) the customer types into the application' }),
    keyPending: Type.Optional(
      Type.Boolean({
        description:
          "Present (true) while the remote key generator has not given the key yet: `key` is empty and nothing can be activated until it has (the generator's onFailure: queue)",
      }),
    ),
    customerId: Type.String(),
    offeringId: Type.String(),
    productId: Type.String(),
    orderRef: Type.Union([Type.String(), Type.Null()]),
    externalRef: Type.Union([Type.String(), Type.Null()]),
    state: Type.Enum(ENTITLEMENT_STATES),
    startsAt: Timestamp,
    endsAt: Type.Union([Timestamp, Type.Null()]),
    maintenanceUntil: Type.Union([Timestamp, Type.Null()]),
    overrides: Overrides,
    effective: EffectiveRights,
    metadata: Metadata,
    version: Type.Integer({ description: 'Increases with every change' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { title: 'Entitlement' },
);
export type Entitlement = Static<typeof Entitlement>;

const OrderRef = Type.String({ minLength: 1, maxLength: 200 });
const LicenseKeyInput = Type.String({
  minLength: 16,
  maxLength: 200,
  pattern: '^[A-Za-z0-9-]+$',
  description: 'A license key to use instead of a generated one (imports from another system)',
});

export const EntitlementCreate = Type.Object(
  {
    customerId: IdOrCode,
    offeringId: IdOrCode,
    orderRef: Type.Optional(Type.Union([OrderRef, Type.Null()])),
    externalRef: Type.Optional(Type.Union([ExternalRef, Type.Null()])),
    startsAt: Type.Optional(Timestamp),
    endsAt: Type.Optional(Type.Union([Timestamp, Type.Null()])),
    overrides: Type.Optional(OverridesWrite),
    metadata: Type.Optional(Metadata),
    key: Type.Optional(LicenseKeyInput),
  },
  { additionalProperties: false },
);
export type EntitlementCreate = Static<typeof EntitlementCreate>;

export const EntitlementPatch = Type.Object(
  {
    orderRef: Type.Optional(Type.Union([OrderRef, Type.Null()])),
    externalRef: Type.Optional(Type.Union([ExternalRef, Type.Null()])),
    startsAt: Type.Optional(Timestamp),
    endsAt: Type.Optional(Type.Union([Timestamp, Type.Null()])),
    overrides: Type.Optional(OverridesWrite),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type EntitlementPatch = Static<typeof EntitlementPatch>;

export const EntitlementReason = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false });
export type EntitlementReason = Static<typeof EntitlementReason>;

/** A new license key for one entitlement; the old one stops at once unless `oldKeyValidUntil` says otherwise. */
export const EntitlementRekey = Type.Object(
  {
    oldKeyValidUntil: Type.Optional(Timestamp),
    reason: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type EntitlementRekey = Static<typeof EntitlementRekey>;

export const EntitlementRenew = Type.Object(
  {
    term: Type.Optional(Duration),
  },
  {
    additionalProperties: false,
    description: 'Extend by `term` (default: the effective term) from the end, or from now if already expired',
  },
);
export type EntitlementRenew = Static<typeof EntitlementRenew>;

export const ChangeOfferingRequest = Type.Object(
  {
    offeringId: IdOrCode,
    removeSeats: Type.Optional(Type.Boolean({ description: 'Remove every activation (all devices activate again)' })),
    dryRun: Type.Optional(Type.Boolean({ description: 'Answer what would happen, change nothing' })),
  },
  { additionalProperties: false },
);
export type ChangeOfferingRequest = Static<typeof ChangeOfferingRequest>;

const RemovedActivation = Type.Object({
  id: Type.String(),
  fingerprint: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  lastSeenAt: Timestamp,
  pinned: Type.Boolean(),
});

export const ChangeOfferingResult = Type.Object(
  {
    entitlement: Entitlement,
    removedActivations: Type.Array(RemovedActivation),
    keptOverrides: Type.Array(Type.String(), { description: 'Overridden fields that kept their values' }),
    droppedOverrides: Type.Array(Type.String(), { description: "Feature overrides the new offering's product does not have" }),
    datesChanged: Type.Boolean({ description: 'True when a change of license model restarted the term' }),
    warnings: Type.Array(
      Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Record(Type.String(), Type.Unknown())) }),
    ),
    dryRun: Type.Boolean(),
  },
  { title: 'ChangeOfferingResult' },
);
export type ChangeOfferingResult = Static<typeof ChangeOfferingResult>;

export const HistoryEntry = Type.Object(
  {
    version: Type.Integer(),
    at: Timestamp,
    change: Type.String({ description: 'The event type of the change' }),
    actor: Type.Object({ type: Type.String(), id: Type.Union([Type.String(), Type.Null()]) }),
    requestId: Type.Union([Type.String(), Type.Null()]),
    offeringId: Type.String(),
    before: Type.Record(Type.String(), Type.Unknown()),
    after: Type.Record(Type.String(), Type.Unknown()),
  },
  { title: 'EntitlementVersion' },
);
export type HistoryEntry = Static<typeof HistoryEntry>;

export const RevertRequest = Type.Object(
  {
    version: Type.Integer({ minimum: 1 }),
    restoreStatus: Type.Optional(
      Type.Boolean({
        description:
          'Also bring back the status of that version (active or suspended). Without it a revert restores rights and references and keeps the current status: a suspension for non-payment is not lifted by accident.',
      }),
    ),
  },
  { additionalProperties: false },
);
