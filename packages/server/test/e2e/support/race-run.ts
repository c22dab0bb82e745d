/**
 * Running a concurrency race: the catalogue the clients race on, the client processes, a watcher
 * that samples the limits in the database while they run, and the final read of the database.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from '../../../src/platform/store/database.js';
import { api, childEnv, REPO_ROOT } from '../../support/processes.js';
import type { FinalState, RaceTarget } from './race-check.js';
import type { RaceClientConfig, RaceEntry } from './race-protocol.js';

const CLIENT = fileURLToPath(new URL('./race-client.ts', import.meta.url));

export interface RaceScale {
  clients: number;
  lanes: number;
  opsPerLane: number;
  devicesPerLane: number;
}

export function totalOps(scale: RaceScale): number {
  return scale.clients * scale.lanes * scale.opsPerLane;
}

/**
 * One product with three metered features (block, allowPercent and bill overage) and a pool, a
 * node-locked and a floating offering, one customer holding one entitlement of each. Quotas grow
 * with the run so that a short and a long run both exhaust the capped ones part-way through.
 */
export async function createRaceCatalogue(url: string, adminKey: string, scale: RaceScale): Promise<RaceTarget[]> {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await api(url, adminKey, method, path, body);
    if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  await call('POST', '/v1/products', { code: 'race', name: 'Race' });
  for (const [code, type] of [
    ['exports', 'consumption'],
    ['minutes', 'consumption'],
    ['credits', 'consumption'],
    ['jobs', 'pool'],
  ] as const) {
    await call('POST', '/v1/products/race/features', { code, name: code, type, unit: code });
  }
  const n = totalOps(scale);
  const specs = [
    {
      name: 'node',
      seatModel: 'node_locked',
      seats: 5,
      poolSize: 3,
      quotas: {
        exports: { limit: Math.max(10, Math.round(n * 0.03)), overage: 'block' as const },
        minutes: { limit: Math.max(10, Math.round(n * 0.03)), overage: { allowPercent: 10 } },
        credits: { limit: 5, overage: 'bill' as const },
      },
    },
    {
      name: 'float',
      seatModel: 'floating',
      seats: 4,
      poolSize: 2,
      quotas: {
        exports: { limit: Math.max(10, Math.round(n * 0.025)), overage: 'block' as const },
        minutes: { limit: Math.max(10, Math.round(n * 0.025)), overage: { allowPercent: 25 } },
        credits: { limit: 0, overage: 'bill' as const },
      },
    },
  ];
  const customer = await call('POST', '/v1/customers', { name: 'Race Customer' });
  const targets: RaceTarget[] = [];
  for (const spec of specs) {
    await call('POST', '/v1/offerings', {
      productId: 'race',
      code: `race-${spec.name}`,
      name: `Race ${spec.name}`,
      licenseModel: 'subscription',
      term: 'P1Y',
      seatModel: spec.seatModel,
      seats: spec.seats,
      // Long enough that no floating seat dies during a run: every release is a client's doing.
      heartbeatWindow: 'PT1H',
      features: { ...spec.quotas, jobs: spec.poolSize },
    });
    const entitlement = await call('POST', '/v1/entitlements', { customerId: customer.id, offeringId: `race-${spec.name}` });
    targets.push({
      name: spec.name,
      key: entitlement.key,
      floating: spec.seatModel === 'floating',
      pool: 'jobs',
      meters: Object.keys(spec.quotas),
      entitlementId: entitlement.id,
      seats: spec.seats,
      poolSize: spec.poolSize,
      quotas: spec.quotas,
    });
  }
  return targets;
}

const running = new Set<ChildProcess>();

export function killRaceClients(): void {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  running.clear();
}

