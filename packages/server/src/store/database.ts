import BetterSqlite3 from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  CompiledQuery,
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type SelectQueryBuilder,
} from 'kysely';
import pg from 'pg';
import type { DB } from './schema.js';
import { migrationProvider } from './migrations/index.js';

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
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type DatabaseConfig = { dialect: 'sqlite'; file: string } | { dialect: 'postgres'; url: string; poolSize?: number };

export function openDatabase(config: DatabaseConfig): Database {
  return config.dialect === 'sqlite' ? openSqlite(config.file) : openPostgres(config.url, config.poolSize ?? 10);
}

export async function migrateToLatest(database: Database): Promise<string[]> {
  // Features land in parallel branches of work; a migration numbered below one already applied is
  // still run rather than refused (each migration touches only its own tables and columns).
  const migrator = new Migrator({ db: database.db, provider: migrationProvider, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
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
  return {
    dialect: 'sqlite',
    db,
    forUpdate: (qb) => qb,
    isUniqueViolation: (e) => codeOf(e) === 'SQLITE_CONSTRAINT_UNIQUE' || codeOf(e) === 'SQLITE_CONSTRAINT_PRIMARYKEY',
    isForeignKeyViolation: (e) => codeOf(e) === 'SQLITE_CONSTRAINT_FOREIGNKEY',
    isUnavailable: (e) => ['SQLITE_CANTOPEN', 'SQLITE_IOERR', 'SQLITE_FULL'].includes(codeOf(e) ?? ''),
    ping: async () => {
      raw.prepare('select 1').get();
    },
    close: () => db.destroy(),
  };
}

// ---- PostgreSQL -----------------------------------------------------------------------------

const PG_INT8 = 20;
const PG_NUMERIC = 1700;

function openPostgres(url: string, poolSize: number): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: 5000,
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
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    dialect: 'postgres',
    db,
    forUpdate: (qb) => qb.forUpdate() as typeof qb,
    isUniqueViolation: (e) => codeOf(e) === '23505',
    isForeignKeyViolation: (e) => codeOf(e) === '23503',
    isUnavailable: (e) => {
      const code = codeOf(e) ?? '';
      return (
        ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08006', '08001', '08003'].includes(code) ||
        (e instanceof Error && /timeout exceeded when trying to connect|Connection terminated/i.test(e.message))
      );
    },
    ping: async () => {
      await db.executeQuery(CompiledQuery.raw('select 1'));
    },
    close: () => db.destroy(),
  };
}
