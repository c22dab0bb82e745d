import type { PortalBrandingUpdate } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import { recordEvent } from '../events/record.js';
import type { PortalDomainsPort } from './ports.js';
import type { PortalBrandingRecord } from './records.js';

/** How the portal looks for one vendor (staff set it): without a row, the defaults (the account's name, no logo). */
export const NO_BRANDING: PortalBrandingRecord = {
  productName: null,
  logoUrl: null,
  primaryColor: null,
  accentColor: null,
  domain: null,
  updatedAt: 0,
};

export function getPortalBranding(ctx: Context): Promise<PortalBrandingRecord> {
  return ctx.store.read(async (tx) => (await tx.portalBranding.get()) ?? NO_BRANDING);
}

const FIELDS = ['productName', 'logoUrl', 'primaryColor', 'accentColor', 'domain'] as const;

/** Changes the fields given (null clears one); the event holds what changed. A domain another vendor has is DUPLICATE_CODE. */
export function updatePortalBranding(ctx: Context, patch: PortalBrandingUpdate): Promise<PortalBrandingRecord> {
  return ctx.store.write(async (tx) => {
    const before = (await tx.portalBranding.get()) ?? NO_BRANDING;
    const after: PortalBrandingRecord = { ...before, updatedAt: ctx.clock.now() };
    for (const f of FIELDS) if (patch[f] !== undefined) after[f] = patch[f];
    if (after.domain) after.domain = after.domain.toLowerCase();
    const changed = FIELDS.filter((f) => after[f] !== before[f]);
    if (changed.length === 0) return before;
    await tx.portalBranding.put(after);
    await recordEvent(tx, ctx, {
      type: 'account.portal_branding_updated',
      subjectType: 'account',
      subjectId: ctx.store.scope.accountId,
      before: Object.fromEntries(changed.map((f) => [f, before[f]])),
      after: Object.fromEntries(changed.map((f) => [f, after[f]])),
    });
    return after;
  });
}

/**
 * What the portal shows on a host before sign-in: a vendor's custom domain answers with that
 * vendor's branding and account (so sign-in can name it); any other host with none.
 */
export async function siteBranding(
  domains: PortalDomainsPort,
  host: string,
): Promise<{ account: string | null; name: string | null; branding: PortalBrandingRecord }> {
  const name = host.toLowerCase().replace(/:\d+$/, '');
  const found = /^[a-z0-9.-]{1,253}$/.test(name) ? await domains.byDomain(name) : undefined;
  if (!found) return { account: null, name: null, branding: NO_BRANDING };
  return { account: found.accountId, name: found.branding.productName ?? found.accountName, branding: found.branding };
}
