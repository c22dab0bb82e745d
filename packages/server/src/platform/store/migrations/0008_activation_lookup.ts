import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // The live activations of one entitlement, in id order, are read on every validation, refresh and
  // activation. With only (account, entitlement, state), SQLite's planner walked the account's whole
  // primary key to honour ORDER BY id — a cost that grew with every activation in the account.
  await db.schema
    .createIndex('activations_entitlement_live')
    .on('activations')
    .columns(['account_id', 'entitlement_id', 'state', 'id'])
    .execute();
}
