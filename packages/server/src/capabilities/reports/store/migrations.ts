import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

/**
 * The reporting projector's feed position (see feed.ts). On PostgreSQL each event row records the
 * id of the transaction that wrote it, taken by the column's default in that very transaction, so
 * no writer changes; the reader orders by (xid, id) and takes only transactions that have ended.
 * On SQLite writers are serialised and events are never deleted, so rowid order is commit order
 * and nothing is added.
 */
const feedPosition: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
    // Rows written before this migration all share its transaction id: they sort before any later one.
    await sql`ALTER TABLE events ADD COLUMN xid bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint)`.execute(db);
    await sql`CREATE INDEX events_feed ON events (xid, id)`.execute(db);
  },
  async down(db: Kysely<unknown>): Promise<void> {
    if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
    await sql`DROP INDEX events_feed`.execute(db);
    await sql`ALTER TABLE events DROP COLUMN xid`.execute(db);
  },
};

export const reportMigrations: Readonly<Record<string, Migration>> = { '0034_reports_feed_position': feedPosition };
