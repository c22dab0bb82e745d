import type { Kysely } from 'kysely';

/** Offerings may give offline (file) activations a lease period of their own, for air-gapped sites. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('offerings').addColumn('offline_lease_period', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('offerings').dropColumn('offline_lease_period').execute();
}
