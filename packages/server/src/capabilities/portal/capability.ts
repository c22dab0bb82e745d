import type { Capability } from '../../platform/capability.js';
import { managementAuth } from '../access/routes/auth.js';
import { portalAuth } from './routes/portal-auth.js';
import { selfServiceRoutes } from './routes/self.js';
import { portalSessionRoutes } from './routes/session.js';
import { portalSite } from './routes/site.js';
import { vendorRoutes } from './routes/vendor.js';
import { PortalUserRepository } from './store/portal-users.js';
import { PortalSsoRepository } from './store/sso.js';
import { portalSsoRoutes } from './routes/sso.js';
import { ssoVendorRoutes } from './routes/sso-vendor.js';
import { portalMigrations } from './store/migrations.js';
import { PortalBrandingRepository } from './store/branding.js';
import { SeatAssignmentRepository } from './store/seat-assignments.js';
import { offlineActivationRoutes } from './routes/air-gapped.js';
import { brandingRoutes, siteBrandingRoutes } from './routes/branding.js';
import { downloadRoutes } from './routes/downloads.js';
import { meteringRoutes } from './routes/metering.js';
import { redeemRoutes } from './routes/redeem.js';
import { seatRoutes } from './routes/seats.js';
// Its tables join the one DB type wherever the capability is compiled, whichever repositories a program reaches.
import type {} from './store/tables.js';

/** Staff's side of the customer portal (a customer's portal users and invitations), under management authentication. */
export const portalUsers = {
  name: 'portal-users',
  repositories: (ctx) => {
    const seats = new SeatAssignmentRepository(ctx);
    return {
      portalUsers: new PortalUserRepository(ctx),
      seatAssignments: seats,
      seatReservations: seats,
      portalBranding: new PortalBrandingRepository(ctx),
      portalSso: new PortalSsoRepository(ctx),
    };
  },
  migrations: portalMigrations,
  auth: [managementAuth],
  tags: [{ name: 'portal', description: "The customer portal: customers' people, their sign-in, and what they see and do" }],
  routes: (app, services) => {
    vendorRoutes(app, services);
    brandingRoutes(app, services);
    ssoVendorRoutes(app, services);
  },
} satisfies Capability;

/**
 * The customer portal's API (/v1/portal), in a child context of its own with the portal's
 * authentication only: a portal session reaches these routes and nothing else, and no API key or
 * console session reaches them.
 */
export const portal = {
  name: 'portal',
  // Its repositories are portal-users' (the same tables); this context only serves them.
  repositories: () => ({}),
  auth: [portalAuth],
  routes: (app, services) => {
    portalSessionRoutes(app, services);
    selfServiceRoutes(app, services);
    seatRoutes(app, services);
    offlineActivationRoutes(app, services);
    meteringRoutes(app, services);
    downloadRoutes(app, services);
    redeemRoutes(app, services);
    siteBrandingRoutes(app, services);
    portalSsoRoutes(app, services);
    portalSite(app);
  },
} satisfies Capability;
