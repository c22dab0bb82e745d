import { PortalBranding, PortalBrandingUpdate, PortalSiteBranding } from '@leasehold/contract';
import { contextOf } from '../../access/routes/auth.js';
import { answers, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { getPortalBranding, siteBranding, updatePortalBranding } from '../branding.js';
import type { PortalBrandingRecord } from '../records.js';
import { PortalDomains } from '../store/branding.js';

const tags = ['portal'];

const brandingOut = (b: PortalBrandingRecord): PortalBranding => ({
  productName: b.productName,
  logoUrl: b.logoUrl,
  primaryColor: b.primaryColor,
  accentColor: b.accentColor,
  domain: b.domain,
});

/** Staff set how the portal looks for their customers, and the custom domain it answers on. */
export function brandingRoutes(app: App, services: Services): void {
  app.get('/v1/portal-branding', {
    config: { permission: 'portal-users:read' },
    schema: {
      tags,
      operationId: 'getPortalBranding',
      summary: "The portal's branding: product name, logo, colours and custom domain",
      description:
        "How the portal looks to this account's customers; fields not set are null (the account name, no logo, the default colours).",
      response: answers(200, PortalBranding, []),
    },
    handler: async (req) => brandingOut(await getPortalBranding(contextOf(services, req))),
  });

  app.patch('/v1/portal-branding', {
    config: { permission: 'portal-branding:manage' },
    schema: {
      tags,
      operationId: 'updatePortalBranding',
      summary: "Change the portal's branding or custom domain",
      description:
        'Sets the fields given (null clears one). `domain` is the host customers reach the portal on (see docs/portal.md, custom domain); ' +
        'a domain another account has is 409 DUPLICATE_CODE. Recorded as `account.portal_branding_updated`.',
      body: PortalBrandingUpdate,
      response: answers(200, PortalBranding, ['DUPLICATE_CODE']),
    },
    handler: async (req) => brandingOut(await updatePortalBranding(contextOf(services, req), req.body)),
  });
}

/** Before sign-in: the branding of the host the portal was reached on (a vendor's custom domain), for the sign-in page. */
export function siteBrandingRoutes(app: App, services: Services): void {
  const domains = new PortalDomains(services.store.database);
  app.get('/v1/portal/branding', {
    config: { portal: 'open' },
    schema: {
      tags,
      operationId: 'getPortalSiteBranding',
      summary: 'The branding of the host the portal is reached on (no session needed)',
      description:
        "On a vendor's custom domain (the request's Host, as the reverse proxy passes it), that vendor's name, logo, colours and account id, so sign-in can name the account; " +
        'on any other host, all null. Says nothing of any customer.',
      response: answers(200, PortalSiteBranding, []),
    },
    handler: async (req) => {
      const site = await siteBranding(domains, req.host);
      return {
        account: site.account,
        name: site.name,
        logoUrl: site.branding.logoUrl,
        primaryColor: site.branding.primaryColor,
        accentColor: site.branding.accentColor,
      };
    },
  });
}
