import { Type, type Static } from 'typebox';
import { IdOrCode, Timestamp } from '../common.js';

/** One device of a batch: what `POST /v1/client/activate` would have sent for it. */
export const BatchDevice = Type.Object(
  {
    fingerprint: Type.String({ minLength: 1, maxLength: 200 }),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    platform: Type.Optional(Type.String({ maxLength: 100 })),
    hostname: Type.Optional(Type.String({ maxLength: 255 })),
    user: Type.Optional(Type.String({ maxLength: 200 })),
    replaces: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'For action rehost: the fingerprint of the device this one replaces' }),
    ),
  },
  { additionalProperties: false },
);
export type BatchDevice = Static<typeof BatchDevice>;

export const ACTIVATION_BATCH_ACTIONS = ['activate', 'deactivate', 'rehost'] as const;
export const ACTIVATION_BATCH_STATES = ['pending', 'running', 'completed', 'failed'] as const;

export const ActivationBatchCreate = Type.Object(
  {
    entitlementId: IdOrCode,
    action: Type.Optional(
      Type.Enum(ACTIVATION_BATCH_ACTIONS, {
        description: 'activate (default), deactivate, or rehost (each device names the one it `replaces`, within the rehost limit)',
      }),
    ),
    devices: Type.Optional(Type.Array(BatchDevice, { minItems: 1, maxItems: 50_000 })),
    csv: Type.Optional(
      Type.String({
        maxLength: 8_000_000,
        description: 'Instead of devices: CSV with a header row naming fingerprint and optionally name, platform, hostname, user',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ActivationBatchCreate = Static<typeof ActivationBatchCreate>;

export const ActivationBatch = Type.Object(
  {
    id: Type.String(),
    entitlementId: Type.String(),
    action: Type.Enum(ACTIVATION_BATCH_ACTIONS),
    state: Type.Enum(ACTIVATION_BATCH_STATES),
    total: Type.Integer(),
    done: Type.Integer(),
    progress: Type.Number({ minimum: 0, maximum: 1 }),
    results: Type.Object({
      activated: Type.Integer(),
      alreadyActive: Type.Integer(),
      deactivated: Type.Integer(),
      notActive: Type.Integer(),
      refused: Type.Integer(),
      rehosted: Type.Optional(Type.Integer({ description: 'Devices that replaced another (action rehost)' })),
    }),
    refusals: Type.Record(Type.String(), Type.Integer(), { description: 'Refused items by error code' }),
    error: Type.Union([Type.String(), Type.Null()]),
    createdAt: Timestamp,
    startedAt: Type.Union([Timestamp, Type.Null()]),
    finishedAt: Type.Union([Timestamp, Type.Null()]),
  },
  { title: 'ActivationBatch' },
);
export type ActivationBatch = Static<typeof ActivationBatch>;

export const BATCH_ITEM_OUTCOMES = ['pending', 'activated', 'already_active', 'deactivated', 'not_active', 'refused', 'rehosted'] as const;

export const ActivationBatchItem = Type.Object({
  line: Type.Integer({ description: 'Position in the request (1-based)' }),
  fingerprint: Type.String(),
  outcome: Type.Enum(BATCH_ITEM_OUTCOMES),
  code: Type.Union([Type.String(), Type.Null()]),
  message: Type.Union([Type.String(), Type.Null()]),
  activationId: Type.Union([Type.String(), Type.Null()]),
});
export type ActivationBatchItem = Static<typeof ActivationBatchItem>;

export const ActivationBatchItemQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 500 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    outcome: Type.Optional(Type.Enum(BATCH_ITEM_OUTCOMES)),
  },
  { additionalProperties: false },
);
