import type { Capability } from '../../platform/capability.js';
import { managementAuth } from '../access/routes/auth.js';
import { importRoutes } from './routes/imports.js';
import { catalogFileRoutes } from './routes/catalog-file.js';

/** Bringing records in: CSV imports with a dry run, Keygen's exports, and the catalog as code. */
export const imports = {
  name: 'imports',
  // It owns no tables: what it imports lives in the capabilities that own those records.
  repositories: () => ({}),
  auth: [managementAuth],
  tags: [{ name: 'imports', description: 'CSV and Keygen imports with a dry run; the catalog as a reviewed file (plan, apply)' }],
  routes: (app, services) => {
    importRoutes(app, services);
    catalogFileRoutes(app, services);
  },
} satisfies Capability;
