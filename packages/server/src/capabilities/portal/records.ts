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
