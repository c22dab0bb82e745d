import BetterSqlite3 from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  CompiledQuery,
  Kysely,
  Migrator,
  sql,
  PostgresDialect,
  SqliteDialect,
  type PostgresPool,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type SelectQueryBuilder,
  type Migration,
} from 'kysely';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import type { DB } from './schema.js';
import { migrationsWith } from './migrations/index.js';
import { ChangeFeed, decodeChanges, encodeChanges, type CacheChange } from './changes.js';
import { WriteFaults } from './write-faults.js';

export type DialectName = 'sqlite' | 'postgres';

/**
 * The database handle, and the few places where SQLite and PostgreSQL differ. Nothing outside this
 * file asks which dialect is in use.
 */
export interface Database {
  readonly dialect: DialectName;
  readonly db: Kysely<DB>;
  /** Row lock for read-then-write decisions; SQLite's write transactions are already exclusive. */
  forUpdate<QB extends SelectQueryBuilder<DB, keyof DB, object>>(qb: QB): QB;
  isUniqueViolation(error: unknown): boolean;
  isForeignKeyViolation(error: unknown): boolean;
  /** True when the database itself is unreachable (not a query error). */
  isUnavailable(error: unknown): boolean;
  /**
   * True when the database gave up a transaction to let others on (PostgreSQL's deadlock detector,
   * or a serialization failure): nothing of it was written, and running it again is the remedy.
   */
  isRetryable(error: unknown): boolean;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Committed changes, this process's and (as far as they are known) other processes'. */
  readonly changes: ChangeFeed;
  /** Tells other processes what a transaction changed; delivered only if it commits. */
  announce(trx: Kysely<DB>, changes: readonly CacheChange[]): Promise<void>;
  /**
   * May memory caches be used now? True while other processes' writes are being heard: on SQLite
   * it also checks whether another connection committed since the last call (and if so publishes
   * "everything changed"); on PostgreSQL it is false while the LISTEN connection is down.
   */
  cacheable(): boolean;
  /** Test-only fault injection into write transactions (inert unless armed). */
  readonly faults: WriteFaults;
  /** The connection pool now, and what handing out connections has cost so far (for /metrics). */
  poolStats(): PoolStats;
}

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
  /** Connections handed out since start, and the time callers waited for them in all. */
  acquired: number;
  waitedMs: number;
}

export type DatabaseConfig =
  { dialect: 'sqlite'; file: string } | { dialect: 'postgres'; url: string; poolSize?: number; statementTimeoutMs?: number };

export function openDatabase(config: DatabaseConfig): Database {
  return config.dialect === 'sqlite'
    ? openSqlite(config.file)
    : openPostgres(config.url, config.poolSize ?? 10, config.statementTimeoutMs ?? 0);
}

/** Runs the shared history and the capabilities' own migrations (`registry.ts`) not run yet, in name order. */
export async function migrateToLatest(database: Database, capabilities: Readonly<Record<string, Migration>>): Promise<string[]> {
  // Features land in parallel branches of work; a migration numbered below one already applied is
  // still run rather than refused (each migration touches only its own tables and columns).
  const provider = { getMigrations: async () => migrationsWith(capabilities) };
  // Schema changes on a large table may run longer than the statement timeout requests live under:
  // on PostgreSQL they run on one connection with the timeout lifted, and restored after.
  const run = async (db: Kysely<DB>) => {
    const migrator = new Migrator({ db, provider, allowUnorderedMigrations: true });
    const { error, results } = await migrator.migrateToLatest();
    if (error) throw error instanceof Error ? error : new Error(String(error));
    return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  };
  if (database.dialect !== 'postgres') return run(database.db);
  return database.db.connection().execute(async (db) => {
    await sql`set statement_timeout = 0`.execute(db);
    try {
      return await run(db);
    } finally {
      await sql`reset statement_timeout`.execute(db);
    }
  });
}

function codeOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}

// ---- SQLite ---------------------------------------------------------------------------------

