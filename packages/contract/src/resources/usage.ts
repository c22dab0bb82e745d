import { Type, type Static } from 'typebox';
import { Timestamp } from '../common.js';

const Fingerprint = Type.String({ minLength: 8, maxLength: 256, pattern: '^[\\x21-\\x7e]+$' });

export const UsageRecordIn = Type.Object(
  {
    feature: Type.String({ minLength: 1, maxLength: 64 }),
    quantity: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
    at: Type.Optional(Timestamp),
    idempotencyKey: Type.String({ minLength: 1, maxLength: 200, description: 'A repeat with the same key is counted once' }),
  },
  { additionalProperties: false },
);

export const UsageReport = Type.Object(
  { fingerprint: Fingerprint, records: Type.Array(UsageRecordIn, { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false },
);
export type UsageReport = Static<typeof UsageReport>;

export const QuotaStatusOut = Type.Object({
  used: Type.Integer(),
  limit: Type.Integer(),
  remaining: Type.Integer(),
  periodEndsAt: Timestamp,
  overage: Type.Union([Type.Literal('block'), Type.Literal('bill'), Type.Object({ allowPercent: Type.Integer() })]),
});
export type QuotaStatusOut = Static<typeof QuotaStatusOut>;

export const UsageAnswer = Type.Object({
  accepted: Type.Integer(),
  duplicates: Type.Integer(),
  rejected: Type.Array(Type.Object({ idempotencyKey: Type.String(), code: Type.String(), message: Type.String() })),
  usage: Type.Record(Type.String(), QuotaStatusOut),
  serverTime: Timestamp,
});

export const PoolCheckRequest = Type.Object(
  { fingerprint: Fingerprint, count: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })) },
  { additionalProperties: false },
);
export type PoolCheckRequest = Static<typeof PoolCheckRequest>;

export const PoolAnswer = Type.Object({
  pool: Type.Object({
    feature: Type.String(),
    inUse: Type.Integer(),
    limit: Type.Integer(),
    held: Type.Integer({ description: 'Elements this device holds' }),
  }),
});

export const UsageReportQuery = Type.Object({
  from: Timestamp,
  to: Timestamp,
  groupBy: Type.Optional(Type.Enum(['feature', 'customer', 'device', 'entitlement'] as const)),
  customer: Type.Optional(Type.String({ maxLength: 200 })),
  entitlement: Type.Optional(Type.String({ maxLength: 200 })),
  feature: Type.Optional(Type.String({ maxLength: 64 })),
});

export const EntitlementUsageOut = Type.Object({
  quotas: Type.Record(Type.String(), QuotaStatusOut, { description: 'Each consumption feature in the running period' }),
  pools: Type.Array(
    Type.Object({
      feature: Type.String(),
      inUse: Type.Integer(),
      limit: Type.Integer(),
      holders: Type.Array(Type.Object({ activationId: Type.String(), fingerprint: Type.String(), count: Type.Integer() })),
    }),
  ),
});
export type EntitlementUsageOut = Static<typeof EntitlementUsageOut>;

export const UsageGroupOut = Type.Object({ key: Type.String(), feature: Type.String(), quantity: Type.Integer(), records: Type.Integer() });
export type UsageGroupOut = Static<typeof UsageGroupOut>;

export const StatementQuery = Type.Object({
  customer: Type.String({ minLength: 1, maxLength: 200 }),
  from: Timestamp,
  to: Timestamp,
  format: Type.Optional(Type.Enum(['json', 'csv'] as const)),
});

export const StatementLine = Type.Object({
  entitlementId: Type.String(),
  offeringId: Type.String(),
  licenseModel: Type.String(),
  feature: Type.String(),
  unit: Type.Union([Type.String(), Type.Null()]),
  periodStart: Timestamp,
  periodEnd: Type.String(),
  closed: Type.Boolean(),
  used: Type.Integer(),
  included: Type.Integer({ description: 'The quota included in the license' }),
  billable: Type.Integer({ description: 'Pay-per-use: all usage; otherwise usage beyond the quota under a bill overage' }),
});

export const Statement = Type.Object(
  { customerId: Type.String(), from: Timestamp, to: Timestamp, lines: Type.Array(StatementLine) },
  { title: 'UsageStatement' },
);
