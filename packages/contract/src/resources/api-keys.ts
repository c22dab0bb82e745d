import { Type, type Static } from 'typebox';
import { IdOrCode, Name, Timestamp } from '../common.js';

/**
 * Roles, widest first. `admin` does everything; `support` manages customers and entitlements
 * (the daily work of sales, finance and support staff) but not the catalog or keys; `readonly` reads.
 */
export const ROLES = ['admin', 'support', 'readonly'] as const;
export type Role = (typeof ROLES)[number];
export const RoleSchema = Type.Enum(ROLES);

export const ApiKey = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    role: RoleSchema,
    productId: Type.Union([Type.String(), Type.Null()], { description: 'When set, the key reaches only this product' }),
    prefix: Type.String({ description: 'The first characters of the key, to recognise it' }),
    createdAt: Timestamp,
    lastUsedAt: Type.Union([Timestamp, Type.Null()]),
  },
  { title: 'ApiKey' },
);
export type ApiKey = Static<typeof ApiKey>;

export const ApiKeyCreated = Type.Object({
  ...ApiKey.properties,
  key: Type.String({ description: 'The secret, shown only in this response' }),
});
export type ApiKeyCreated = Static<typeof ApiKeyCreated>;

export const ApiKeyCreate = Type.Object(
  { name: Name, role: RoleSchema, productId: Type.Optional(Type.Union([IdOrCode, Type.Null()])) },
  { additionalProperties: false },
);
export type ApiKeyCreate = Static<typeof ApiKeyCreate>;
