import { Type, type Static } from 'typebox';
import { Name, Timestamp } from '../common.js';
import { Email, Password } from './staff-users.js';
import { EffectiveRights } from './entitlements.js';
import { Event } from './events.js';

/** What a person of a customer may do in the portal: an `admin` of that customer also invites colleagues. */
export const PORTAL_ROLES = ['admin', 'member'] as const;
export type PortalRole = (typeof PORTAL_ROLES)[number];
export const PortalRoleSchema = Type.Enum(PORTAL_ROLES, { description: 'admin: may invite colleagues; member: sees and acts on devices' });

export const PORTAL_USER_STATES = ['invited', 'active', 'disabled'] as const;
export type PortalUserState = (typeof PORTAL_USER_STATES)[number];

/** A customer's person who signs in to the portal. */
export const PortalUser = Type.Object(
  {
    id: Type.String(),
    customerId: Type.String(),
    email: Type.String(),
    name: Type.String(),
    role: PortalRoleSchema,
    state: Type.Enum(PORTAL_USER_STATES, { description: 'invited: has not accepted yet; disabled: can no longer sign in' }),
    invitedAt: Timestamp,
    joinedAt: Type.Union([Timestamp, Type.Null()]),
    lastSignInAt: Type.Union([Timestamp, Type.Null()]),
    disabledAt: Type.Union([Timestamp, Type.Null()]),
  },
  { title: 'PortalUser' },
);
export type PortalUser = Static<typeof PortalUser>;

export const PortalUserCreate = Type.Object({ email: Email, name: Name, role: PortalRoleSchema }, { additionalProperties: false });
export type PortalUserCreate = Static<typeof PortalUserCreate>;

export const PortalUserUpdate = Type.Object(
  { name: Type.Optional(Name), role: Type.Optional(PortalRoleSchema) },
  { additionalProperties: false, minProperties: 1 },
);
export type PortalUserUpdate = Static<typeof PortalUserUpdate>;

/** An invitation as its sender sees it: the link itself only when it was not emailed. */
export const PortalInvitationOut = Type.Object(
  {
    portalUser: PortalUser,
    invitationUrl: Type.Union([Type.String(), Type.Null()], {
      description: 'The single-use link (it ends in the token), to pass on; null when it was emailed to the user',
    }),
    emailed: Type.Boolean({ description: 'Whether the invitation went out by email (LEASEHOLD_SMTP_URL is set)' }),
    expiresAt: Timestamp,
  },
  { title: 'PortalInvitation' },
);
export type PortalInvitationOut = Static<typeof PortalInvitationOut>;

const LinkToken = Type.String({ minLength: 20, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$', description: 'The token the link ends in' });

export const PortalInvitationAccept = Type.Object({ token: LinkToken, password: Password }, { additionalProperties: false });
export type PortalInvitationAccept = Static<typeof PortalInvitationAccept>;

export const PortalSignIn = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: 254 }),
    password: Type.String({ minLength: 1, maxLength: 200 }),
    account: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'The vendor account (`acc_…`), when the email and password open several' }),
    ),
    customer: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'The customer (`cus_…`), when the email and password open the portal of several',
      }),
    ),
  },
  { additionalProperties: false },
);
export type PortalSignIn = Static<typeof PortalSignIn>;

export const PortalLinkRequest = Type.Object({ email: Type.String({ minLength: 1, maxLength: 254 }) }, { additionalProperties: false });
export type PortalLinkRequest = Static<typeof PortalLinkRequest>;

export const PortalLinkRedeem = Type.Object({ token: LinkToken }, { additionalProperties: false });
export type PortalLinkRedeem = Static<typeof PortalLinkRedeem>;

/** The same answer whether or not the address belongs to anyone. */
export const PortalLinkRequested = Type.Object({
  accepted: Type.Boolean({ description: 'Always true: a link goes out if the address belongs to a portal user' }),
});

export const PortalSession = Type.Object(
  {
    user: PortalUser,
    customer: Type.Object({ id: Type.String(), name: Type.String() }),
    csrfToken: Type.String({ description: 'Send as the x-csrf-token header on every write made with the portal session cookie' }),
    expiresAt: Timestamp,
  },
  { title: 'PortalSession' },
);
export type PortalSession = Static<typeof PortalSession>;

/** An entitlement as its customer sees it: rights, term, maintenance and seats; the key only on demand. */
export const PortalEntitlement = Type.Object(
  {
    id: Type.String(),
    product: Type.Object({ id: Type.String(), name: Type.String() }),
    offering: Type.Object({ id: Type.String(), name: Type.String() }),
    orderRef: Type.Union([Type.String(), Type.Null()]),
    state: Type.String(),
    effective: EffectiveRights,
    seats: Type.Object({
      bought: Type.Integer({ description: 'Seats the entitlement grants (its effective seat count)' }),
      used: Type.Integer({ description: 'Seats held now by live activations' }),
    }),
    rehosts: Type.Object({
      limit: Type.Union([Type.Integer(), Type.Null()], { description: 'Device moves allowed per period; null: no limit' }),
      period: Type.String(),
    }),
  },
  { title: 'PortalEntitlement' },
);
export type PortalEntitlement = Static<typeof PortalEntitlement>;

export const PortalLicenseKey = Type.Object({ entitlementId: Type.String(), key: Type.String() }, { title: 'PortalLicenseKey' });

/** One device of an entitlement, as its customer sees it. */
export const PortalDevice = Type.Object(
  {
    id: Type.String(),
    entitlementId: Type.String(),
    name: Type.Union([Type.String(), Type.Null()]),
    hostname: Type.Union([Type.String(), Type.Null()]),
    platform: Type.Union([Type.String(), Type.Null()]),
    version: Type.Union([Type.String(), Type.Null()]),
    user: Type.Union([Type.String(), Type.Null()]),
    seatKind: Type.String(),
    state: Type.String(),
    activatedAt: Timestamp,
    lastSeenAt: Timestamp,
    endedAt: Type.Union([Timestamp, Type.Null()]),
  },
  { title: 'PortalDevice' },
);
export type PortalDevice = Static<typeof PortalDevice>;

/** What the customer's people did in the portal: the events they are the actor of. */
export const PortalHistoryEntry = Type.Pick(Event, ['id', 'type', 'subjectType', 'subjectId', 'entitlementId', 'actor', 'at'], {
  title: 'PortalHistoryEntry',
});
