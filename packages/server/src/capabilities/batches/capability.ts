import type { Capability } from '../../platform/capability.js';
import { managementAuth } from '../access/routes/auth.js';
import { activationBatchRoutes } from './routes/activation-batches.js';
import { runActivationBatches } from './runner.js';
import { ActivationBatchRepository } from './store/activation-batches.js';
import { activationBatchesMigration } from './store/tables.js';

/** Batch activations and deactivations of many devices on one entitlement: resumable background jobs. */
export const batches = {
  name: 'batches',
  repositories: (ctx) => ({ activationBatches: new ActivationBatchRepository(ctx) }),
  migrations: { '0028_activation_batches': activationBatchesMigration },
  auth: [managementAuth],
  tags: [{ name: 'activation batches', description: 'Activating or deactivating many devices at once, resumably' }],
  routes: activationBatchRoutes,
  // A few seconds of work per turn; any process may pick a batch up.
  jobs: [
    { name: 'activation batches', everyMs: 1_000, run: (services, worker) => runActivationBatches(services, { worker, budgetMs: 5_000 }) },
  ],
} satisfies Capability;
