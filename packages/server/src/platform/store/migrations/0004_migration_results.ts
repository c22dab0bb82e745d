import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // What a bulk migration actually changed, summed as it runs (compared with its dry-run impact).
  await db.schema
    .alterTable('migrations')
    .addColumn('result', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await db.schema
    .alterTable('migrations')
    .addColumn('skipped', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}
