import { Type, type Static } from 'typebox';
import { IdOrCode, Metadata, Name, Timestamp } from '../common.js';
import { ExternalRef } from './customers.js';
import { OverridesWrite } from './entitlements.js';

/** A channel partner (reseller, distributor) that sells codes the vendor issued for it. */
export const PARTNER_KINDS = ['reseller', 'distributor', 'oem', 'other'] as const;

export const PartnerStats = Type.Object({
  issued: Type.Integer({ description: 'Codes generated for the partner' }),
  redeemed: Type.Integer(),
  voided: Type.Integer(),
  outstanding: Type.Integer({ description: 'Issued, not redeemed, not voided' }),
});

export const Partner = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    kind: Type.Enum(PARTNER_KINDS),
    email: Type.Union([Type.String(), Type.Null()]),
    externalRef: Type.Union([Type.String(), Type.Null()]),
    metadata: Metadata,
    stats: PartnerStats,
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { title: 'Partner' },
);
export type Partner = Static<typeof Partner>;

const Email = Type.String({ format: 'email', maxLength: 320 });

export const PartnerCreate = Type.Object(
  {
    name: Name,
    kind: Type.Optional(Type.Enum(PARTNER_KINDS)),
    email: Type.Optional(Type.Union([Email, Type.Null()])),
    externalRef: Type.Optional(Type.Union([ExternalRef, Type.Null()])),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);
export type PartnerCreate = Static<typeof PartnerCreate>;

export const PartnerPatch = Type.Object(
  {
    name: Type.Optional(Name),
    kind: Type.Optional(Type.Enum(PARTNER_KINDS)),
    email: Type.Optional(Type.Union([Email, Type.Null()])),
    externalRef: Type.Optional(Type.Union([ExternalRef, Type.Null()])),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PartnerPatch = Static<typeof PartnerPatch>;

export const CODE_BATCH_STATES = ['pending', 'generating', 'ready', 'voided'] as const;

export const CodeBatch = Type.Object(
  {
    id: Type.String(),
    partnerId: Type.String(),
    offeringId: Type.String(),
    quantity: Type.Integer(),
    generated: Type.Integer(),
    progress: Type.Number({ minimum: 0, maximum: 1 }),
    state: Type.Enum(CODE_BATCH_STATES),
    expiresAt: Type.Union([Timestamp, Type.Null()]),
    overrides: Type.Record(Type.String(), Type.Unknown()),
    stats: PartnerStats,
    createdAt: Timestamp,
    finishedAt: Type.Union([Timestamp, Type.Null()]),
  },
  { title: 'CodeBatch' },
);
export type CodeBatch = Static<typeof CodeBatch>;

export const CodeBatchCreate = Type.Object(
  {
    offeringId: IdOrCode,
    partnerId: IdOrCode,
    quantity: Type.Integer({ minimum: 1, maximum: 100_000 }),
    expiresAt: Type.Optional(Type.Union([Timestamp, Type.Null()])),
    overrides: Type.Optional(OverridesWrite),
  },
  { additionalProperties: false },
);
export type CodeBatchCreate = Static<typeof CodeBatchCreate>;

export const CODE_STATES = ['issued', 'redeemed', 'voided'] as const;

export const IssuedCode = Type.Object({
  code: Type.String(),
  serial: Type.Integer(),
  state: Type.Enum(CODE_STATES),
  redeemedAt: Type.Union([Timestamp, Type.Null()]),
  entitlementId: Type.Union([Type.String(), Type.Null()]),
});
export type IssuedCode = Static<typeof IssuedCode>;

export const CodeListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 500 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
  },
  { additionalProperties: false },
);

export const CodeBatchQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    partner: Type.Optional(IdOrCode),
  },
  { additionalProperties: false },
);

export const CodeCheckQuery = Type.Object({ code: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false });

/** Whether a code is one Leasehold issued, for which partner and offering, and whether it can still be redeemed. */
export const CodeCheck = Type.Object({
  authentic: Type.Boolean({ description: 'Issued by this account (false for a forged or mistyped code)' }),
  redeemable: Type.Boolean(),
  state: Type.Union([Type.Enum(CODE_STATES), Type.Literal('expired'), Type.Null()]),
  typo: Type.Boolean({ description: 'The check symbol does not match: most likely a mistyped code' }),
  partner: Type.Union([Type.Object({ id: Type.String(), name: Type.String() }), Type.Null()]),
  offering: Type.Union([Type.Object({ id: Type.String(), code: Type.String(), name: Type.String() }), Type.Null()]),
  batchId: Type.Union([Type.String(), Type.Null()]),
  expiresAt: Type.Union([Timestamp, Type.Null()]),
});
export type CodeCheck = Static<typeof CodeCheck>;

export const VoidRequest = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false });

export const VoidCodeRequest = Type.Object(
  { code: Type.String({ minLength: 1, maxLength: 100 }), reason: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);

export const RedeemRequest = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 100 }),
    customer: Type.Object(
      {
        name: Name,
        email: Email,
        externalRef: Type.Optional(ExternalRef),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type RedeemRequest = Static<typeof RedeemRequest>;

export const RedeemResponse = Type.Object({
  key: Type.String({ description: 'The license key of the new entitlement' }),
  entitlementId: Type.String(),
  customerId: Type.String(),
  offering: Type.Object({ id: Type.String(), code: Type.String(), name: Type.String() }),
  endsAt: Type.Union([Timestamp, Type.Null()]),
});
