import type { PortalRole } from '@leasehold/contract';

/** A customer's person who signs in to the portal. Times are milliseconds since the epoch. */
export interface PortalUserRecord {
  id: string;
  accountId: string;
  customerId: string;
  email: string;
  name: string;
  role: PortalRole;
  invitedAt: number;
  /** When the invitation was accepted (a password set); null while invited. */
  joinedAt: number | null;
  lastSignInAt: number | null;
  disabledAt: number | null;
  updatedAt: number;
}

export type PortalLinkPurpose = 'invitation' | 'sign_in';

/** A single-use link: only the SHA-256 of its token is stored. */
export interface PortalLinkRecord {
  tokenHash: string;
  accountId: string;
  portalUserId: string;
  purpose: PortalLinkPurpose;
  createdAt: number;
  expiresAt: number;
}

export interface PortalSessionRecord {
  tokenHash: string;
  accountId: string;
  portalUserId: string;
  createdAt: number;
  expiresAt: number;
}

export const portalUserState = (u: PortalUserRecord): 'invited' | 'active' | 'disabled' =>
  u.disabledAt !== null ? 'disabled' : u.joinedAt === null ? 'invited' : 'active';

/** A named-user seat of an entitlement kept for one portal user of its customer (their email is the activation's `user`). */
export interface SeatAssignmentRecord {
  entitlementId: string;
  portalUserId: string;
  /** The portal user's name and email now (read with the assignment). */
  name: string;
  email: string;
  assignedAt: number;
  assignedBy: string | null;
}

/** How one vendor's portal looks, and the custom host it answers on. */
export interface PortalBrandingRecord {
  productName: string | null;
  logoUrl: string | null;
  primaryColor: string | null;
  accentColor: string | null;
  domain: string | null;
  updatedAt: number;
}
// The portal's OpenID Connect sign-in (sso.ts).

/**
 * An OpenID Connect provider a customer's people sign in to the portal through. A customer's own
 * connection (`customerId` set) lands everyone in that customer; a connection of the whole account
 * lands each allowed domain's people in the customer that domain names. Times are milliseconds.
 */
export interface PortalSsoConnectionRecord {
  id: string;
  accountId: string;
  name: string;
  issuer: string;
  clientId: string;
  /** The client secret sealed with the master key (`MasterKey.encrypt`, purpose SSO_SECRET_PURPOSE). */
  clientSecretSealed: string;
  customerId: string | null;
  /** Allowed email domains and the customer each lands in (the connection's own customer for a customer's connection). */
  domains: Array<{ domain: string; customerId: string }>;
  provisioning: boolean;
  defaultRole: PortalRole;
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
}

/**
 * One sign-in under way, from its start to the provider's callback: found by the hash of its
 * `state`, bound to the browser that started it (the hash of a cookie's value), used once.
 */
export interface PortalSsoFlowRecord {
  stateHash: string;
  accountId: string;
  connectionId: string;
  browserHash: string;
  nonce: string;
  /** The PKCE code verifier, sealed with the master key. */
  verifierSealed: string;
  createdAt: number;
  expiresAt: number;
}

/** Which portal user a provider's subject (`sub` of a connection) is: set at their first SSO sign-in. */
export interface PortalSsoIdentityRecord {
  connectionId: string;
  subject: string;
  portalUserId: string;
  createdAt: number;
}

/** The master key's purpose for sealing SSO client secrets and PKCE verifiers. */
export const SSO_SECRET_PURPOSE = 'portal-sso-secret';
