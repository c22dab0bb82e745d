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
