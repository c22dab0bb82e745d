/**
 * The reporting projector's reader of the event log (the EventFeed port of ../ports.ts): every committed event exactly once, in an
 * order that never lets a late commit fall behind the position already read.
 *
 * Of the two designs webhooks/outbox.ts names, this is the second (no rows of its own): a
 * subscriber with outbox rows would add a write per event to every transaction, on the seat and
 * activation paths too, to spare one column and one read condition.
 *
 * - PostgreSQL: ids and clocks are not commit order (a transaction may take its id, then commit
 *   after a later one). Each event row carries the id of the transaction that wrote it (`xid`,
 *   migration 0034), and the reader takes only rows whose transaction is older than the oldest one
 *   still running (`pg_snapshot_xmin`): those transactions have all ended, so no row can appear
 *   below the position later. Order is (xid, id); the position is the last (xid, id) read. A
 *   transaction left open holds the feed back (it shows as lag), it never makes it skip.
 * - SQLite: one writer at a time, and events are never deleted, so rowid order is commit order;
 *   the position is the last rowid read.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Database } from '../../../platform/store/database.js';
import type { EventFeed, FeedEvent, ProjectorElection } from '../ports.js';

interface Row {
  major: string | number | bigint;
  minor: string;
  account_id: string;
  id: string;
  type: string;
  subject_id: string;
  customer_id: string | null;
  entitlement_id: string | null;
  product_id: string | null;
  after: string | null;
  at: string | number;
}

const toEvent = (r: Row): FeedEvent => ({
  position: { major: BigInt(r.major), minor: r.minor },
  accountId: r.account_id,
  id: r.id,
  type: r.type,
  subjectId: r.subject_id,
  customerId: r.customer_id,
  entitlementId: r.entitlement_id,
  productId: r.product_id,
  after: r.after,
  at: Number(r.at),
});

const sqliteFeed = (database: Database): EventFeed => ({
  async after(from, limit) {
    const { rows } = await sql<Row>`
      SELECT rowid AS major, '' AS minor, account_id, id, type, subject_id, customer_id, entitlement_id, product_id, after, at
      FROM events WHERE rowid > ${from.major} ORDER BY rowid LIMIT ${limit}`.execute(database.db);
    return rows.map(toEvent);
  },
  async oldestPendingAt(from) {
    const { rows } = await sql<{ at: string | number }>`
      SELECT at FROM events WHERE rowid > ${from.major} ORDER BY rowid LIMIT 1`.execute(database.db);
    return rows[0] ? Number(rows[0].at) : null;
  },
});

const postgresFeed = (database: Database): EventFeed => ({
  async after(from, limit) {
    const { rows } = await sql<Row>`
      SELECT xid AS major, id AS minor, account_id, id, type, subject_id, customer_id, entitlement_id, product_id, after, at
      FROM events
      WHERE (xid, id) > (${from.major.toString()}::bigint, ${from.minor})
        AND xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
      ORDER BY xid, id LIMIT ${limit}`.execute(database.db);
    return rows.map(toEvent);
  },
  async oldestPendingAt(from) {
    // Without the xmin bound: committed rows past the position that the feed does not hand out yet
    // count too. Among the first thousand in feed order, the one written first.
    const { rows } = await sql<{ at: string | number | null }>`
      SELECT min(at) AS at FROM (
        SELECT at FROM events WHERE (xid, id) > (${from.major.toString()}::bigint, ${from.minor}) ORDER BY xid, id LIMIT 1000
      ) pending`.execute(database.db);
    return rows[0]?.at === null || rows[0]?.at === undefined ? null : Number(rows[0].at);
  },
});

export function eventFeedOf(database: Database): EventFeed {
  return database.dialect === 'postgres' ? postgresFeed(database) : sqliteFeed(database);
}

/**
 * On PostgreSQL, one projector at a time per reporting file: a session advisory lock keyed by the
 * file's path, taken for each run and given back after it (a process that dies drops its
 * session, and with it the lock). On SQLite the file's own lock is enough: one process.
 */
export function electionOf(database: Database, storeFile: string): ProjectorElection {
  if (database.dialect !== 'postgres' || storeFile === ':memory:') return { run: (work) => work() };
  const key = createHash('sha256').update(`leasehold-reports:${storeFile}`).digest().readBigInt64BE(0).toString();
  return {
    run: (work) =>
      database.db.connection().execute(async (conn) => {
        const { rows } = await sql<{ ok: boolean }>`SELECT pg_try_advisory_lock(${key}::bigint) AS ok`.execute(conn);
        if (!rows[0]?.ok) return undefined;
        try {
          return await work();
        } finally {
          await sql`SELECT pg_advisory_unlock(${key}::bigint)`.execute(conn);
        }
      }),
  };
}