/** Starts the clients at once, waits for all of them, and returns every request they logged. */
export async function runRaceClients(opts: {
  urls: string[];
  targets: RaceTarget[];
  scale: RaceScale;
  seed: number;
  dir: string;
  timeoutMs: number;
}): Promise<RaceEntry[]> {
  const licenses = opts.targets.map(({ name, key, floating, pool, meters }) => ({ name, key, floating, pool, meters }));
  const files: string[] = [];
  const children: ChildProcess[] = [];
  const ready: Array<Promise<void>> = [];
  const exits = Array.from({ length: opts.scale.clients }, (_, client) => {
    const config: RaceClientConfig = {
      client,
      urls: opts.urls,
      seed: opts.seed,
      lanes: opts.scale.lanes,
      opsPerLane: opts.scale.opsPerLane,
      devicesPerLane: opts.scale.devicesPerLane,
      licenses,
      out: join(opts.dir, `race-client-${client}.jsonl`),
    };
    files.push(config.out);
    const child = spawn(process.execPath, ['--import', 'tsx', CLIENT, JSON.stringify(config)], {
      cwd: REPO_ROOT,
      env: childEnv({}),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    running.add(child);
    children.push(child);
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    ready.push(new Promise<void>((resolve) => child.stdout!.once('data', () => resolve())));
    return new Promise<void>((resolve, reject) => {
      child.once('exit', (code, signal) => {
        running.delete(child);
        if (code === 0) resolve();
        else reject(new Error(`race client ${client} exited ${signal ?? code}:\n${stderr}`));
      });
    });
  });
  let timer: NodeJS.Timeout | undefined;
  const hangGuard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the race clients did not finish within ${opts.timeoutMs} ms`)), opts.timeoutMs);
  });
  try {
    const all = Promise.all(exits);
    // A client that dies before it is ready rejects `all`, which ends the wait for the others.
    await Promise.race([Promise.all(ready), all, hangGuard]);
    for (const child of children) child.stdin!.end('go\n');
    await Promise.race([all, hangGuard]);
  } finally {
    clearTimeout(timer);
    killRaceClients();
  }
  return files.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as RaceEntry),
  );
}

export interface Peaks {
  samples: number;
  /** By license name: the most live seats, pool elements and quota use any sample saw. */
  seen: Record<string, { seats: number; pool: number; quota: Record<string, number> }>;
}

/**
 * Samples the database while the clients run. Each sample is one statement per table, so on
 * PostgreSQL it is one consistent snapshot, and on SQLite it reads the last commit.
 */
export function watchLimits(database: Database, targets: RaceTarget[]): { stop(): Promise<Peaks> } {
  const byEntitlement = new Map(targets.map((t) => [t.entitlementId, t.name]));
  const ids = [...byEntitlement.keys()];
  const peaks: Peaks = {
    samples: 0,
    seen: Object.fromEntries(targets.map((t) => [t.name, { seats: 0, pool: 0, quota: {} }])),
  };
  const raise = (name: string, field: 'seats' | 'pool', value: number) => {
    const seen = peaks.seen[name]!;
    seen[field] = Math.max(seen[field], value);
  };
  let stopped = false;
  const db = database.db;
  const loop = (async () => {
    while (!stopped) {
      const seats = await db
        .selectFrom('activations')
        .select(['entitlement_id', (eb) => eb.fn.countAll<number>().as('n')])
        .where('entitlement_id', 'in', ids)
        .where('state', '=', 'active')
        .groupBy('entitlement_id')
        .execute();
      for (const row of seats) raise(byEntitlement.get(row.entitlement_id)!, 'seats', Number(row.n));
      const pools = await db
        .selectFrom('pool_checkouts as p')
        .innerJoin('activations as a', (join) => join.onRef('a.account_id', '=', 'p.account_id').onRef('a.id', '=', 'p.activation_id'))
        .select(['p.entitlement_id', (eb) => eb.fn.sum<number>('p.count').as('n')])
        .where('p.entitlement_id', 'in', ids)
        .where('a.state', '=', 'active')
        .groupBy('p.entitlement_id')
        .execute();
      for (const row of pools) raise(byEntitlement.get(row.entitlement_id)!, 'pool', Number(row.n));
      const counters = await db
        .selectFrom('usage_counters')
        .select(['entitlement_id', 'feature', 'used'])
        .where('entitlement_id', 'in', ids)
        .execute();
      for (const row of counters) {
        const quota = peaks.seen[byEntitlement.get(row.entitlement_id)!]!.quota;
        quota[row.feature] = Math.max(quota[row.feature] ?? 0, Number(row.used));
      }
      peaks.samples++;
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return peaks;
    },
  };
}

/** What the database holds for one entitlement once the clients are done. */
export async function readFinalState(database: Database, target: RaceTarget): Promise<FinalState> {
  const db = database.db;
  const id = target.entitlementId;
  const activations = await db
    .selectFrom('activations')
    .select(['id', 'fingerprint', 'state', 'end_reason'])
    .where('entitlement_id', '=', id)
    .execute();
  const leases = await db.selectFrom('leases').select('id').where('entitlement_id', '=', id).execute();
  const events = await db
    .selectFrom('events')
    .select(['type', (eb) => eb.fn.countAll<number>().as('n')])
    .where('entitlement_id', '=', id)
    .groupBy('type')
    .execute();
  const held = await db
    .selectFrom('pool_checkouts as p')
    .innerJoin('activations as a', (join) => join.onRef('a.account_id', '=', 'p.account_id').onRef('a.id', '=', 'p.activation_id'))
    .select(['p.activation_id', 'p.count'])
    .where('p.entitlement_id', '=', id)
    .where('p.feature', '=', target.pool)
    .where('a.state', '=', 'active')
    .execute();
  const records = await db
    .selectFrom('usage_records')
    .select(['idempotency_key', 'feature', 'quantity'])
    .where('entitlement_id', '=', id)
    .execute();
  const counters = await db.selectFrom('usage_counters').select(['feature', 'used']).where('entitlement_id', '=', id).execute();
  return {
    activations: activations.map((a) => ({ id: a.id, fingerprint: a.fingerprint, state: a.state, endReason: a.end_reason })),
    leaseIds: leases.map((l) => l.id),
    events: Object.fromEntries(events.map((e) => [e.type, Number(e.n)])),
    held: Object.fromEntries(held.map((h) => [h.activation_id, Number(h.count)])),
    usageRecords: records.map((r) => ({ key: r.idempotency_key, feature: r.feature, quantity: Number(r.quantity) })),
    counters: Object.fromEntries(counters.map((c) => [c.feature, Number(c.used)])),
  };
}
