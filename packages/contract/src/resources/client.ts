import { Type, type Static } from 'typebox';
import { Duration, Metadata, Timestamp } from '../common.js';
import { SERVER_VALIDATION_CODES } from '../validation-codes.js';
import { FeatureValues } from './features.js';
import { ENFORCEMENT_MODES, SeatModelSchema, LicenseModelSchema } from './offerings.js';
import { EFFECTIVE_STATUSES } from './entitlements.js';
import { QuotaStatusOut } from './usage.js';
import { RightsVersion } from './propagation.js';

const Fingerprint = Type.String({
  minLength: 8,
  maxLength: 256,
  pattern: '^[\\x21-\\x7e]+$',
  description: 'A stable device id (the SDK derives one from the machine id, hashed with the product)',
});

export const ACTIVATION_STATES = ['active', 'deactivated', 'released'] as const;
export type ActivationState = (typeof ACTIVATION_STATES)[number];
export const SEAT_KINDS = ['device', 'floating', 'named_user', 'ephemeral'] as const;
export type SeatKind = (typeof SEAT_KINDS)[number];

export const Activation = Type.Object(
  {
    id: Type.String(),
    entitlementId: Type.String(),
    customerId: Type.String(),
    fingerprint: Type.String(),
    seatKind: Type.Enum(SEAT_KINDS),
    state: Type.Enum(ACTIVATION_STATES),
    name: Type.Union([Type.String(), Type.Null()]),
    platform: Type.Union([Type.String(), Type.Null()]),
    hostname: Type.Union([Type.String(), Type.Null()]),
    user: Type.Union([Type.String(), Type.Null()]),
    host: Type.Union([Type.String(), Type.Null()], { description: 'Ephemeral instances: the host they run on' }),
    version: Type.Union([Type.String(), Type.Null()], { description: 'The application version the device last reported' }),
    meta: Metadata,
    pinned: Type.Boolean(),
    heartbeatDeadline: Type.Union([Timestamp, Type.Null()], {
      description: 'Floating and ephemeral seats: freed when no heartbeat arrives by then',
    }),
    borrowedUntil: Type.Union([Timestamp, Type.Null()]),
    createdAt: Timestamp,
    lastSeenAt: Timestamp,
    endedAt: Type.Union([Timestamp, Type.Null()]),
    endReason: Type.Union([Type.String(), Type.Null()]),
  },
  { title: 'Activation' },
);
export type Activation = Static<typeof Activation>;

/** A lease as the client receives it: the signed token and, for convenience, its times. */
export const LeaseGrant = Type.Object(
  {
    id: Type.String(),
    token: Type.String({ description: 'Compact JWS (EdDSA) carrying the effective rights; verify against the JWKS' }),
    issuedAt: Timestamp,
    expiresAt: Timestamp,
    refreshAfter: Timestamp,
  },
  { title: 'LeaseGrant' },
);
export type LeaseGrant = Static<typeof LeaseGrant>;

/** A recorded lease, as vendor staff see it. */
export const LeaseRecordOut = Type.Object(
  {
    id: Type.String(),
    activationId: Type.String(),
    entitlementId: Type.String(),
    kid: Type.String(),
    issuedAt: Timestamp,
    expiresAt: Timestamp,
    refreshAfter: Timestamp,
    rights: RightsVersion,
  },
  { title: 'Lease' },
);
export type LeaseRecordOut = Static<typeof LeaseRecordOut>;

const Warning = Type.Object({
  code: Type.String(),
  message: Type.String(),
  details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
export type Warning = Static<typeof Warning>;

export const ActivateRequest = Type.Object(
  {
    fingerprint: Fingerprint,
    product: Type.Optional(
      Type.String({ maxLength: 200, description: 'The product code the application is; checked against the license' }),
    ),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    platform: Type.Optional(Type.String({ maxLength: 100 })),
    hostname: Type.Optional(Type.String({ maxLength: 255 })),
    user: Type.Optional(Type.String({ minLength: 1, maxLength: 320, description: 'Named-user seats: who is using the device' })),
    ephemeral: Type.Optional(
      Type.Boolean({ description: 'Containers, CI runners, autoscaled pods: held by heartbeat, freed when it stops' }),
    ),
    host: Type.Optional(Type.String({ maxLength: 255, description: 'Ephemeral instances: the host, when the offering counts per host' })),
    version: Type.Optional(
      Type.String({ maxLength: 64, description: 'The application version (migrations can target devices by version)' }),
    ),
    meta: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);
export type ActivateRequest = Static<typeof ActivateRequest>;

export const FingerprintRequest = Type.Object(
  { fingerprint: Fingerprint, product: Type.Optional(Type.String({ maxLength: 200 })) },
  { additionalProperties: false },
);
export type FingerprintRequest = Static<typeof FingerprintRequest>;

export const BorrowRequest = Type.Object({ fingerprint: Fingerprint, duration: Duration }, { additionalProperties: false });
export type BorrowRequest = Static<typeof BorrowRequest>;

export const ValidateRequest = Type.Object(
  {
    fingerprint: Type.Optional(Fingerprint),
    product: Type.Optional(Type.String({ maxLength: 200 })),
    features: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 })),
  },
  { additionalProperties: false },
);
export type ValidateRequest = Static<typeof ValidateRequest>;

