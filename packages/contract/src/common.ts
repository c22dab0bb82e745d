import { Type, type Static, type TSchema } from 'typebox';

/**
 * ISO 8601 UTC timestamp as the API writes it, e.g. `2026-11-23T15:31:46.000Z`. The server checks
 * `date-time` with `parseTimestamp` (time.ts): the range MIN_TIME..MAX_TIME, no leap seconds.
 */
export const Timestamp = Type.String({
  format: 'date-time',
  description: 'RFC 3339 timestamp between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z; leap seconds (23:59:60) are refused',
});

/**
 * ISO 8601 duration (`P1Y`, `P1M`, `P7D`, `PT30S`, `P1DT12H`). Weeks (`P2W`) are accepted too.
 * The server rejects zero durations; months and years are calendar-aware.
 */
export const Duration = Type.String({
  pattern: '^P(?!$)(\\d+Y)?(\\d+M)?(\\d+W)?(\\d+D)?(T(?=\\d)(\\d+H)?(\\d+M)?(\\d+(\\.\\d{1,3})?S)?)?$',
  description: 'ISO 8601 duration such as P1Y, P30D or PT1H',
  examples: ['P1Y', 'P7D', 'PT1H'],
});

/**
 * The shape of a generated id (`ent_01jd…`). Codes and external references may not take it: lookups
 * match an id or a code, and a code that looks like another record's id would make them ambiguous.
 */
export const ID_SHAPE = '^[a-z]+_[0-9a-z]{26}$';

/** A vendor-chosen code: unique per account (features: per product), usable wherever an id is. */
export const Code = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$',
  not: { pattern: ID_SHAPE },
  description: 'Vendor-chosen code: letters, digits, dot, dash, underscore; up to 64 characters; not shaped like an id',
});

export const Name = Type.String({ minLength: 1, maxLength: 200 });

/** Free-form vendor data: up to 64 keys of scalar values. */
export const Metadata = Type.Record(
  Type.String({ maxLength: 64 }),
  Type.Union([Type.String({ maxLength: 1000 }), Type.Number(), Type.Boolean(), Type.Null()]),
  { maxProperties: 64, description: 'Free-form key/value data kept for the vendor' },
);
export type Metadata = Static<typeof Metadata>;

export const IdOrCode = Type.String({ minLength: 1, maxLength: 200, description: 'An id, or the code / externalRef of the resource' });

export const IdParams = Type.Object({ id: IdOrCode });

export const ListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});

/** `{data: [...], nextCursor}` for every list endpoint. */
export function ListOf<T extends TSchema>(item: T) {
  return Type.Object({
    data: Type.Array(item),
    nextCursor: Type.Union([Type.String(), Type.Null()]),
  });
}

export const ID_PREFIXES = {
  account: 'acc',
  product: 'prod',
  feature: 'feat',
  offering: 'off',
  customer: 'cus',
  entitlement: 'ent',
  activation: 'act',
  lease: 'lse',
  event: 'evt',
  release: 'rel',
  download: 'dwn',
  artifact: 'art',
  webhook: 'whk',
  webhookDelivery: 'whd',
  migration: 'mig',
  usage: 'use',
  apiKey: 'key',
  signingKey: 'key',
  staffUser: 'usr',
  request: 'req',
  inboundEvent: 'ibe',
  keyGenerator: 'kgn',
  partner: 'par',
  codeBatch: 'cbt',
  activationBatch: 'abt',
  portalUser: 'pu',
  savedReport: 'srp',
  portalSsoConnection: 'pss',
  reportExport: 'rex',
  reportExportRun: 'rxr',
} as const;
export type IdKind = keyof typeof ID_PREFIXES;
