import type { Kysely } from 'kysely';

/**
 * Staff emails are unique per account, not across the server: one vendor creating a user must not
 * learn that another vendor has that address, nor keep it from them. Sign-in, which may name no
 * account, finds every account's user of an email through the plain index.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('staff_users_email').execute();
  await db.schema.createIndex('staff_users_account_email').unique().on('staff_users').columns(['account_id', 'email']).execute();
  await db.schema.createIndex('staff_users_by_email').on('staff_users').column('email').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('staff_users_by_email').execute();
  await db.schema.dropIndex('staff_users_account_email').execute();
  await db.schema.createIndex('staff_users_email').unique().on('staff_users').column('email').execute();
}
