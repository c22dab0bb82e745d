import { Type, type Static } from 'typebox';
import { IdOrCode, Timestamp } from '../common.js';
import { Channel, ClientReleaseQuery } from './releases.js';

/** The customer portal's self-service beyond entitlements and devices (issue 21): seats, usage, downloads, codes, branding. */

/** One named-user seat of an entitlement held by a portal user of its customer. */
export const PortalSeatAssignment = Type.Object(
  {
    entitlementId: Type.String(),
    portalUser: Type.Object({ id: Type.String(), name: Type.String(), email: Type.String() }),
    assignedAt: Timestamp,
    assignedBy: Type.Union([Type.String(), Type.Null()], { description: 'The portal user who assigned it (an admin)' }),
  },
  { title: 'PortalSeatAssignment' },
);
export type PortalSeatAssignment = Static<typeof PortalSeatAssignment>;

export const PortalSeatAssign = Type.Object(
  { portalUserId: Type.String({ minLength: 1, maxLength: 100, description: 'A colleague: a portal user of the same customer' }) },
  { additionalProperties: false },
);
export type PortalSeatAssign = Static<typeof PortalSeatAssign>;

export const PortalSeatParams = Type.Object({ id: IdOrCode, userId: Type.String({ minLength: 1, maxLength: 100 }) });

/** The signed-in customer's usage statement: their own entitlements only, one of them with `entitlement`. */
export const PortalStatementQuery = Type.Object(
  {
    from: Timestamp,
    to: Timestamp,
    entitlement: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    format: Type.Optional(Type.Enum(['json', 'csv'] as const)),
  },
  { additionalProperties: false },
);

/** As a device asks (`/v1/client/releases`): the channel, and the platform and architecture the files must suit. */
export const PortalReleaseQuery = Type.Object(
  { ...ClientReleaseQuery.properties, channel: Type.Optional(Channel) },
  { additionalProperties: false },
);

export const PortalArtifactParams = Type.Object({ id: IdOrCode, artifactId: Type.String({ minLength: 1, maxLength: 100 }) });

export const PortalRedeem = Type.Object(
  { code: Type.String({ minLength: 1, maxLength: 100, description: 'A partner authenticity code, as printed' }) },
  { additionalProperties: false },
);

const Color = Type.String({ pattern: '^#[0-9a-fA-F]{6}$', description: 'A colour as #rrggbb' });
const Domain = Type.String({
  minLength: 3,
  maxLength: 253,
  pattern: '^(?=.{3,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}$',
  description: 'A host name the vendor points at this server (no port; kept lower-cased)',
});

/** How the portal looks for one vendor's customers, and the host it answers on. */
export const PortalBranding = Type.Object(
  {
    productName: Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()], {
      description: 'Shown as the portal title; null: the account name',
    }),
    logoUrl: Type.Union([Type.String({ maxLength: 2000, pattern: '^https://[^\\s"\'<>]+$' }), Type.Null()], {
      description: 'An https:// image URL shown in the header',
    }),
    primaryColor: Type.Union([Color, Type.Null()]),
    accentColor: Type.Union([Color, Type.Null()]),
    domain: Type.Union([Domain, Type.Null()], { description: 'The custom host name customers reach the portal on' }),
  },
  { title: 'PortalBranding' },
);
export type PortalBranding = Static<typeof PortalBranding>;

export const PortalBrandingUpdate = Type.Partial(PortalBranding, { additionalProperties: false });
export type PortalBrandingUpdate = Static<typeof PortalBrandingUpdate>;

/** What the sign-in page shows before anyone signs in: the branding of the host asked for, and its account. */
export const PortalSiteBranding = Type.Object(
  {
    account: Type.Union([Type.String(), Type.Null()], { description: 'The account of the custom domain, null on the default host' }),
    name: Type.Union([Type.String(), Type.Null()]),
    logoUrl: Type.Union([Type.String(), Type.Null()]),
    primaryColor: Type.Union([Type.String(), Type.Null()]),
    accentColor: Type.Union([Type.String(), Type.Null()]),
  },
  { title: 'PortalSiteBranding' },
);
export type PortalSiteBranding = Static<typeof PortalSiteBranding>;
