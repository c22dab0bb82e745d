import { Type, type Static } from 'typebox';
import { IdOrCode, Timestamp } from '../common.js';

/**
 * How license keys are made for a product or one of its offerings. An offering's generator wins
 * over its product's; with neither, keys are the built-in random ones.
 */
export const KEY_GENERATOR_KINDS = ['random', 'pattern', 'signed', 'imported', 'remote'] as const;
export type KeyGeneratorKind = (typeof KEY_GENERATOR_KINDS)[number];

const PatternConfig = Type.Object(
  {
    pattern: Type.String({
      minLength: 4,
      maxLength: 120,
      pattern: '^[A-Za-z0-9{}#X*-]+$',
      description:
        '`X` a symbol of the alphabet, `#` a digit, `*` the check symbol (at most one; appended when absent and checkDigit is on), `{PRODUCT}` the product code upper-cased, `{OFFERING}` the offering code; anything else is kept as it is',
    }),
    alphabet: Type.Optional(
      Type.String({
        minLength: 2,
        maxLength: 64,
        pattern: '^[A-Z0-9]+$',
        description: 'The symbols `X` draws from (default Crockford base32)',
      }),
    ),
    checkDigit: Type.Optional(
      Type.Boolean({ description: 'Whether the key carries a Luhn mod N check symbol over its random symbols (default true)' }),
    ),
  },
  { additionalProperties: false },
);

const RemoteConfig = Type.Object(
  {
    url: Type.String({
      format: 'uri',
      maxLength: 2000,
      description: "The vendor's endpoint; https (http only to a loopback address, for tests)",
    }),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 30_000, description: 'Per attempt (default 3000)' })),
    retries: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 5, description: 'Attempts after the first on a timeout, a network error or a 5xx (default 2)' }),
    ),
    onFailure: Type.Optional(
      Type.Union([Type.Literal('fail'), Type.Literal('queue')], {
        description:
          'When the endpoint cannot give a key: `fail` (default) refuses the creation with nothing written; `queue` creates the entitlement without a key (`keyPending`), which a background worker completes when the endpoint answers',
      }),
    ),
  },
  { additionalProperties: false },
);

export const KeyGeneratorCreate = Type.Object(
  {
    productId: Type.Optional(IdOrCode),
    offeringId: Type.Optional(IdOrCode),
    kind: Type.Enum(KEY_GENERATOR_KINDS),
    pattern: Type.Optional(PatternConfig),
    remote: Type.Optional(RemoteConfig),
  },
  { additionalProperties: false },
);
export type KeyGeneratorCreate = Static<typeof KeyGeneratorCreate>;

export const KeyGeneratorPatch = Type.Object(
  { pattern: Type.Optional(PatternConfig), remote: Type.Optional(RemoteConfig) },
  { additionalProperties: false, minProperties: 1 },
);
export type KeyGeneratorPatch = Static<typeof KeyGeneratorPatch>;

export const KeyGenerator = Type.Object(
  {
    id: Type.String(),
    productId: Type.String(),
    offeringId: Type.Union([Type.String(), Type.Null()]),
    kind: Type.Enum(KEY_GENERATOR_KINDS),
    pattern: Type.Union([PatternConfig, Type.Null()]),
    remote: Type.Union([RemoteConfig, Type.Null()]),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { title: 'KeyGenerator' },
);
export type KeyGenerator = Static<typeof KeyGenerator>;

/** Answer to creating a remote generator: its signing secret, shown once. */
export const KeyGeneratorCreated = Type.Intersect([KeyGenerator, Type.Object({ secret: Type.Union([Type.String(), Type.Null()]) })]);
export type KeyGeneratorCreated = Static<typeof KeyGeneratorCreated>;

export const KeyGeneratorQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    product: Type.Optional(IdOrCode),
  },
  { additionalProperties: false },
);

/** The JWS `typ` of a signed license key. */
export const SIGNED_KEY_TYPE = 'leasehold-key+jwt';

/**
 * What a signed license key carries, readable and verifiable offline against the account's JWKS:
 * the account (`iss`), the entitlement (`sub`), the product code (`aud`), the offering code, the
 * seat count, when it starts (`nbf`) and ends (`exp`, absent for a perpetual entitlement), in seconds.
 */
export interface SignedKeyClaims {
  iss: string;
  sub: string;
  aud: string;
  offering: string;
  seats: number;
  iat: number;
  nbf: number;
  exp?: number;
}

export const PENDING_KEY_STATES = ['queued', 'issued', 'dropped'] as const;

/** An entitlement that waited, or waits, for its key from a remote generator set to queue. */
export const PendingKey = Type.Object(
  {
    entitlementId: Type.String(),
    productId: Type.String(),
    generatorId: Type.String(),
    state: Type.Enum(PENDING_KEY_STATES, {
      description:
        'queued: still waiting; issued: the key came; dropped: the entitlement no longer waits (given a key otherwise, its generator changed)',
    }),
    attempts: Type.Integer({ description: 'Calls made so far, the creation’s included' }),
    lastError: Type.String({ description: 'Why the last call gave no key (empty once issued)' }),
    nextAttemptAt: Type.Union([Timestamp, Type.Null()], { description: 'While queued: when the endpoint is asked again' }),
    createdAt: Timestamp,
    issuedAt: Type.Union([Timestamp, Type.Null()]),
  },
  { title: 'PendingKey' },
);
export type PendingKey = Static<typeof PendingKey>;

export const PendingKeyQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    state: Type.Optional(Type.Enum(PENDING_KEY_STATES)),
  },
  { additionalProperties: false },
);