/**
 * Write transactions start with BEGIN IMMEDIATE so that two processes sharing the file serialise
 * at the start of the transaction instead of failing half-way when both try to upgrade a read lock.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly database: BetterSqlite3.Database) {
    super({ database });
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver({ database: this.database });
  }
}

/** better-sqlite3 prepares a statement per call; caching them by SQL text removes that cost. */
function withStatementCache(db: BetterSqlite3.Database): BetterSqlite3.Database {
  const cache = new Map<string, BetterSqlite3.Statement>();
  const prepare = db.prepare.bind(db);
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === 'prepare') {
        return (sql: string) => {
          let stmt = cache.get(sql);
          if (!stmt) {
            stmt = prepare(sql);
            if (cache.size > 2000) cache.clear();
            cache.set(sql, stmt);
          }
          return stmt;
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function openSqlite(file: string): Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const raw = new BetterSqlite3(file);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.pragma('busy_timeout = 5000');
  raw.pragma('foreign_keys = ON');
  const db = new Kysely<DB>({ dialect: new ImmediateSqliteDialect(withStatementCache(raw)) });
  const changes = new ChangeFeed();
  // data_version moves when another connection (another process: a cluster worker, the CLI)
  // commits; this connection's own commits are published by the store as they happen.
  // Reading it costs about as much as a small query, so it is read at most once a millisecond: a
  // change by another process is heard within a millisecond, like a NOTIFY on PostgreSQL.
  const dataVersion = raw.prepare('pragma data_version').pluck();
  let seenVersion = dataVersion.get() as number;
  let checkedAt = 0;
  return {
    dialect: 'sqlite',
    db,
    changes,
    faults: new WriteFaults(),
    // One connection, always held: better-sqlite3 calls are synchronous, so nothing queues for it.
    poolStats: () => ({ total: 1, idle: 0, waiting: 0, acquired: 0, waitedMs: 0 }),
    announce: async () => {},
    cacheable: () => {
      const now = performance.now();
      if (now - checkedAt < 1) return true;
      checkedAt = now;
      const version = dataVersion.get() as number;
      if (version !== seenVersion) {
        seenVersion = version;
        changes.publish([{ accountId: '*', kind: 'all', id: '*' }]);
      }
      return true;
    },
    forUpdate: (qb) => qb,
    isUniqueViolation: (e) => codeOf(e) === 'SQLITE_CONSTRAINT_UNIQUE' || codeOf(e) === 'SQLITE_CONSTRAINT_PRIMARYKEY',
    isForeignKeyViolation: (e) => codeOf(e) === 'SQLITE_CONSTRAINT_FOREIGNKEY',
    isUnavailable: (e) => ['SQLITE_CANTOPEN', 'SQLITE_IOERR', 'SQLITE_FULL'].includes(codeOf(e) ?? ''),
    // One writer at a time (BEGIN IMMEDIATE, waiting up to busy_timeout): no deadlock to undo.
    isRetryable: () => false,
    ping: async () => {
      raw.prepare('select 1').get();
    },
    close: () => db.destroy(),
  };
}

// ---- PostgreSQL -----------------------------------------------------------------------------

const PG_INT8 = 20;
const PG_NUMERIC = 1700;

function openPostgres(url: string, poolSize: number, statementTimeoutMs: number): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: 5000,
    // A statement running longer is cancelled (57014, answered as 503): nothing holds a connection for minutes.
    ...(statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs } : {}),
    // Times are bigint milliseconds; they fit a JavaScript number exactly.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === PG_INT8 || oid === PG_NUMERIC
          ? (v: string) => Number(v)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', () => {});
  // Nor may a client in use (inside a transaction, between two queries), which the pool does not
  // listen to: its next query fails instead (an unavailable error), and the pool drops it on release.
  pool.on('connect', (client) => client.on('error', () => {}));
  const waits = { acquired: 0, waitedMs: 0 };
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: queueingPool(pool, waits) }) });
  const changes = new ChangeFeed();
  const listener = new ChangeListener(url, changes);
  return {
    dialect: 'postgres',
    db,
    changes,
    faults: new WriteFaults(),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, ...waits }),
    announce: async (trx, list) => {
      if (list.length === 0) return;
      await trx.executeQuery(CompiledQuery.raw('select pg_notify($1, $2)', [CHANGES_CHANNEL, encodeChanges(listener.origin, list)]));
    },
    cacheable: () => listener.listening,
    forUpdate: (qb) => qb.forUpdate() as typeof qb,
    isUniqueViolation: (e) => codeOf(e) === '23505',
    isForeignKeyViolation: (e) => codeOf(e) === '23503',
    isRetryable: (e) => codeOf(e) === '40P01' || codeOf(e) === '40001',
    isUnavailable: (e) => {
      const code = codeOf(e) ?? '';
      return (
        ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57014', '57P01', '57P02', '57P03', '08006', '08001', '08003'].includes(
          code,
        ) ||
        (e instanceof Error &&
          /timeout exceeded when trying to connect|Connection terminated|not queryable|connection error/i.test(e.message))
      );
    },
    ping: async () => {
      await db.executeQuery(CompiledQuery.raw('select 1'));
    },
    close: async () => {
      listener.stop();
      await db.destroy();
    },
  };
}

