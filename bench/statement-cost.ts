/**
 * `npx tsx bench/statement-cost.ts [postgres database URL] [count]`: what one statement costs this
 * process on each store — the same point read by primary key, built by Kysely, through node-postgres
 * (a round trip to the server) and through better-sqlite3 (a call into the library) — in CPU and
 * wall time per statement. A write's CPU on PostgreSQL is mostly its statement count times the first
 * figure; the README's Performance section uses it to say why PostgreSQL's CPU per activation,
 * refresh and heartbeat is about twice SQLite's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';

interface Row {
  id: string;
  v: string;
}
const [url = 'postgres://postgres@127.0.0.1:5432/postgres', countArg = '5000'] = process.argv.slice(2);
const count = Number(countArg);

async function measure(name: string, db: Kysely<{ statement_cost: Row }>): Promise<void> {
  await db.schema
    .createTable('statement_cost')
    .ifNotExists()
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('v', 'text')
    .execute();
  await db
    .insertInto('statement_cost')
    .values({ id: 'a', v: 'x'.repeat(200) })
    .onConflict((oc) => oc.doNothing())
    .execute();
  const read = () => db.selectFrom('statement_cost').selectAll().where('id', '=', 'a').executeTakeFirst();
  for (let i = 0; i < 500; i++) await read();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await read();
  const cpu = process.cpuUsage(cpu0);
  const wall = Number(process.hrtime.bigint() - t0) / 1000 / count;
  await db.schema.dropTable('statement_cost').execute();
  process.stdout.write(`${name}: ${((cpu.user + cpu.system) / count).toFixed(0)} µs of CPU per statement, ${wall.toFixed(0)} µs wall\n`);
}

const postgres = new Kysely<{ statement_cost: Row }>({
  dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }),
});
await measure('postgres (Kysely, node-postgres)', postgres);
await postgres.destroy();
const dir = mkdtempSync(join(tmpdir(), 'leasehold-statement-cost-'));
const sqlite = new Kysely<{ statement_cost: Row }>({ dialect: new SqliteDialect({ database: new Database(join(dir, 'cost.db')) }) });
await measure('sqlite (Kysely, better-sqlite3)', sqlite);
await sqlite.destroy();
rmSync(dir, { recursive: true, force: true });
