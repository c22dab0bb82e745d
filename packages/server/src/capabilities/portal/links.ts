import { randomBytes } from 'node:crypto';
import { hashToken } from '../access/sessions.js';
import type { PortalLinkPurpose, PortalLinkRecord } from './records.js';

/** Where the portal web app takes a link's token: in the fragment, so it never reaches a server log or a Referer. */
const PAGE: Record<PortalLinkPurpose, string> = { invitation: '/portal/accept#token=', sign_in: '/portal/sign-in#link=' };

/** A single-use link: a 256-bit random token, of which only the hash is stored. */
export function newLink(
  user: { accountId: string; id: string },
  purpose: PortalLinkPurpose,
  now: number,
  ttlMs: number,
): { token: string; record: PortalLinkRecord } {
  const token = randomBytes(32).toString('base64url');
  return {
    token,
    record: {
      tokenHash: hashToken(token),
      accountId: user.accountId,
      portalUserId: user.id,
      purpose,
      createdAt: now,
      expiresAt: now + ttlMs,
    },
  };
}

export const linkUrl = (base: string, purpose: PortalLinkPurpose, token: string): string => `${base}${PAGE[purpose]}${token}`;
