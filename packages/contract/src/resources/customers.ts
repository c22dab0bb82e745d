import { Type, type Static } from 'typebox';
import { ID_SHAPE, Metadata, Name, Timestamp } from '../common.js';

const Email = Type.String({ format: 'email', maxLength: 320 });
const ExternalRef = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: '^[^\\s/]+$',
  not: { pattern: ID_SHAPE },
  description: "The customer's id in the vendor's CRM or billing system; unique per account, usable as an id; not shaped like an id",
});

export const Customer = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    email: Type.Union([Type.String(), Type.Null()]),
    externalRef: Type.Union([Type.String(), Type.Null()]),
    metadata: Metadata,
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { title: 'Customer' },
);
export type Customer = Static<typeof Customer>;

export const CustomerCreate = Type.Object(
  {
    name: Name,
    email: Type.Optional(Type.Union([Email, Type.Null()])),
    externalRef: Type.Optional(Type.Union([ExternalRef, Type.Null()])),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);
export type CustomerCreate = Static<typeof CustomerCreate>;

export const CustomerPatch = Type.Object(
  {
    name: Type.Optional(Name),
    email: Type.Optional(Type.Union([Email, Type.Null()])),
    externalRef: Type.Optional(Type.Union([ExternalRef, Type.Null()])),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type CustomerPatch = Static<typeof CustomerPatch>;

export { ExternalRef };
