import { Type, type Static, type TSchema } from 'typebox';
import { Timestamp } from '../common.js';

/** What an event is about. */
export const SUBJECT_TYPES = [
  'account',
  'product',
  'feature',
  'offering',
  'customer',
  'entitlement',
  'activation',
  'api_key',
  'staff_user',
  'signing_key',
  'migration',
  'integration',
  'key_generator',
  'partner',
  'code_batch',
  'activation_batch',
  'webhook_endpoint',
  'release',
  'artifact',
  'portal_user',
  'portal_sso_connection',
] as const;
export type SubjectType = (typeof SUBJECT_TYPES)[number];

/** A change's facts beside its diff (`after` carries them, outside the changed fields). */
const Reason = Type.Object({ reason: Type.Optional(Type.String()) });
const MigrationFacts = Type.Object({ migrationId: Type.Optional(Type.String()), reason: Type.Optional(Type.String()) });
const OfferingChange = Type.Object({
  migrationId: Type.Optional(Type.String()),
  removedDevices: Type.Optional(Type.Array(Type.Unknown())),
  reason: Type.Optional(Type.String()),
});
const Nothing = Type.Object({});
const PortalInvitation = Type.Object({
  expiresAt: Type.Optional(Timestamp),
  emailed: Type.Optional(Type.Boolean({ description: 'Whether the link went out by email (else staff were given it)' })),
});
const PortalSignInFacts = Type.Object({
  method: Type.Optional(Type.Union([Type.Literal('password'), Type.Literal('link'), Type.Literal('sso')])),
  connectionId: Type.Optional(Type.String({ description: 'With method sso: the connection it came through' })),
});
const PortalSsoFacts = Type.Object({
  method: Type.Optional(Type.Literal('sso')),
  connectionId: Type.Optional(Type.String({ description: 'The SSO connection it came through' })),
});
const IntegrationChange = Type.Object({ secretChanged: Type.Boolean({ description: 'Whether the signing secret was set or replaced' }) });
const SeatFacts = Type.Object({ portalUserId: Type.String(), user: Type.String({ description: 'The email activations send as `user`' }) });
const ErasureFacts = Type.Object({
  fields: Type.Optional(Type.Array(Type.String())),
  counts: Type.Optional(Type.Object({}, { additionalProperties: Type.Integer() })),
});

interface EventTypeSpec {
  subject: SubjectType;
  summary: string;
  /** The facts the event adds to `after` besides the changed fields of its subject. */
  context: TSchema;
}

const ValidationCounts = Type.Object({
  from: Type.Optional(Timestamp),
  to: Type.Optional(Timestamp),
  counts: Type.Optional(
    Type.Array(
      Type.Object({
        productId: Type.String(),
        customerId: Type.String(),
        entitlementId: Type.String(),
        code: Type.String({ description: 'The validation code (VALID or why it was refused)' }),
        count: Type.Integer({ minimum: 1 }),
      }),
      { description: 'Validations answered since the last summary, per entitlement and code' },
    ),
  ),
});
const spec = (subject: SubjectType, summary: string, context: TSchema = Nothing): EventTypeSpec => ({ subject, summary, context });

/**
 * Every event the server writes: the closed list webhooks publish and reports read. `before` and
 * `after` hold the subject's fields that changed (all of them on creation), times as ISO 8601;
 * `context` names the facts an event adds to `after` besides them. A type not listed here cannot be
 * recorded (the server's recordEvent takes an EventType).
 */
