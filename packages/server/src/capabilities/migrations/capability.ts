import type { Capability } from '../../platform/capability.js';
import { managementAuth } from '../access/routes/auth.js';
import { migrationRoutes } from './routes/migrations.js';
import { runMigrations } from './runner.js';
import { MigrationRepository } from './store/migrations.js';
// Its tables join the one DB type wherever the capability is compiled, whichever repositories a program reaches.
import type {} from './store/tables.js';

/** Bulk moves of entitlements between offerings: a dry run with the impact, then a resumable job. */
export const migrations = {
  name: 'migrations',
  repositories: (ctx) => ({ migrations: new MigrationRepository(ctx) }),
  auth: [managementAuth],
  tags: [{ name: 'migrations', description: 'Bulk moves of entitlements between offerings' }],
  routes: migrationRoutes,
  // A few seconds of work per turn; any process may pick a migration up.
  jobs: [{ name: 'bulk migrations', everyMs: 1_000, run: (services, worker) => runMigrations(services, { worker, budgetMs: 5_000 }) }],
} satisfies Capability;
