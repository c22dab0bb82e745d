import type { Capability } from '../../platform/capability.js';
import { managementAuth } from '../access/routes/auth.js';
import { licenseAuth } from '../licensing/routes/license-auth.js';
import { usageRoutes } from './routes/usage.js';
import { closeEndedPeriods } from './statements.js';
import { PoolRepository } from './store/pools.js';
import { UsageRepository } from './store/usage.js';
// Its tables join the one DB type wherever the capability is compiled, whichever repositories a program reaches.
import type {} from './store/tables.js';

/** Metered usage, quotas, element pools and pay-per-use statements. */
export const usage = {
  name: 'usage',
  repositories: (ctx) => ({ usage: new UsageRepository(ctx), pools: new PoolRepository(ctx) }),
  auth: [managementAuth, licenseAuth],
  tags: [{ name: 'usage', description: 'Metered usage, quotas and pay-per-use statements' }],
  routes: usageRoutes,
  jobs: [{ name: 'close usage periods', everyMs: 30_000, atStart: true, run: (services) => closeEndedPeriods(services) }],
} satisfies Capability;