export const EVENT_TYPES = {
  'account.created': spec('account', 'An account (vendor) was created'),
  'product.created': spec('product', 'A product was created'),
  'product.updated': spec('product', 'A product changed'),
  'product.deleted': spec('product', 'A product that never held entitlements was deleted'),
  'product.retired': spec('product', 'A product was retired through the NetLicensing face (kept for its history)'),
  'feature.created': spec('feature', 'A feature was added to a product'),
  'feature.updated': spec('feature', 'A feature changed'),
  'feature.deleted': spec('feature', 'A feature was deleted'),
  'feature.retired': spec('feature', 'A feature was retired through the NetLicensing face'),
  'offering.created': spec('offering', 'An offering (plan, edition) was created'),
  'offering.updated': spec('offering', "An offering's template of rights changed: every entitlement on it follows"),
  'offering.deleted': spec('offering', 'An offering was deleted'),
  'offering.retired': spec('offering', 'An offering was retired through the NetLicensing face'),
  'customer.created': spec('customer', 'A customer was created'),
  'customer.updated': spec('customer', 'A customer changed'),
  'customer.deleted': spec('customer', 'A customer was deleted'),
  'customer.retired': spec('customer', 'A customer was retired through the NetLicensing face'),
  'customer.erased': spec(
    'customer',
    "A customer's personal data was erased (which kinds of fields and how many rows; never the data)",
    ErasureFacts,
  ),
  'entitlement.created': spec('entitlement', 'A customer was granted an entitlement'),
  'entitlement.updated': spec('entitlement', 'Overrides, dates or references of an entitlement changed', Reason),
  'entitlement.suspended': spec('entitlement', 'An entitlement was suspended (no new leases until resumed)', Reason),
  'entitlement.resumed': spec('entitlement', 'A suspended entitlement was resumed', Reason),
  'entitlement.renewed': spec('entitlement', 'An entitlement (or its maintenance) was renewed by its term', Reason),
  'entitlement.revoked': spec('entitlement', 'An entitlement was revoked for good', Reason),
  'entitlement.returned': spec('entitlement', 'An entitlement was returned: its seats released, no more leases', Reason),
  'entitlement.reverted': spec('entitlement', 'An entitlement was put back to an earlier version of its rights', Reason),
  'entitlement.offering_changed': spec('entitlement', 'An entitlement moved to another offering (upgrade, downgrade)', OfferingChange),
  'entitlement.transferred': spec('entitlement', 'An entitlement moved to another customer', Reason),
  'entitlement.rekeyed': spec('entitlement', 'An entitlement got a new license key (the old one kept for a grace period)', MigrationFacts),
  'activation.created': spec('activation', 'A device, user or instance took a seat'),
  'activation.updated': spec('activation', 'An activation changed (pinned, renamed)'),
  'activation.deactivated': spec('activation', 'A seat was given up by the device or taken back by the vendor', Reason),
  'activation.released': spec('activation', 'A floating seat whose heartbeats stopped was released', Reason),
  'activation.borrowed': spec('activation', 'A floating seat was borrowed for offline use'),
  'activation.over_limit': spec('activation', 'An activation beyond a limit was let through (enforcement warn or log)'),
  'activation.offline_answered': spec('activation', 'An offline activation request was answered with a signed response file'),
  'api_key.created': spec('api_key', 'An API key was created (never its secret)'),
  'api_key.revoked': spec('api_key', 'An API key was revoked'),
  'staff_user.created': spec('staff_user', 'A console user was created'),
  'staff_user.updated': spec('staff_user', "A console user's name, role or password changed (never the password)"),
  'staff_user.removed': spec('staff_user', 'A console user was removed'),
  'signing_key.rotated': spec('signing_key', 'Leases are signed with a new key from now on'),
  'migration.created': spec('migration', 'A bulk migration between offerings was started'),
  'migration.completed': spec('migration', 'A bulk migration finished'),
  'key_generator.created': spec('key_generator', 'A key generator was set for a product or offering'),
  'key_generator.updated': spec('key_generator', "A key generator's settings changed"),
  'key_generator.deleted': spec('key_generator', 'A key generator was removed: keys are random again'),
  'partner.created': spec('partner', 'A channel partner was added'),
  'partner.updated': spec('partner', 'A channel partner changed'),
  'partner.deleted': spec('partner', 'A channel partner with no codes was deleted'),
  'code_batch.created': spec('code_batch', 'A batch of partner authenticity codes was ordered'),
  'code_batch.generated': spec('code_batch', "A code batch's codes were all generated"),
  'code_batch.voided': spec('code_batch', 'A code batch (or one of its codes) was voided', Reason),
  'code.redeemed': spec('entitlement', 'A partner code was redeemed into a customer and an entitlement'),
  'activation_batch.created': spec('activation_batch', 'A batch activation or deactivation was started'),
  'activation_batch.completed': spec('activation_batch', 'A batch activation or deactivation finished'),
  'usage.period_closed': spec('entitlement', 'A metered usage period closed and its statement was written'),
  'netlicensing.session.checked_out': spec('customer', 'A NetLicensing floating session was checked out'),
  'netlicensing.session.checked_in': spec('customer', 'A NetLicensing floating session was checked in'),
  'netlicensing.quantity.consumed': spec('entitlement', 'A NetLicensing pay-per-use quantity was written off'),
  'netlicensing.node_secret.bound': spec('entitlement', 'A NetLicensing node-locked license was bound to a node secret'),
  'integration.updated': spec('integration', "A billing integration's settings changed (never its signing secret)", IntegrationChange),
  'webhook_endpoint.created': spec('webhook_endpoint', 'A webhook endpoint was added (never its secret)'),
  'webhook_endpoint.updated': spec('webhook_endpoint', 'A webhook endpoint changed (URL, event types, enabled)'),
  'webhook_endpoint.deleted': spec('webhook_endpoint', 'A webhook endpoint was deleted with its delivery log'),
  'webhook_endpoint.secret_rotated': spec(
    'webhook_endpoint',
    "A webhook endpoint's signing secret was rotated (the old one signs during the overlap)",
    Type.Object({ previousSecretExpiresAt: Type.Optional(Timestamp) }),
  ),
  'webhook_endpoint.disabled': spec('webhook_endpoint', 'A webhook endpoint was disabled because its receiver answered 410 Gone', Reason),
  'webhook_endpoint.failing': spec(
    'webhook_endpoint',
    'A delivery failed after its last attempt: the endpoint is flagged',
    Type.Object({
      deliveryId: Type.Optional(Type.String()),
      eventId: Type.Optional(Type.String()),
      expired: Type.Optional(Type.Integer({ description: 'Deliveries failed at once: still queued when their schedule ended' })),
    }),
  ),
  'webhook.test': spec(
    'webhook_endpoint',
    'A test delivery asked for with POST /v1/webhook-endpoints/{id}/test (sent to that endpoint only)',
  ),
  'release.created': spec('release', 'A release (draft) was created'),
  'release.updated': spec('release', 'A release changed (notes, channel, gating, critical flag)'),
  'release.published': spec('release', 'A release was published: entitled licenses may download it'),
  'release.yanked': spec('release', 'A published release was withdrawn: no more downloads or upgrades to it'),
  'release.deleted': spec('release', 'A release that was never downloaded was deleted, with its artifacts'),
  'artifact.created': spec('artifact', 'An artifact was declared; its bytes are awaited at the upload URL'),
  'artifact.uploaded': spec('artifact', "An artifact's bytes arrived, were checked (size, sha256) and signed"),
  'artifact.upload_failed': spec('artifact', "An artifact's bytes did not match what it declared", Reason),
  'artifact.deleted': spec('artifact', 'An artifact was deleted'),
  'artifact.resigned': spec('artifact', 'An artifact was signed again with the active signing key (after a rotation)'),
  'artifact.downloaded': spec(
    'artifact',
    'A license was given a download URL of an artifact (counted against its download limit)',
    Type.Object({ downloadId: Type.String(), fingerprint: Type.Union([Type.String(), Type.Null()]) }),
  ),
  'portal_user.invited': spec('portal_user', "A customer's person was invited to the portal (never the link)", PortalInvitation),
  'portal_user.updated': spec('portal_user', "A portal user's name or role changed"),
  'portal_user.disabled': spec('portal_user', 'A portal user was disabled: their sessions end and they cannot sign in'),
  'portal_user.joined': spec(
    'portal_user',
    'A portal user accepted their invitation and set a password, or first signed in with SSO',
    PortalSsoFacts,
  ),
  'portal_user.signed_in': spec('portal_user', 'A portal user signed in to the portal', PortalSignInFacts),
  'entitlement.key_revealed': spec('entitlement', "A portal user had an entitlement's license key shown"),
  // The portal's self-service (issue 21): named-user seats and branding.
  'entitlement.seat_assigned': spec('entitlement', "A customer's admin assigned a named-user seat to a portal user", SeatFacts),
  'entitlement.seat_revoked': spec('entitlement', "A customer's admin took a named-user seat back from a portal user", SeatFacts),
  'account.portal_branding_updated': spec('account', "The portal's branding or custom domain changed"),
  'portal_user.provisioned': spec(
    'portal_user',
    'Someone an SSO connection signed in became a portal user of their customer (just-in-time provisioning)',
    PortalSsoFacts,
  ),
  'portal_sso_connection.created': spec(
    'portal_sso_connection',
    'An OpenID Connect connection for portal sign-in was set up (never its secret)',
  ),
  'portal_sso_connection.updated': spec(
    'portal_sso_connection',
    'An SSO connection changed',
    Type.Object({ secretChanged: Type.Boolean({ description: 'Whether the client secret was replaced' }) }),
  ),
  'portal_sso_connection.deleted': spec('portal_sso_connection', 'An SSO connection was deleted: nobody signs in through it any more'),
  'entitlement.key_queued': spec(
    'entitlement',
    'An entitlement was created without its key: the remote key generator failed and is set to queue (a worker asks again)',
    Type.Object({ reason: Type.String(), attempts: Type.Integer() }),
  ),
  'entitlement.key_issued': spec(
    'entitlement',
    'A queued entitlement got its key from the remote key generator: it can be activated now',
    Type.Object({ attempts: Type.Integer() }),
  ),
  // Reports (issue 20): validations are counted in memory and summarised, never an event each.
  'validation.summary': spec(
    'account',
    'The validations the server answered since the last summary, counted per entitlement and code (one event per account and flush)',
    ValidationCounts,
  ),
} as const satisfies Record<string, EventTypeSpec>;

