import type { Capability } from '../../platform/capability.js';
import { managementAuth } from '../access/routes/auth.js';
import { licenseAuth } from './routes/license-auth.js';
import { releaseDeadSeats } from './activations/sweeper.js';
import { activationRoutes } from './routes/activations.js';
import { clientRoutes } from './routes/client.js';
import { offlineRoutes } from './routes/offline.js';
import { propagationRoutes } from './routes/propagation.js';
import { ActivationRepository } from './store/activations.js';
import { LeaseRepository } from './store/leases.js';
import { SigningKeyRepository } from './store/signing-keys.js';
import { TrialRepository } from './store/trials.js';
import { licensingMigrations } from './store/tables.js';
import { flushValidationCounts, validationFlushMs } from './validation/tally.js';

/** Devices and the leases they hold: activation, validation, refresh, seats, trials, offline activation. */
export const licensing = {
  name: 'licensing',
  repositories: (ctx) => ({
    activations: new ActivationRepository(ctx),
    leases: new LeaseRepository(ctx),
    signingKeys: new SigningKeyRepository(ctx),
    trials: new TrialRepository(ctx),
  }),
  migrations: licensingMigrations,
  auth: [managementAuth, licenseAuth],
  tags: [
    { name: 'activations', description: 'Devices and the leases they hold' },
    { name: 'client', description: 'What the application calls through the SDK' },
  ],
  routes: (app, services) => {
    clientRoutes(app, services);
    activationRoutes(app, services);
    offlineRoutes(app, services);
    propagationRoutes(app, services);
  },
  jobs: [
    { name: 'release dead seats', everyMs: 30_000, atStart: true, run: (services) => releaseDeadSeats(services) },
    // Validation outcomes for the reports: counted in memory, written as one event per account and flush.
    { name: 'write validation summaries', everyMs: validationFlushMs(), atStop: true, run: (services) => flushValidationCounts(services) },
  ],
} satisfies Capability;
