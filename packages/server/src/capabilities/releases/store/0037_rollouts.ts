import type { Kysely } from 'kysely';

/** A release may carry a rollout (JSON): whom the upgrade endpoint offers it to. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('releases').addColumn('rollout', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('releases').dropColumn('rollout').execute();
}
