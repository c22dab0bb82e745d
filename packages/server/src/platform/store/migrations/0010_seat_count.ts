import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // An activation counts the seats held on its entitlement and looks for dead heartbeat seats to
  // release, instead of reading every live device (a site license may have thousands). With the
  // heartbeat and borrow columns in the index the count never touches the table, and the dead
  // seats are a range seek. It makes (account, entitlement, state) a prefix, so that index goes.
  await db.schema
    .createIndex('activations_entitlement_seats')
    .on('activations')
    .columns(['account_id', 'entitlement_id', 'state', 'heartbeat_deadline', 'borrowed_until'])
    .execute();
  await db.schema.dropIndex('activations_entitlement').execute();
}