export const EntitlementClaims = Type.Object({
  id: Type.String(),
  customer: Type.Object({ id: Type.String(), name: Type.String() }),
  offering: Type.Object({ id: Type.String(), code: Type.String(), name: Type.String() }),
  status: Type.Enum(EFFECTIVE_STATUSES),
  startsAt: Timestamp,
  endsAt: Type.Union([Timestamp, Type.Null()]),
  licenseModel: LicenseModelSchema,
  seatModel: SeatModelSchema,
  seats: Type.Integer(),
  leasePeriod: Type.String(),
  features: FeatureValues,
  maintenanceUntil: Type.Union([Timestamp, Type.Null()]),
});
export type EntitlementClaims = Static<typeof EntitlementClaims>;

export const ValidationResult = Type.Object(
  {
    valid: Type.Boolean({ description: 'May the application run now' }),
    code: Type.Enum(SERVER_VALIDATION_CODES),
    message: Type.String(),
    warnings: Type.Array(Warning),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    enforcement: Type.Union([Type.Enum(ENFORCEMENT_MODES), Type.Null()]),
    entitlement: Type.Union([EntitlementClaims, Type.Null()]),
    activation: Type.Union([Type.Object({ id: Type.String(), seatKind: Type.String() }), Type.Null()]),
    usage: Type.Optional(
      Type.Record(Type.String(), QuotaStatusOut, {
        description: 'Consumption features: quota of the current period',
      }),
    ),
    serverTime: Timestamp,
  },
  { title: 'ValidationResult' },
);
export type ValidationResult = Static<typeof ValidationResult>;

export const ActivateResponse = Type.Object({
  activation: Activation,
  lease: LeaseGrant,
  warnings: Type.Array(Warning),
  serverTime: Timestamp,
});
export type ActivateResponse = Static<typeof ActivateResponse>;

export const LeaseResponse = Type.Object({ lease: LeaseGrant, warnings: Type.Array(Warning), serverTime: Timestamp });
export type LeaseResponse = Static<typeof LeaseResponse>;

export const TrialRequest = Type.Object(
  {
    product: Type.String({ minLength: 1, maxLength: 200, description: 'Product id, or code' }),
    account: Type.Optional(Type.String({ maxLength: 200, description: 'The vendor account, when the server hosts several' })),
    fingerprint: Fingerprint,
    name: Type.Optional(Type.String({ maxLength: 200 })),
    email: Type.Optional(Type.String({ format: 'email', maxLength: 320 })),
    platform: Type.Optional(Type.String({ maxLength: 100 })),
    hostname: Type.Optional(Type.String({ maxLength: 255 })),
  },
  { additionalProperties: false },
);
export type TrialRequest = Static<typeof TrialRequest>;

export const TrialResponse = Type.Object({
  key: Type.String({ description: 'The trial license key; the SDK keeps it to refresh' }),
  entitlementId: Type.String(),
  activation: Activation,
  lease: LeaseGrant,
  warnings: Type.Array(Warning),
  serverTime: Timestamp,
});

/** The payload of a lease JWS. */
export interface LeaseClaims {
  iss: string;
  sub: string;
  aud: string;
  jti: string;
  iat: number;
  exp: number;
  refreshAfter: number;
  fingerprint: string;
  mode: (typeof ENFORCEMENT_MODES)[number];
  seat: { kind: SeatKind; heartbeatDeadline: number | null; borrowedUntil: number | null };
  entitlement: EntitlementClaims;
  /** Consumption features: this period's quota when the lease was issued (periodEndsAt in seconds). */
  usage?: Record<
    string,
    { used: number; limit: number; remaining: number; periodEndsAt: number; overage?: 'block' | 'bill' | { allowPercent: number } }
  >;
}

export const Jwk = Type.Object({
  kty: Type.String(),
  crv: Type.String(),
  x: Type.String(),
  kid: Type.String(),
  alg: Type.String(),
  use: Type.String(),
});
export const Jwks = Type.Object({ keys: Type.Array(Jwk) }, { title: 'JWKS' });
export type Jwks = Static<typeof Jwks>;

export const SigningKey = Type.Object(
  {
    id: Type.String(),
    algorithm: Type.String(),
    state: Type.Enum(['active', 'retired'] as const),
    publicJwk: Jwk,
    createdAt: Timestamp,
    retiredAt: Type.Union([Timestamp, Type.Null()]),
    publishedUntil: Type.Union([Timestamp, Type.Null()], { description: 'Retired keys stay in the JWKS until their last lease expires' }),
  },
  { title: 'SigningKey' },
);
export type SigningKey = Static<typeof SigningKey>;

export const ActivationPatch = Type.Object(
  {
    pinned: Type.Optional(Type.Boolean({ description: 'Pinned devices never lose their seat when seats are cut' })),
    name: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type ActivationPatch = Static<typeof ActivationPatch>;
