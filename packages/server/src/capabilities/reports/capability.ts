import type { Capability } from '../../platform/capability.js';
import { managementAuth } from '../access/routes/auth.js';
import { projectInBackground } from './routes/runtime.js';
import { reportRoutes } from './routes/reports.js';
import { reportQueryRoutes } from './routes/query.js';
import { savedReportRoutes } from './routes/saved-reports.js';
import { eventPropagationRoute } from './routes/propagation.js';
import { reportExportRoutes } from './routes/report-exports.js';
import { exportRunnerOf } from './routes/export-runner.js';
import { ReportExportRepository } from './store/report-exports.js';
import { reportExportsMigration, reportExportsPausedMigration } from './store/export-tables.js';
import { SavedReportRepository } from './store/saved-reports.js';
import { savedReportsMigration } from './store/tables.js';
import { reportMigrations } from './store/migrations.js';
import { reportsLeaderMigration } from './store/leader.js';
import { installReportForwarding } from './routes/forward.js';
import { reportSettings } from './settings.js';

/**
 * Reporting on a store of its own (DuckDB), fed from the event log by one projector, never from
 * request handlers: the built-in reports and the store's status.
 */
export const reports = {
  name: 'reports',
  // The figures live in the reporting store; the main database holds saved reports and their scheduled exports.
  repositories: (ctx) => ({ savedReports: new SavedReportRepository(ctx), reportExports: new ReportExportRepository(ctx) }),
  migrations: {
    ...reportMigrations,
    '0043_saved_reports': savedReportsMigration,
    '0047_report_exports': reportExportsMigration,
    '0048_reports_leader': reportsLeaderMigration,
    '0049_report_exports_paused': reportExportsPausedMigration,
  },
  auth: [managementAuth],
  tags: [{ name: 'reports', description: 'Reports from the reporting store, fed from the event log' }],
  routes: (app, services) => {
    // Elected mode: a follower forwards the routes that read the store to the leader.
    installReportForwarding(app, services, () => reportSettings().forwardTimeoutMs);
    // The custom query first: `/v1/reports/query` is not a report's name.
    reportQueryRoutes(app, services);
    reportRoutes(app, services);
    savedReportRoutes(app, services);
    eventPropagationRoute(app, services);
    reportExportRoutes(app, services);
  },
  jobs: [
    {
      name: 'project events into the reporting store',
      everyMs: 200,
      atStart: true,
      run: projectInBackground,
    },
    { name: 'run scheduled report exports', everyMs: 30_000, run: (services) => exportRunnerOf(services).tick() },
  ],
} satisfies Capability;
