import type { Migration } from 'kysely';
import * as m0001 from './0001_core.js';
import * as m0002 from './0002_activations_leases.js';
import * as m0003 from './0003_history_migrations.js';
import * as m0004 from './0004_migration_results.js';
import * as m0005 from './0005_usage_pools.js';
import * as m0007 from './0007_staff_users.js';
import * as m0008 from './0008_activation_lookup.js';
import * as m0009 from './0009_dead_seat_sweep.js';
import * as m0010 from './0010_seat_count.js';
import * as m0006 from './0006_netlicensing.js';
import * as m0011 from './0011_idempotency_by_credential.js';
import * as m0012 from './0012_staff_email_per_account.js';
import * as m0013 from './0013_offline_lease_period.js';

/**
 * The history written before capabilities declared their own migrations (`Capability.migrations`);
 * it spans capabilities, so it stays here. Every migration runs unchanged on SQLite and PostgreSQL.
 */
const MIGRATIONS: Record<string, Migration> = {
  '0001_core': m0001,
  '0002_activations_leases': m0002,
  '0003_history_migrations': m0003,
  '0004_migration_results': m0004,
  '0005_usage_pools': m0005,
  '0007_staff_users': m0007,
  '0008_activation_lookup': m0008,
  '0009_dead_seat_sweep': m0009,
  '0010_seat_count': m0010,
  '0006_netlicensing': m0006,
  '0011_idempotency_by_credential': m0011,
  '0012_staff_email_per_account': m0012,
  '0013_offline_lease_period': m0013,
};

/** The shared history and the capabilities' migrations, as one list; a name declared twice is refused. */
export function migrationsWith(capabilities: Readonly<Record<string, Migration>>): Record<string, Migration> {
  for (const name of Object.keys(capabilities)) {
    if (MIGRATIONS[name]) throw new Error(`migration ${name} is declared twice (the shared history has it)`);
  }
  return { ...MIGRATIONS, ...capabilities };
}