/** The longest a request waits for a pooled connection while the others keep coming back. */
const POOL_QUEUE_LIMIT_MS = 60_000;

/**
 * The pool's 5 s wait for a free connection, made tolerant of contention. When every connection is
 * taken (many devices of one license queue for its row lock, say), the pool's wait can run out
 * while the database answers; that is a queue, not an outage, and must not become a 503. So the
 * request queues again as long as connections came back during its wait; if none did, the
 * database is stuck and the timeout stands (an unavailable error, so a 503).
 */
function queueingPool(pool: pg.Pool, waits: { acquired: number; waitedMs: number }): PostgresPool {
  let lastRelease = 0;
  pool.on('release', () => (lastRelease = Date.now()));
  return {
    connect: async () => {
      const started = Date.now();
      for (;;) {
        const asked = Date.now();
        try {
          const client = await pool.connect();
          waits.acquired++;
          waits.waitedMs += Date.now() - started;
          return client;
        } catch (error) {
          const queueTimeout = error instanceof Error && error.message === 'timeout exceeded when trying to connect';
          if (!queueTimeout || lastRelease < asked || Date.now() - started > POOL_QUEUE_LIMIT_MS) throw error;
        }
      }
    },
    end: () => pool.end(),
  };
}

const CHANGES_CHANNEL = 'leasehold_changes';
/** The change listener's application_name in pg_stat_activity. */
export const LISTENER_NAME = 'leasehold-change-listener';
/** How often the LISTEN connection is asked to answer, and how long it has. */
const PROBE_EVERY_MS = 5_000;
const PROBE_TIMEOUT_MS = 3_000;

/**
 * One connection per process LISTENing for other processes' changes. While it is down, caches are
 * bypassed; it reconnects by itself (1 s, doubling to 30 s) and, once listening again, publishes
 * "everything changed", since notifications sent meanwhile are lost.
 */
class ChangeListener {
  readonly origin = randomBytes(8).toString('hex');
  listening = false;
  private client: pg.Client | null = null;
  private stopped = false;
  private retryMs = 1_000;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly url: string,
    private readonly feed: ChangeFeed,
  ) {
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({
      connectionString: this.url,
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
      // Named, so an operator (and a test) can tell the change listener from the pool's connections.
      application_name: LISTENER_NAME,
    });
    this.client = client;
    let probe: NodeJS.Timeout | null = null;
    const lost = () => {
      if (probe) clearInterval(probe);
      if (this.client !== client) return;
      this.client = null;
      this.down();
      client.removeAllListeners('notification');
      void client.end().catch(() => {});
      this.retry();
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (message) => {
      if (message.channel !== CHANGES_CHANNEL || message.payload === undefined) return;
      const { origin, changes } = decodeChanges(message.payload);
      if (origin !== this.origin) this.feed.publish(changes);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGES_CHANNEL}`);
      if (this.stopped || this.client !== client) {
        await client.end().catch(() => {});
        return;
      }
      this.retryMs = 1_000;
      this.feed.publish([{ accountId: '*', kind: 'all', id: '*' }]);
      this.listening = true;
      // A connection that died without a word (a NAT or a failover dropping it half-open) raises
      // no error: while it seemed up, other processes' changes would go unheard and caches stay
      // stale. A query every few seconds that must answer in time tells it apart.
      probe = setInterval(() => {
        const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('probe timeout')), PROBE_TIMEOUT_MS).unref());
        Promise.race([client.query('select 1'), timeout]).catch(lost);
      }, PROBE_EVERY_MS);
      probe.unref();
    } catch {
      lost();
    }
  }

  private down(): void {
    if (this.listening) this.feed.publish([{ accountId: '*', kind: 'all', id: '*' }]);
    this.listening = false;
  }

  private retry(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, this.retryMs);
    this.timer.unref();
    this.retryMs = Math.min(this.retryMs * 2, 30_000);
  }

  stop(): void {
    this.stopped = true;
    this.listening = false;
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = null;
    if (client) void client.end().catch(() => {});
  }
}
