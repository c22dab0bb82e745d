import { Type, type Static } from 'typebox';
import { IdOrCode, Timestamp } from '../common.js';

export const MigrationSelect = Type.Object(
  {
    customers: Type.Optional(
      Type.Array(IdOrCode, { minItems: 1, maxItems: 10_000, description: 'Only these customers (ids or external references)' }),
    ),
    platform: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'Only entitlements with a live device on this platform' }),
    ),
    version: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'Only entitlements with a live device on this application version' }),
    ),
  },
  { additionalProperties: false },
);

export const MigrationCreate = Type.Object(
  {
    sourceOfferingId: IdOrCode,
    targetOfferingId: IdOrCode,
    select: Type.Optional(MigrationSelect),
    removeSeats: Type.Optional(Type.Boolean()),
    rekey: Type.Optional(
      Type.Boolean({ description: 'Give each migrated entitlement a new license key; the old one works until rekeyGraceUntil' }),
    ),
    rekeyGraceUntil: Type.Optional(Timestamp),
    dryRun: Type.Optional(Type.Boolean({ description: 'Answer the impact, change nothing' })),
  },
  { additionalProperties: false },
);
export type MigrationCreate = Static<typeof MigrationCreate>;

const Counts = Type.Record(Type.String(), Type.Integer());

export const Impact = Type.Object({
  entitlements: Type.Integer(),
  customers: Type.Integer(),
  activations: Type.Integer(),
  seatsRemoved: Type.Integer(),
  poolsOverLimit: Type.Integer(),
  overridesKept: Type.Integer(),
});

export const ImpactSamples = Type.Object({
  entitlements: Type.Array(Type.Object({ id: Type.String(), customerId: Type.String() })),
  customers: Type.Array(Type.String(), { description: 'The affected customers (ids), the first 200; impact.customers counts them all' }),
  seatsRemoved: Type.Array(
    Type.Object({ activationId: Type.String(), entitlementId: Type.String(), fingerprint: Type.String(), lastSeenAt: Timestamp }),
  ),
  overridesKept: Type.Array(Type.Object({ entitlementId: Type.String(), fields: Type.Array(Type.String()) })),
});

export const Migration = Type.Object(
  {
    id: Type.String(),
    state: Type.Enum(['pending', 'running', 'completed', 'failed'] as const),
    sourceOfferingId: Type.String(),
    targetOfferingId: Type.String(),
    select: Type.Record(Type.String(), Type.Unknown()),
    options: Type.Object({ removeSeats: Type.Boolean(), rekey: Type.Boolean(), rekeyGraceUntil: Type.Union([Timestamp, Type.Null()]) }),
    impact: Counts,
    result: Counts,
    total: Type.Integer(),
    done: Type.Integer(),
    skipped: Type.Integer(),
    failed: Type.Integer(),
    progress: Type.Number({ description: 'Share of items finished, 0 to 1' }),
    error: Type.Union([Type.String(), Type.Null()]),
    createdAt: Timestamp,
    startedAt: Type.Union([Timestamp, Type.Null()]),
    finishedAt: Type.Union([Timestamp, Type.Null()]),
  },
  { title: 'Migration' },
);
export type Migration = Static<typeof Migration>;

export const MigrationAnswer = Type.Object({
  dryRun: Type.Boolean(),
  impact: Impact,
  samples: ImpactSamples,
  migration: Type.Union([Migration, Type.Null()]),
});
export type MigrationAnswer = Static<typeof MigrationAnswer>;
