/**
 * `npm run bench:reports -- [--events 2000000] [--accounts 50] [--store sqlite|postgres] [--batch 20000] [--profile] [--forget] [--reuse DIR]`:
 * the reporting store (issue 20) at scale. Writes N synthetic events straight into the main
 * database's event log (a year of activations, deactivations, entitlements, returns and
 * downloads over A accounts, the first holding a fifth of them; each customer holds one or two
 * products), then measures the projector catching up from nothing (events/s), and each built-in
 * report over the year, for the largest account and across all accounts (median and worst of 5
 * runs, ms), and each report for every account in turn (ms in all). Prints one line per figure
 * and, last, one JSON object with them all. `--profile` prints, every 20 batches, the rate and the
 * time spent in each of the projector's calls and each statement the store runs; `--forget`
 * empties the projector's memory before every batch (the worst case: every deactivation's device
 * looked up in the store). `--reuse DIR` keeps the log in DIR for the next run (writing 10M
 * events takes 20 minutes and more). `deployment`, `trials`, `renewals` and `adoption` are also
 * timed counted from every fact (`fromFacts`), as before the projector kept rollups, for a
 * comparison within one run.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import BetterSqlite3 from 'better-sqlite3';
import { openServices } from '../packages/server/src/bootstrap.js';
import { reportingOf } from '../packages/server/src/capabilities/reports/routes/runtime.js';
import { REPORT_NAMES, runReport } from '../packages/server/src/capabilities/reports/store/reports.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '2000000' },
    accounts: { type: 'string', default: '50' },
    store: { type: 'string', default: 'sqlite' },
    batch: { type: 'string', default: '20000' },
    profile: { type: 'boolean', default: false },
    forget: { type: 'boolean', default: false },
    reuse: { type: 'string' },
  },
});
const EVENTS = Number(values.events);
const ACCOUNTS = Number(values.accounts);
process.env['LEASEHOLD_REPORTS_BATCH'] = values.batch;
const ADMIN = process.env['LEASEHOLD_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const YEAR_START = Date.parse('2026-01-01T00:00:00Z');
const YEAR = 365 * 86_400_000;

/** A deterministic stream of numbers in [0, 1). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const PLATFORMS = ['linux', 'windows', 'macos', 'android', 'ios'];
const VERSIONS = ['1.0.0', '1.1.0', '1.2.0', '2.0.0', '2.1.0'];

async function main(): Promise<void> {
  // --reuse DIR: the log is written to DIR and kept there; a later run with the same --events uses
  // it again. Its reporting store is removed, so projection always starts from nothing.
  if (values.reuse) mkdirSync(values.reuse, { recursive: true });
  const dataDir = values.reuse ?? mkdtempSync(join(tmpdir(), 'leasehold-bench-reports-'));
  for (const f of ['reports.duckdb', 'reports.duckdb.wal']) rmSync(join(dataDir, f), { force: true });
  let pgName: string | null = null;
  if (values.store === 'postgres') {
    pgName = `leasehold_bench_reports_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: ADMIN });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${pgName}`);
    await admin.end();
  }
  const databaseUrl = pgName ? ADMIN.replace(/\/[^/]*$/, `/${pgName}`) : null;
  const started = await openServices({
    dataDir,
    databaseUrl,
    pgPoolSize: 4,
    masterKey: null,
    adminKey: `lh_bench_${randomBytes(16).toString('hex')}`,
  });
  const { services } = started;
  const db = services.store.database.db;
  const accounts = Array.from({ length: ACCOUNTS }, (_, i) => `acc_bench${String(i).padStart(4, '0')}`);
  const rnd = random(42);

  // The log, written in chunks (the projector's input; not what is measured).
  const t0 = performance.now();
  const CHUNK = 1000;
  // Each account's activations so far: a deactivation gives back a seat of its own account.
  const activationsOf = accounts.map(() => [] as number[]);
  let activations = 0;
  // SQLite: straight through better-sqlite3 in big transactions (the server's own connection stays open; WAL lets both).
  const direct = values.store === 'sqlite' ? new BetterSqlite3(join(dataDir, 'leasehold.db')) : null;
  const insert = direct?.prepare(
    `INSERT INTO events (account_id, id, type, subject_type, subject_id, customer_id, entitlement_id, product_id, actor_type, actor_id, request_id, before, after, at)
     VALUES (@account_id, @id, @type, @subject_type, @subject_id, @customer_id, @entitlement_id, @product_id, @actor_type, @actor_id, @request_id, @before, @after, @at)`,
  );
  const insertMany = direct?.transaction((rows: Array<Record<string, unknown>>) => {
    for (const r of rows) insert!.run(r);
  });
  const [held] = direct ? (direct.prepare('SELECT count(*) AS n FROM events').all() as Array<{ n: number }>) : [{ n: 0 }];
  // The server's own start writes a few events (its first admin key): a log of at least EVENTS is reused.
  const start = held!.n >= EVENTS ? EVENTS : 0;
  if (start === 0 && held!.n > 100) throw new Error(`${dataDir} holds ${held!.n} events, fewer than ${EVENTS}`);
  for (let written = start; written < EVENTS; written += CHUNK) {
    const rows = [];
    for (let i = 0; i < Math.min(CHUNK, EVENTS - written); i++) {
      const n = written + i;
      const a = rnd() < 0.2 ? 0 : Math.floor(rnd() * ACCOUNTS);
      const account = accounts[a]!;
      const mine = activationsOf[a]!;
      // A customer buys one or two of the 8 products, an entitlement each (as customers do; ids
      // drawn independently made every customer hold every product, 40,000 entitlements an account).
      const c = Math.floor(rnd() * 2000);
      const p = rnd() < 0.7 ? c % 8 : (c * 3 + 1) % 8;
      const product = `prod_${p}`;
      const customer = `cus_${c}`;
      const at = YEAR_START + Math.floor((n / EVENTS) * YEAR);
      const r = rnd();
      const kind =
        r < 0.5
          ? 'activation.created'
          : r < 0.7
            ? 'activation.deactivated'
            : r < 0.8
              ? 'entitlement.created'
              : r < 0.9
                ? 'artifact.downloaded'
                : r < 0.95
                  ? 'entitlement.returned'
                  : 'customer.created';
      if (kind === 'activation.created') mine.push(activations++);
      const subject =
        kind === 'activation.created'
          ? `act_${mine.at(-1)!}`
          : kind === 'activation.deactivated'
            ? `act_${mine.length === 0 ? 'none' : mine[Math.floor(rnd() * mine.length)]!}`
            : `sub_${n}`;
      const after =
        kind === 'activation.created'
          ? { platform: PLATFORMS[Math.floor(rnd() * 5)], version: VERSIONS[Math.floor(rnd() * 5)], fingerprint: `fp-${n}` }
          : kind === 'activation.deactivated'
            ? { state: 'deactivated', endReason: 'deactivated' }
            : { n };
      rows.push({
        account_id: account,
        id: `evt_${String(n).padStart(12, '0')}`,
        type: kind,
        subject_type: kind.split('.')[0]!,
        subject_id: subject,
        customer_id: customer,
        entitlement_id: `ent_${c}_${p}`,
        product_id: product,
        actor_type: 'system',
        actor_id: null,
        request_id: null,
        before: null,
        after: JSON.stringify(after),
        at,
      });
    }
    if (insertMany) insertMany(rows);
    else await db.insertInto('events').values(rows).execute();
  }
  direct?.close();
  const writeS = (performance.now() - t0) / 1000;
  console.log(
    start === EVENTS
      ? `reused the ${EVENTS} events in ${dataDir}`
      : `wrote ${EVENTS} events into ${values.store} in ${writeS.toFixed(1)} s`,
  );

  // Projection from nothing: the whole log, batch after batch.
  const { store, projector } = await reportingOf(services);
  const timing = values.profile || values.forget ? instrument(projector, store) : null;
  const t1 = performance.now();
  let projected = 0;
  if (!timing) projected = (await projector.catchUp()).projected;
  else {
    const SEGMENT = 20;
    for (;;) {
      const s = performance.now();
      const run = await projector.catchUp(SEGMENT);
      projected += run.projected;
      const rate = Math.round(run.projected / ((performance.now() - s) / 1000));
      console.log(`${projected} events: ${rate} events/s; ms per ${SEGMENT} batches ${JSON.stringify(timing.take())}`);
      if (run.projected < SEGMENT * Number(values.batch)) break;
    }
  }
  const projectS = (performance.now() - t1) / 1000;
  const eventsPerSecond = Math.round(projected / projectS);
  console.log(`projected ${projected} events in ${projectS.toFixed(1)} s: ${eventsPerSecond} events/s`);

  // The lookup a batch makes for devices it does not remember, at this size: through the devices
  // table's index (now), and as it was before (a scan of facts per account in the batch).
  const sample = await store.rows<{ account_id: string; subject_id: string }>(
    `SELECT account_id, subject_id FROM facts WHERE type = 'activation.deactivated' USING SAMPLE 1000 ROWS`,
  );
  const keys = sample.map((r) => ({ accountId: r.account_id, activationId: r.subject_id }));
  const lookups: Record<string, number> = {};
  for (let round = 0; round < 3; round++) {
    let s = performance.now();
    await store.devices(keys);
    lookups['indexed'] = Math.min(lookups['indexed'] ?? Infinity, performance.now() - s);
    s = performance.now();
    const byAccount = new Map<string, string[]>();
    for (const k of keys) byAccount.set(k.accountId, [...(byAccount.get(k.accountId) ?? []), k.activationId]);
    for (const [accountId, ids] of byAccount) {
      await store.rows(
        `SELECT subject_id, platform, version FROM facts
         JOIN (SELECT unnest([${ids.map((_, i) => `$${i + 2}`).join(', ')}]) AS id) ids ON ids.id = facts.subject_id
         WHERE account_id = $1 AND type = 'activation.created'`,
        [accountId, ...ids],
      );
    }
    lookups['scanPerAccount'] = Math.min(lookups['scanPerAccount'] ?? Infinity, performance.now() - s);
  }
  const lookupMs = { indexed: Math.round(lookups['indexed']!), scanPerAccount: Math.round(lookups['scanPerAccount']!) };
  console.log(
    `device lookup of ${keys.length} deactivations at ${projected} events: ${lookupMs.indexed} ms through the index, ${lookupMs.scanPerAccount} ms scanning facts per account (before)`,
  );

  const timed = async (run: () => Promise<unknown>) => {
    const ms: number[] = [];
    for (let i = 0; i < 5; i++) {
      const s = performance.now();
      await run();
      ms.push(performance.now() - s);
    }
    ms.sort((a, b) => a - b);
    return { medianMs: Math.round(ms[2]! * 10) / 10, worstMs: Math.round(ms[4]! * 10) / 10 };
  };
  const oneAccount: Record<string, { medianMs: number; worstMs: number }> = {};
  const q = { from: YEAR_START, to: YEAR_START + YEAR, now: YEAR_START + YEAR, granularity: 'day' as const };
  for (const name of REPORT_NAMES) {
    oneAccount[name] = await timed(() => runReport(store, name, { accountId: accounts[0]!, productId: null }, q));
    console.log(
      `report ${name}, one account (${accounts[0]}), a year by day: ${oneAccount[name]!.medianMs} ms median, ${oneAccount[name]!.worstMs} ms worst`,
    );
  }
  // The same reports counted from every fact, as they were before the projector kept rollups.
  const fromFacts: Record<string, { medianMs: number; worstMs: number }> = {};
  for (const name of ['deployment', 'trials', 'renewals', 'adoption'] as const) {
    fromFacts[name] = await timed(() => runReport(store, name, { accountId: accounts[0]!, productId: null }, { ...q, fromFacts: true }));
    console.log(
      `report ${name} from every fact (no rollups), one account, a year by day: ${fromFacts[name]!.medianMs} ms median, ${fromFacts[name]!.worstMs} ms worst`,
    );
  }
  const platformDay = await timed(() =>
    runReport(store, 'activations', { accountId: accounts[0]!, productId: null }, { ...q, by: 'platform' }),
  );
  console.log(`report activations by platform, one account, a year by day: ${platformDay.medianMs} ms median`);
  const allAccounts = await timed(() =>
    store.rows(
      `SELECT epoch_ms(date_trunc('day', epoch_ms(at_ms))) AS period, product_id,
              count(*) FILTER (WHERE type = 'activation.created')::INTEGER AS activations,
              count(*) FILTER (WHERE type <> 'activation.created')::INTEGER AS deactivations
       FROM facts WHERE at_ms >= $1 AND at_ms < $2 AND type IN ('activation.created', 'activation.deactivated', 'activation.released')
       GROUP BY ALL`,
      [BigInt(q.from), BigInt(q.to)],
    ),
  );
  console.log(
    `activations by day and product across all accounts, a year: ${allAccounts.medianMs} ms median, ${allAccounts.worstMs} ms worst`,
  );

  // Every built-in report for every account in turn (what answering the whole installation costs).
  const everyAccount: Record<string, number> = {};
  for (const name of REPORT_NAMES) {
    const s = performance.now();
    for (const accountId of accounts) await runReport(store, name, { accountId, productId: null }, q);
    everyAccount[name] = Math.round(performance.now() - s);
  }
  console.log(`each report for all ${ACCOUNTS} accounts in turn, a year by day (ms): ${JSON.stringify(everyAccount)}`);

  store.close();
  await started.close();
  if (!values.reuse) rmSync(dataDir, { recursive: true, force: true });
  if (pgName) {
    const admin = new pg.Client({ connectionString: ADMIN });
    await admin.connect();
    await admin.query(`DROP DATABASE ${pgName} WITH (FORCE)`);
    await admin.end();
  }
  console.log(
    JSON.stringify({
      store: values.store,
      events: EVENTS,
      accounts: ACCOUNTS,
      batch: Number(values.batch),
      writeSeconds: Math.round(writeS * 10) / 10,
      projectionEventsPerSecond: eventsPerSecond,
      deviceLookupMs: lookupMs,
      oneAccountYearByDay: oneAccount,
      oneAccountFromEveryFact: fromFacts,
      activationsByPlatformOneAccount: platformDay,
      allAccountsActivationsByDayAndProduct: allAccounts,
      everyAccountInTurnMs: everyAccount,
    }),
  );
}

/** Wraps the projector's calls to time them (and, with --forget, empties its memory before each batch). */
function instrument(projector: unknown, store: unknown): { take(): Record<string, number> } {
  const spent: Record<string, number> = {};
  const wrap = (target: Record<string, unknown>, name: string, label: string, before?: () => void) => {
    const original = (target[name] as (...args: unknown[]) => Promise<unknown>).bind(target);
    target[name] = async (...args: unknown[]) => {
      before?.();
      const s = performance.now();
      try {
        return await original(...args);
      } finally {
        spent[label] = (spent[label] ?? 0) + performance.now() - s;
      }
    };
  };
  // The projector's parts are private: reached here, for measuring only.
  const p = projector as { feed: Record<string, unknown>; devices: { clear(): void } };
  wrap(p.feed, 'after', 'feed', values.forget ? () => p.devices.clear() : undefined);
  for (const m of ['devices', 'models', 'offeringsOf', 'append']) wrap(store as Record<string, unknown>, m, m);
  // Each statement the store runs, by its first words (where an append's time goes).
  const conn = (store as { conn: Record<string, unknown> }).conn;
  for (const m of ['run', 'runAndReadAll', 'createAppender']) {
    const original = (conn[m] as (...args: unknown[]) => Promise<unknown>).bind(conn);
    conn[m] = async (...args: unknown[]) => {
      const label = `${m}:${String(args[0]).replace(/\s+/g, ' ').slice(0, 48)}`;
      const s = performance.now();
      try {
        return await original(...args);
      } finally {
        spent[label] = (spent[label] ?? 0) + performance.now() - s;
      }
    };
  }
  return {
    take() {
      const out = Object.fromEntries(Object.entries(spent).map(([k, v]) => [k, Math.round(v)]));
      for (const k of Object.keys(spent)) delete spent[k];
      return out;
    },
  };
}

await main();
