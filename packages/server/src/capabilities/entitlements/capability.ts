import type { Capability } from '../../platform/capability.js';
import { managementAuth } from '../access/routes/auth.js';
import { entitlementChangeRoutes } from './routes/entitlement-changes.js';
import { entitlementRoutes } from './routes/entitlements.js';
import { EntitlementRepository } from './store/entitlements.js';
import { VersionRepository } from './store/versions.js';
// Its tables join the one DB type wherever the capability is compiled, whichever repositories a program reaches.
import type {} from './store/tables.js';

/** What customers hold: an offering with overrides, its changes and its history. */
export const entitlements = {
  name: 'entitlements',
  repositories: (ctx) => ({ entitlements: new EntitlementRepository(ctx), versions: new VersionRepository(ctx) }),
  auth: [managementAuth],
  tags: [{ name: 'entitlements', description: 'What customers hold, with overrides and effective rights' }],
  routes: (app, services) => {
    entitlementRoutes(app, services);
    entitlementChangeRoutes(app, services);
  },
} satisfies Capability;
