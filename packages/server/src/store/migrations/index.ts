import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_core.js';

/** The one migration history, in order; it runs unchanged on SQLite and PostgreSQL. */
const MIGRATIONS: Record<string, Migration> = {
  '0001_core': m0001,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