export type EventType = keyof typeof EVENT_TYPES;
export const EVENT_TYPE_NAMES = Object.keys(EVENT_TYPES) as EventType[];

export const Actor = Type.Object({
  type: Type.Union(
    [
      Type.Literal('api_key'),
      Type.Literal('user'),
      Type.Literal('system'),
      Type.Literal('license'),
      Type.Literal('integration'),
      Type.Literal('portal_user'),
    ],
    {
      description: "integration: an inbound billing webhook (id `stripe` or `generic`); portal_user: a customer's person in the portal",
    },
  ),
  id: Type.Union([Type.String(), Type.Null()]),
});
export type Actor = Static<typeof Actor>;

/** Who an actor id stands for, by name only (the event log's "by" column); no email, role or secret. */
export const ActorName = Type.Object(
  { type: Type.Union([Type.Literal('api_key'), Type.Literal('user')]), id: Type.String(), name: Type.String() },
  { title: 'ActorName' },
);
export type ActorName = Static<typeof ActorName>;

export const Event = Type.Object(
  {
    id: Type.String(),
    type: Type.Enum(EVENT_TYPE_NAMES, { description: 'What happened, e.g. entitlement.suspended (the closed list is EVENT_TYPES)' }),
    subjectType: Type.Enum(SUBJECT_TYPES),
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
