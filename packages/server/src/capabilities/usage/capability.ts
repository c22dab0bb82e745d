import type { Capability } from '../../platform/capability.js';
import { managementAuth } from '../access/routes/auth.js';
import { licenseAuth } from '../licensing/routes/license-auth.js';
import { usageRoutes } from './routes/usage.js';
import { closeEndedPeriods } from './statements.js';

/** Metered usage, quotas, element pools and pay-per-use statements. */
export const usage: Capability = {
  name: 'usage',
  auth: [managementAuth, licenseAuth],
  tags: [{ name: 'usage', description: 'Metered usage, quotas and pay-per-use statements' }],
  routes: usageRoutes,
  jobs: [{ name: 'close usage periods', everyMs: 30_000, atStart: true, run: (services) => closeEndedPeriods(services) }],
};
