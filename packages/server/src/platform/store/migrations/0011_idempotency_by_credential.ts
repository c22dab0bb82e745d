import type { Kysely } from 'kysely';

/**
 * Idempotency records belong to the credential that made the request, not only to the account: a
 * replay hands over the first answer, which may hold a secret shown once (a new API key) or a
 * license key of one product, so another caller of the same account who reuses the key must not
 * receive it. The old table is dropped rather than copied: its rows name no credential, and any of
 * them replayed to the wrong caller is exactly the leak. Records live a day, so what is lost is
 * the replay of a write sent in the day before the upgrade (a retry of it runs again).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('idempotency_records')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('principal', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('response', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_records_pk', ['account_id', 'principal', 'key'])
    .execute();
  await db.schema.dropTable('idempotency_keys').execute();
}
