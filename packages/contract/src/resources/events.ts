import { Type, type Static } from 'typebox';
import { Timestamp } from '../common.js';

export const Actor = Type.Object({
  type: Type.Union([Type.Literal('api_key'), Type.Literal('user'), Type.Literal('system'), Type.Literal('license')]),
  id: Type.Union([Type.String(), Type.Null()]),
});
export type Actor = Static<typeof Actor>;

export const Event = Type.Object(
  {
    id: Type.String(),
    type: Type.String({ description: 'What happened, e.g. entitlement.suspended' }),
    subjectType: Type.String(),
    subjectId: Type.String(),
    customerId: Type.Union([Type.String(), Type.Null()]),
    entitlementId: Type.Union([Type.String(), Type.Null()]),
    productId: Type.Union([Type.String(), Type.Null()]),
    actor: Actor,
    requestId: Type.Union([Type.String(), Type.Null()]),
    before: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
    after: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
    at: Timestamp,
  },
  { title: 'Event' },
);
export type Event = Static<typeof Event>;

export const EventQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  subject: Type.Optional(Type.String({ maxLength: 200, description: 'Events about this id' })),
  type: Type.Optional(Type.String({ maxLength: 100, description: 'An event type, or a prefix ending in `.*` (entitlement.*)' })),
  customer: Type.Optional(Type.String({ maxLength: 200 })),
  entitlement: Type.Optional(Type.String({ maxLength: 200 })),
  from: Type.Optional(Timestamp),
  to: Type.Optional(Timestamp),
});
export type EventQuery = Static<typeof EventQuery>;
