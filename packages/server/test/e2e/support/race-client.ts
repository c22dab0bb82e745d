/**
 * One race client: a separate process (`node --import tsx race-client.ts '<config json>'`) that
 * fires activations, heartbeats, refreshes, deactivations, pool checkouts and checkins and usage
 * reports at the servers, in several concurrent lanes, and writes every request with its answer to
 * a JSON-lines file. It judges nothing; the concurrency test reads the file and the database.
 */
import { createWriteStream } from 'node:fs';
import { sharedRecord, type BatchKind, type RaceClientConfig, type RaceEntry, type RaceLicense, type SentRecord } from './race-protocol.js';

const config = JSON.parse(process.argv[2] ?? '') as RaceClientConfig;
const log = createWriteStream(config.out, { flags: 'w' });

/** mulberry32: a small seeded generator, so a failing run can be replayed in the same shape. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Device {
  license: RaceLicense;
  fingerprint: string;
  /** What this lane believes from the answers so far; only steers which request comes next. */
  live: boolean;
  held: number;
}

type Json = Record<string, unknown>;

async function send(url: string, key: string, path: string, body: unknown): Promise<{ status: number; body: Json | null; error?: string }> {
  try {
    const res = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { authorization: `License ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      // A hang guard only; the test fails on any request that gets no answer.
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    let parsed: Json | null = null;
    try {
      parsed = text ? (JSON.parse(text) as Json) : null;
    } catch {
      parsed = { raw: text.slice(0, 200) };
    }
    return { status: res.status, body: parsed };
  } catch (error) {
    return { status: 0, body: null, error: String((error as Error).message ?? error) };
  }
}

async function runLane(lane: number): Promise<void> {
  const random = generator(config.seed * 1000 + config.client * 31 + lane);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
  const devices: Device[] = config.licenses.flatMap((license) =>
    Array.from({ length: config.devicesPerLane }, (_, d) => ({
      license,
      fingerprint: `c${config.client}-l${lane}-${license.name}-d${d}`,
      live: false,
      held: 0,
    })),
  );
  const batches = new Map<string, SentRecord[][]>();
  const sharedNext = new Map<string, number>();
  let keys = 0;

  const usageBatch = (license: RaceLicense): { kind: BatchKind; records: SentRecord[] } => {
    const earlier = batches.get(license.name) ?? [];
    const roll = random();
    if (roll < 0.2 && earlier.length > 0) return { kind: 'resend', records: pick(earlier) };
    if (roll < 0.4) {
      const k = sharedNext.get(license.name) ?? 0;
      sharedNext.set(license.name, k + 1);
      return { kind: 'shared', records: [sharedRecord(license.meters, k)] };
    }
    const records: SentRecord[] = [];
    const n = 1 + Math.floor(random() * 3);
    for (let i = 0; i < n; i++) {
      records.push({
        feature: pick(license.meters),
        quantity: 1 + Math.floor(random() * 5),
        idempotencyKey: `c${config.client}-l${lane}-u${keys++}`,
      });
    }
    // Now and then the same key twice in one report: it must count once.
    if (random() < 0.1) records.push({ ...records[0]! });
    earlier.push(records);
    batches.set(license.name, earlier);
    return { kind: 'fresh', records };
  };

  for (let seq = 0; seq < config.opsPerLane; seq++) {
    // Mostly work with a device that holds a seat, so pools and quotas see traffic too.
    const holding = devices.filter((d) => d.live);
    const device = holding.length > 0 && random() < 0.7 ? pick(holding) : pick(devices);
    const { license, fingerprint } = device;
    const roll = random();
    let op: RaceEntry['op'];
    if (!device.live) {
      // Mostly try to get a seat; sometimes act without one, which must be refused and leave nothing.
      op = roll < 0.85 ? 'activate' : pick(['usage', 'checkout', 'deactivate', license.floating ? 'heartbeat' : 'refresh'] as const);
    } else if (roll < 0.1) op = 'deactivate';
    else if (roll < 0.2) op = license.floating ? 'heartbeat' : 'refresh';
    // A device holding pool elements gives some back more often than one that holds none, so that
    // even a short run sees check-ins granted while the small pools stay contended.
    else if (roll < (device.held > 0 ? 0.35 : 0.45)) op = 'checkout';
    else if (roll < 0.57) op = 'checkin';
    else if (roll < 0.95) op = 'usage';
    else op = 'activate';

    const server = Math.floor(random() * config.urls.length);
    const url = config.urls[server]!;
    const entry: RaceEntry = {
      client: config.client,
      lane,
      seq,
      op,
      license: license.name,
      fingerprint,
      server,
      sentAt: 0,
      ackAt: 0,
      status: 0,
      code: null,
    };
    let path: string;
    let body: Json;
    switch (op) {
      case 'activate':
        path = '/v1/client/activate';
        body = { fingerprint, name: `race ${fingerprint}` };
        break;
      case 'heartbeat':
      case 'refresh':
      case 'deactivate':
        path = `/v1/client/${op}`;
        body = { fingerprint };
        break;
      case 'checkout':
      case 'checkin': {
        // A checkin sometimes asks for one more than the device holds: refused, nothing changes.
        const count =
          op === 'checkout'
            ? 1 + Math.floor(random() * 2)
            : random() < 0.2
              ? device.held + 1
              : 1 + Math.floor(random() * Math.max(1, device.held));
        entry.count = count;
        path = `/v1/client/pools/${license.pool}/${op}`;
        body = { fingerprint, count };
        break;
      }
      case 'usage': {
        const batch = usageBatch(license);
        entry.batch = batch.kind;
        entry.records = batch.records;
        path = '/v1/client/usage';
        body = { fingerprint, records: batch.records };
        break;
      }
    }

    entry.sentAt = Date.now();
    const answer = await send(url, license.key, path, body);
    entry.ackAt = Date.now();
    entry.status = answer.status;
    if (answer.error) entry.transportError = answer.error;
    const out = answer.body ?? {};
    const error = out['error'] as { code?: string } | undefined;
    entry.code = error?.code ?? null;
    const acked = answer.status >= 200 && answer.status < 300;

    if (acked) {
      const activation = out['activation'] as { id: string } | undefined;
      const lease = out['lease'] as { id: string } | undefined;
      if (activation) entry.activationId = activation.id;
      if (lease) entry.leaseId = lease.id;
      if (out['pool']) entry.pool = out['pool'] as RaceEntry['pool'];
      if (op === 'usage') {
        const usage = out['usage'] as Record<string, { used: number }>;
        entry.usage = {
          accepted: out['accepted'] as number,
          duplicates: out['duplicates'] as number,
          rejected: (out['rejected'] as Array<{ idempotencyKey: string; code: string }>).map((r) => ({
            idempotencyKey: r.idempotencyKey,
            code: r.code,
          })),
          used: Object.fromEntries(Object.entries(usage).map(([feature, q]) => [feature, q.used])),
        };
      }
    }
    log.write(JSON.stringify(entry) + '\n');

    // Steer the next requests by what the server said.
    if (op === 'activate') device.live = acked || (answer.status !== 409 && device.live);
    if (op === 'deactivate' && (acked || answer.status === 404)) device.live = false;
    if (acked && op === 'deactivate') device.held = 0;
    if (answer.status === 404 || answer.status === 409) {
      if (entry.code === 'NOT_ACTIVATED' || entry.code === 'HEARTBEAT_DEAD') device.live = false;
    }
    if (!device.live) device.held = 0;
    if (entry.pool) device.held = entry.pool.held;
  }
}

// Start together: say ready, then wait for the test's go (a line on stdin), so the clients race
// each other rather than whichever started first having the servers to itself.
process.stdout.write('ready\n');
await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
process.stdin.destroy();
await Promise.all(Array.from({ length: config.lanes }, (_, lane) => runLane(lane)));
await new Promise<void>((resolve, reject) => log.end((err?: Error | null) => (err ? reject(err) : resolve())));
