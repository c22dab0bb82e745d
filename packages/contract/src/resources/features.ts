import { Type, type Static } from 'typebox';
import { Code, Name, Timestamp } from '../common.js';

export const FEATURE_TYPES = ['boolean', 'numeric', 'consumption', 'pool'] as const;
export type FeatureType = (typeof FEATURE_TYPES)[number];

export const Feature = Type.Object(
  {
    id: Type.String(),
    productId: Type.String(),
    code: Type.String(),
    name: Type.String(),
    type: Type.Enum(FEATURE_TYPES),
    unit: Type.Union([Type.String(), Type.Null()]),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { title: 'Feature' },
);
export type Feature = Static<typeof Feature>;

const Unit = Type.String({
  minLength: 1,
  maxLength: 40,
  description: 'What a numeric, consumption or pool feature counts (exports, GB, projects)',
});

export const FeatureCreate = Type.Object(
  {
    code: Code,
    name: Name,
    type: Type.Enum(FEATURE_TYPES),
    unit: Type.Optional(Type.Union([Unit, Type.Null()])),
  },
  { additionalProperties: false },
);
export type FeatureCreate = Static<typeof FeatureCreate>;

/** A feature's code and type are fixed once created: offerings and leases refer to them. */
export const FeaturePatch = Type.Object(
  { name: Type.Optional(Name), unit: Type.Optional(Type.Union([Unit, Type.Null()])) },
  { additionalProperties: false, minProperties: 1 },
);
export type FeaturePatch = Static<typeof FeaturePatch>;

export const OVERAGE_RULES = ['block', 'bill'] as const;

/**
 * The value of a feature in an offering or an override:
 * boolean → `true`/`false`; numeric → a number; pool → the pool size (integer);
 * consumption → the quota per period, as a number (monthly, blocking) or `{limit, period, overage}`.
 */
export const ConsumptionValue = Type.Object(
  {
    limit: Type.Integer({ minimum: 0 }),
    period: Type.Optional(
      Type.String({
        pattern: '^P(?!$)(\\d+Y)?(\\d+M)?(\\d+W)?(\\d+D)?(T(?=\\d)(\\d+H)?(\\d+M)?(\\d+S)?)?$',
        description: 'Quota period as an ISO 8601 duration; default P1M',
      }),
    ),
    overage: Type.Optional(
      Type.Union([
        Type.Literal('block'),
        Type.Literal('bill'),
        Type.Object({ allowPercent: Type.Integer({ minimum: 0, maximum: 1000 }) }, { additionalProperties: false }),
      ]),
    ),
  },
  { additionalProperties: false },
);
export type ConsumptionValue = Static<typeof ConsumptionValue>;

export const FeatureValue = Type.Union([Type.Boolean(), Type.Number(), ConsumptionValue]);
export type FeatureValue = Static<typeof FeatureValue>;

export const FeatureValues = Type.Record(Type.String({ maxLength: 64 }), FeatureValue, { maxProperties: 500 });
export type FeatureValues = Static<typeof FeatureValues>;
