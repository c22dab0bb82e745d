import type { Capability } from '../../platform/capability.js';
import { managementAuth } from '../access/routes/auth.js';
import { projectInBackground } from './routes/runtime.js';
import { reportRoutes } from './routes/reports.js';
import { reportMigrations } from './store/migrations.js';

/**
 * Reporting on a store of its own (DuckDB), fed from the event log by one projector, never from
 * request handlers: the built-in reports and the store's status.
 */
export const reports = {
  name: 'reports',
  // Its store is not the main database's: no repositories in the main transaction.
  repositories: () => ({}),
  migrations: reportMigrations,
  auth: [managementAuth],
  tags: [{ name: 'reports', description: 'Reports from the reporting store, fed from the event log' }],
  routes: reportRoutes,
  jobs: [
    {
      name: 'project events into the reporting store',
      everyMs: 200,
      atStart: true,
      run: projectInBackground,
    },
  ],
} satisfies Capability;
