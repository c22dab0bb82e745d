import { describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { capabilityMigrations, CAPABILITIES } from '../../src/registry.js';
import { migrateToLatest, openDatabase } from '../../src/platform/store/database.js';
import { migrationsWith } from '../../src/platform/store/migrations/index.js';
import type { Capability } from '../../src/platform/capability.js';

/** A capability owns its tables: it declares its migrations and repositories, the platform runs and builds them. */
describe('what capabilities contribute to the store', () => {
  const probe: Capability = {
    name: 'probe',
    migrations: {
      '9990_probe': {
        up: async (db: Kysely<unknown>) => {
          await db.schema
            .createTable('probe_rows')
            .addColumn('id', 'text', (c) => c.primaryKey())
            .execute();
        },
      },
    },
  };

  it("runs a capability's migrations with the shared history, once", async () => {
    const database = openDatabase({ dialect: 'sqlite', file: ':memory:' });
    try {
      const applied = await migrateToLatest(database, capabilityMigrations([...CAPABILITIES, probe]));
      expect(applied.at(-1)).toBe('9990_probe');
      expect(applied).toContain('0001_core');
      await sql`insert into probe_rows (id) values ('a')`.execute(database.db);
      expect(await migrateToLatest(database, capabilityMigrations([...CAPABILITIES, probe]))).toEqual([]);
    } finally {
      await database.close();
    }
  });

  it('refuses a migration name declared twice, by two capabilities or by a capability and the history', () => {
    expect(() => capabilityMigrations([probe, { ...probe, name: 'probe2' }])).toThrow(/9990_probe is declared twice \(capability probe2\)/);
    expect(() => migrationsWith({ '0001_core': probe.migrations!['9990_probe']! })).toThrow(/0001_core is declared twice/);
  });

  it('every repository a capability declares is built into each transaction, each by one capability', () => {
    const seen = new Map<string, string>();
    const ctx = { db: null, database: null, scope: { accountId: 'acc_x', productId: null }, changes: null } as never;
    for (const capability of CAPABILITIES) {
      for (const name of Object.keys(capability.repositories?.(ctx) ?? {})) {
        expect(seen.get(name), `${name} built by ${seen.get(name)} and ${capability.name}`).toBeUndefined();
        seen.set(name, capability.name);
      }
    }
    expect([...seen.keys()]).toEqual(expect.arrayContaining(['products', 'entitlements', 'activations', 'events', 'netlicensing']));
  });
});
