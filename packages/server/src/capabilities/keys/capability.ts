import type { Capability } from '../../platform/capability.js';
import { managementAuth } from '../access/routes/auth.js';
import { issuePendingKeys } from '../entitlements/key-queue.js';
import { keyGeneratorRoutes } from './routes/key-generators.js';
import { pendingKeyRoutes } from './routes/pending-keys.js';
import { KeyGeneratorRepository } from './store/key-generators.js';
import { PendingKeyRepository } from './store/pending-keys.js';
import { keyGeneratorsMigration, pendingKeysMigration } from './store/tables.js';

/** How license keys are made: random, pattern, signed, imported or remote, per product or offering. */
export const keys = {
  name: 'keys',
  repositories: (ctx) => ({ keyGenerators: new KeyGeneratorRepository(ctx), pendingKeys: new PendingKeyRepository(ctx) }),
  migrations: { '0026_key_generators': keyGeneratorsMigration, '0044_pending_keys': pendingKeysMigration },
  auth: [managementAuth],
  tags: [{ name: 'key generators', description: 'How license keys are made, per product or offering' }],
  routes: (app, services) => {
    keyGeneratorRoutes(app, services);
    pendingKeyRoutes(app, services);
  },
  // Entitlements waiting for a remote generator that was down (its onFailure: queue).
  jobs: [{ name: 'pending license keys', everyMs: 5_000, run: (services, worker) => issuePendingKeys(services, { worker }) }],
} satisfies Capability;
