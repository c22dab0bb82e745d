/**
 * `node --import tsx --import ./bench/sql-trace.ts bench/inproc.ts <manifest.json> validate 2000`:
 * times every SQLite statement the process runs and prints, at exit, the slowest by total time
 * (count, mean µs, SQL). Finds which query a scenario spends its database time in. On PostgreSQL
 * (node-postgres) it times each query from its call to its answer: the round trip and the server's
 * work, not this process's CPU.
 */
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

const require = createRequire(new URL('../packages/server/package.json', import.meta.url));
const Database = require('better-sqlite3') as typeof BetterSqlite3;
const proto = Database.prototype as unknown as { prepare(sql: string): BetterSqlite3.Statement };
const prepare = proto.prepare;
const stats = new Map<string, { count: number; ns: bigint }>();

proto.prepare = function (this: BetterSqlite3.Database, sql: string) {
  const stmt = prepare.call(this, sql) as unknown as Record<'all' | 'get' | 'run', (...args: unknown[]) => unknown>;
  for (const method of ['all', 'get', 'run'] as const) {
    const run = stmt[method].bind(stmt);
    stmt[method] = (...args: unknown[]) => {
      const started = process.hrtime.bigint();
      try {
        return run(...args);
      } finally {
        const s = stats.get(sql) ?? { count: 0, ns: 0n };
        s.count++;
        s.ns += process.hrtime.bigint() - started;
        stats.set(sql, s);
      }
    };
  }
  return stmt as unknown as BetterSqlite3.Statement;
};

const pg = require('pg') as { Client: { prototype: { query(...args: unknown[]): unknown } } };
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: unknown, ...args: unknown[]) {
  const config = args[0] as string | { text?: string };
  const sql = typeof config === 'string' ? config : (config?.text ?? '?');
  const started = process.hrtime.bigint();
  const done = () => {
    const s = stats.get(sql) ?? { count: 0, ns: 0n };
    s.count++;
    s.ns += process.hrtime.bigint() - started;
    stats.set(sql, s);
  };
  const result = query.apply(this, args);
  if (result && typeof (result as Promise<unknown>).then === 'function') (result as Promise<unknown>).then(done, done);
  return result;
};

process.on('beforeExit', () => {
  const rows = [...stats.entries()].sort((a, b) => Number(b[1].ns - a[1].ns)).slice(0, 15);
  for (const [sql, s] of rows) {
    process.stdout.write(
      `${String(s.count).padStart(7)}  ${(Number(s.ns) / s.count / 1000).toFixed(1).padStart(8)} µs  ${sql.slice(0, 160)}\n`,
    );
  }
});
