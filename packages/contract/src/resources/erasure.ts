import { Type, type Static } from 'typebox';
import { Timestamp } from '../common.js';

/** What an erasure replaces personal data with, in rows and in the events' before/after payloads. */
export const ERASED = '[erased]';

/** The kinds of fields an erasure can touch; the `customer.erased` event lists those it did (never their values). */
export const ERASED_FIELD_KINDS = [
  'customer.name',
  'customer.email',
  'customer.metadata',
  'customer.externalRef',
  'activation.name',
  'activation.hostname',
  'activation.user',
  'activation.host',
  'activation.meta',
  'events.payloads',
  'records.payloads',
  'portal_user.name',
  'portal_user.email',
] as const;
export type ErasedFieldKind = (typeof ERASED_FIELD_KINDS)[number];

export const CustomerErase = Type.Object(
  {
    confirm: Type.String({
      minLength: 1,
      maxLength: 200,
      description: "The customer's id, typed again: erasure cannot be undone, so the request must name what it erases twice",
    }),
    externalRef: Type.Optional(
      Type.Union([Type.Literal('keep'), Type.Literal('erase')], {
        description:
          '`keep` (default): the external reference is the vendor’s own CRM or billing id, not the person’s data, and billing keeps matching on it; `erase` when it is personal (an email, a name)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type CustomerErase = Static<typeof CustomerErase>;

export const CustomerErasure = Type.Object(
  {
    customerId: Type.String(),
    /** False when there was nothing left to erase (a repeated request): nothing was written. */
    erased: Type.Boolean(),
    erasedAt: Type.Union([Timestamp, Type.Null()]),
    fields: Type.Array(Type.Enum(ERASED_FIELD_KINDS)),
    counts: Type.Object({
      activations: Type.Integer(),
      events: Type.Integer(),
      records: Type.Integer(),
    }),
  },
  { title: 'CustomerErasure' },
);
export type CustomerErasure = Static<typeof CustomerErasure>;
