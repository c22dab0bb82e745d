import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, storeKinds, type StoreKind } from '../support/stores.js';
import { killAll, removeDir, startServer, tempDataDir, type ServerProcess } from '../support/processes.js';

/**
 * SIGKILL in the middle of a stream of writes. Several concurrent streams create customers and
 * entitlements, activate devices, record usage and change overrides against a real server process;
 * every acknowledged (2xx) answer is kept. The server is killed at a moment the streams do not
 * choose, restarted, and then: every acknowledged write is there with the values it returned and
 * its audit event (matched by the request id the stream sent); nothing unacknowledged is half
 * there; the database passes its integrity checks; and floating seats whose clients died are
 * released by the sweeper of the restarted server. `npm run test:stress` (LEASEHOLD_STRESS=1) runs
 * more streams, more writes and several kills in a row.
 */

const STRESS = process.env['LEASEHOLD_STRESS'] === '1';
const PLAN = STRESS ? { kills: 4, streams: 6, acksBeforeKill: [150, 400] } : { kills: 1, streams: 4, acksBeforeKill: [60, 90] };
const SEATS = 3;
const QUOTA = 2_000;
const HEARTBEAT_WINDOW_MS = 1_000;

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Answer {
  status: number;
  body: Json;
  requestId: string;
}

/** A write the server acknowledged, with what it answered. */
type Ack =
  | { kind: 'customer'; requestId: string; body: Json }
  | { kind: 'entitlement'; requestId: string; body: Json }
  | { kind: 'activation'; requestId: string; key: string; body: Json }
  | {
      kind: 'usage';
      requestId: string;
      key: string;
      fingerprint: string;
      record: { feature: string; quantity: number; idempotencyKey: string };
    }
  | { kind: 'override'; requestId: string; entitlementId: string; projects: number; body: Json };

/** A write the server definitively refused (4xx): it must have left nothing behind. */
interface Refusal {
  kind: 'activation';
  entitlementId: string;
  fingerprint: string;
  code: string;
}

/** A write whose answer never came (the kill): it may or may not be there, but never half. */
interface Unanswered {
  kind: string;
  requestId: string;
  entitlementId?: string;
  projects?: number;
}

/** The acknowledged writes of one kind. */
function only<K extends Ack['kind']>(acks: Ack[], kind: K, stream?: number): Array<Extract<Ack, { kind: K }>> {
  return acks.filter(
    (a): a is Extract<Ack, { kind: K }> => a.kind === kind && (stream === undefined || a.requestId.startsWith(`s${stream}-`)),
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

async function send(url: string, auth: string, method: string, path: string, requestId: string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = { authorization: auth, 'x-request-id': requestId };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, requestId };
}

/** Read-only SQL on the server's database, from outside the server process. */
interface Inspector {
  rows(sql: string): Promise<Json[]>;
  close(): Promise<void>;
}

function inspect(kind: StoreKind, where: { dataDir: string; url: string | null }): Inspector {
  if (kind === 'sqlite') {
    const db = new BetterSqlite3(join(where.dataDir, 'leasehold.db'), { readonly: true });
    return { rows: async (sql) => db.prepare(sql).all(), close: async () => void db.close() };
  }
  const client = new pg.Client({ connectionString: where.url! });
  const connected = client.connect();
  return {
    rows: async (sql) => {
      await connected;
      return (await client.query(sql)).rows;
    },
    close: () => client.end(),
  };
}

for (const kind of await storeKinds()) {
  describe(`a server SIGKILLed during a stream of writes (${kind})`, () => {
    const cleanup: Array<() => unknown> = [];
    afterAll(async () => {
      killAll();
      for (const step of cleanup.reverse()) await step();
    });

    it(
      `${PLAN.kills} kill(s) under ${PLAN.streams} concurrent streams: every acknowledged write survives with its event, nothing is half written`,
      { timeout: STRESS ? 600_000 : 120_000 },
      async () => {
        const adminKey = `lh_${randomBytes(24).toString('hex')}`;
        const dataDir = tempDataDir();
        cleanup.push(() => removeDir(dataDir));
        const pgDb = kind === 'postgres' ? await createPostgresDatabase() : null;
        if (pgDb) cleanup.push(() => pgDb.drop());
        const env = {
          LEASEHOLD_DATA_DIR: dataDir,
          ...(pgDb ? { DATABASE_URL: pgDb.url } : {}),
          LEASEHOLD_ADMIN_KEY: adminKey,
          LEASEHOLD_MASTER_KEY: randomBytes(32).toString('hex'),
          LEASEHOLD_RATE_CLIENT_KEY: '0',
          LEASEHOLD_RATE_CLIENT_ADDRESS: '0',
          LOG_LEVEL: 'warn',
        };
        const t0 = Date.now();
        const timeline: string[] = [];
        const phase = (what: string) => timeline.push(`${what} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        let server: ServerProcess = await startServer(env);
        phase('started');
        const bearer = `Bearer ${adminKey}`;
        const admin = async (method: string, path: string, body?: unknown) => {
          const res = await send(server.url, bearer, method, path, `setup-${randomBytes(6).toString('hex')}`, body);
          if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
          return res.body;
        };

        await admin('POST', '/v1/products', { code: 'studio', name: 'Studio' });
        await admin('POST', '/v1/products/studio/features', { code: 'export', name: 'Export', type: 'boolean' });
        await admin('POST', '/v1/products/studio/features', { code: 'projects', name: 'Projects', type: 'numeric' });
        await admin('POST', '/v1/products/studio/features', { code: 'renders', name: 'Renders', type: 'consumption' });
        const common = { productId: 'studio', licenseModel: 'subscription', term: 'P1Y', leasePeriod: 'PT1H' };
        await admin('POST', '/v1/offerings', {
          ...common,
          code: 'desk',
          name: 'Desk',
          seatModel: 'node_locked',
          seats: SEATS,
          features: { export: true, projects: 1, renders: QUOTA },
        });
        await admin('POST', '/v1/offerings', {
          ...common,
          code: 'float',
          name: 'Float',
          seatModel: 'floating',
          seats: 50,
          heartbeatWindow: `PT${HEARTBEAT_WINDOW_MS / 1000}S`,
          features: { export: true },
        });
        const floatCustomer = await admin('POST', '/v1/customers', { name: 'Floating office' });
        const floating = await admin('POST', '/v1/entitlements', { customerId: floatCustomer.id, offeringId: 'float' });

        phase('set up');
        const acks: Ack[] = [];
        const refusals: Refusal[] = [];
        const unanswered: Unanswered[] = [];
        const unexpected: string[] = [];
        /** Floating seats taken just before each kill: their clients die with it. */
        const deadSeats: Array<{ id: string; heartbeatDeadline: number }> = [];

        /** One stream of writes until the server stops answering; it owns the entitlements it creates. */
        const stream = async (s: number, cycle: number) => {
          const own = {
            customers: only(acks, 'customer', s).map((a) => a.body.id as string),
            entitlements: only(acks, 'entitlement', s).map((a) => ({ id: a.body.id as string, key: a.body.key as string })),
            devices: only(acks, 'activation', s).map((a) => ({ key: a.key, fingerprint: a.body.activation.fingerprint as string })),
          };
          for (let n = 0; ; n++) {
            const requestId = `s${s}-c${cycle}-${n}-${randomBytes(3).toString('hex')}`;
            const op =
              own.customers.length === 0
                ? 'customer'
                : own.entitlements.length === 0
                  ? 'entitlement'
                  : pick(['customer', 'entitlement', 'activation', 'activation', 'usage', 'usage', 'usage', 'override', 'override']);
            const pending: Unanswered = { kind: op, requestId };
            let res: Answer;
            try {
              if (op === 'customer') {
                res = await send(server.url, bearer, 'POST', '/v1/customers', requestId, {
                  name: `Customer ${requestId}`,
                  externalRef: `crm-${requestId}`,
                });
                if (res.status === 201) {
                  acks.push({ kind: 'customer', requestId, body: res.body });
                  own.customers.push(res.body.id);
                }
              } else if (op === 'entitlement') {
                res = await send(server.url, bearer, 'POST', '/v1/entitlements', requestId, {
                  customerId: pick(own.customers),
                  offeringId: 'desk',
                  orderRef: `SO-${requestId}`,
                });
                if (res.status === 201) {
                  acks.push({ kind: 'entitlement', requestId, body: res.body });
                  own.entitlements.push({ id: res.body.id, key: res.body.key });
                }
              } else if (op === 'activation') {
                const entitlement = pick(own.entitlements);
                const fingerprint = `dev-${requestId}`;
                Object.assign(pending, { entitlementId: entitlement.id });
                res = await send(server.url, `License ${entitlement.key}`, 'POST', '/v1/client/activate', requestId, {
                  fingerprint,
                  product: 'studio',
                  name: fingerprint,
                });
                if (res.status === 201) {
                  acks.push({ kind: 'activation', requestId, key: entitlement.key, body: res.body });
                  own.devices.push({ key: entitlement.key, fingerprint });
                } else if (res.status === 409 && res.body?.error?.code === 'SEAT_LIMIT_REACHED') {
                  refusals.push({ kind: 'activation', entitlementId: entitlement.id, fingerprint, code: res.body.error.code });
                }
              } else if (op === 'usage' && own.devices.length > 0) {
                const device = pick(own.devices);
                const record = { feature: 'renders', quantity: 1 + Math.floor(Math.random() * 5), idempotencyKey: `use-${requestId}` };
                res = await send(server.url, `License ${device.key}`, 'POST', '/v1/client/usage', requestId, {
                  fingerprint: device.fingerprint,
                  records: [record],
                });
                if (res.status === 200 && res.body.accepted === 1) {
                  acks.push({ kind: 'usage', requestId, key: device.key, fingerprint: device.fingerprint, record });
                } else if (res.status === 200) {
                  unexpected.push(`usage ${requestId}: ${JSON.stringify(res.body)}`);
                }
              } else {
                const entitlement = pick(own.entitlements);
                const projects = 1000 * cycle + n;
                Object.assign(pending, { kind: 'override', entitlementId: entitlement.id, projects });
                res = await send(server.url, bearer, 'PATCH', `/v1/entitlements/${entitlement.id}`, requestId, {
                  overrides: { features: { projects } },
                });
                if (res.status === 200) acks.push({ kind: 'override', requestId, entitlementId: entitlement.id, projects, body: res.body });
              }
            } catch {
              // No answer: the server died with this request in flight (or before it arrived).
              unanswered.push(pending);
              return;
            }
            const seatRefused = op === 'activation' && res.status === 409 && res.body?.error?.code === 'SEAT_LIMIT_REACHED';
            if (res.status >= 300 && !seatRefused) {
              unexpected.push(`${op} ${requestId}: ${res.status} ${JSON.stringify(res.body)}`);
            }
          }
        };

        for (let cycle = 0; cycle < PLAN.kills; cycle++) {
          // Floating seats held by clients that are about to die with the server.
          for (let i = 0; i < 3; i++) {
            const res = await send(server.url, `License ${floating.key}`, 'POST', '/v1/client/activate', `float-seat-${cycle}-${i}`, {
              fingerprint: `float-${cycle}-${i}`,
            });
            expect(res.status).toBe(201);
            deadSeats.push({ id: res.body.activation.id, heartbeatDeadline: Date.parse(res.body.activation.heartbeatDeadline) });
          }

          const before = acks.length;
          const [low, high] = PLAN.acksBeforeKill as [number, number];
          const target = before + low + Math.floor(Math.random() * (high - low));
          const streams = Array.from({ length: PLAN.streams }, (_, s) => stream(s, cycle));
          const deadline = Date.now() + 60_000;
          while (acks.length < target && Date.now() < deadline) await sleep(5);
          expect(acks.length, 'the streams did not reach their write count').toBeGreaterThanOrEqual(target);
          phase('kill');
          expect((await server.stop('SIGKILL')).signal).toBe('SIGKILL');
          await Promise.all(streams);

          // Restart once the dead clients' heartbeat deadlines have passed.
          const lastDeadline = Math.max(...deadSeats.map((d) => d.heartbeatDeadline));
          await sleep(Math.max(0, lastDeadline - Date.now() + 100));
          phase('restart');
          server = await startServer(env);
          phase('restarted');
        }
        console.log(
          `${kind}: ${acks.length} acknowledged writes (${countBy(acks.map((a) => a.kind))}), ` +
            `${refusals.length} refused, ${unanswered.length} unanswered at the kills`,
        );
        expect(unexpected).toEqual([]);

        // ---- Every acknowledged write is there, with the values it returned. -----------------
        const read = (path: string) => admin('GET', path);
        for (const ack of only(acks, 'customer')) {
          expect(await read(`/v1/customers/${ack.body.id}`)).toEqual(ack.body);
        }
        const lastOverride = new Map<string, number>();
        for (const ack of acks) if (ack.kind === 'override') lastOverride.set(ack.entitlementId, ack.projects);
        for (const ack of only(acks, 'entitlement')) {
          const now = await read(`/v1/entitlements/${ack.body.id}`);
          const { overrides, effective, version, updatedAt, ...fixed } = ack.body;
          void [overrides, effective, version, updatedAt];
          expect(now).toMatchObject(fixed);
          // The last acknowledged override, or one sent after it whose answer the kill swallowed.
          const allowed = [
            lastOverride.get(ack.body.id) ?? null,
            ...unanswered.filter((u) => u.entitlementId === ack.body.id && u.projects !== undefined).map((u) => u.projects),
          ];
          expect(allowed).toContain(now.overrides.features?.projects ?? null);
        }
        const histories = new Map<string, Json[]>();
        for (const ack of acks) {
          if (ack.kind !== 'override') continue;
          if (!histories.has(ack.entitlementId))
            histories.set(ack.entitlementId, (await read(`/v1/entitlements/${ack.entitlementId}/history`)).data);
          const version = histories.get(ack.entitlementId)!.find((v) => v.version === ack.body.version);
          expect(version, `version ${ack.body.version} of ${ack.entitlementId}`).toMatchObject({
            change: 'entitlement.updated',
            requestId: ack.requestId,
          });
        }
        const leasesOf = new Map<string, Json[]>();
        for (const ack of acks) {
          if (ack.kind !== 'activation') continue;
          const { activation, lease } = ack.body;
          expect(await read(`/v1/activations/${activation.id}`)).toMatchObject({
            id: activation.id,
            entitlementId: activation.entitlementId,
            fingerprint: activation.fingerprint,
            seatKind: 'device',
            state: 'active',
            createdAt: activation.createdAt,
          });
          if (!leasesOf.has(activation.entitlementId)) {
            leasesOf.set(activation.entitlementId, (await read(`/v1/entitlements/${activation.entitlementId}/leases?limit=500`)).data);
          }
          expect(leasesOf.get(activation.entitlementId)!.find((l) => l.id === lease.id)).toMatchObject({
            activationId: activation.id,
            issuedAt: lease.issuedAt,
            expiresAt: lease.expiresAt,
          });
        }
        // Usage: sending an acknowledged record again finds it already counted.
        const byDevice = new Map<string, Extract<Ack, { kind: 'usage' }>[]>();
        for (const ack of acks) if (ack.kind === 'usage') byDevice.set(ack.fingerprint, [...(byDevice.get(ack.fingerprint) ?? []), ack]);
        for (const [fingerprint, records] of byDevice) {
          const again = await send(server.url, `License ${records[0]!.key}`, 'POST', '/v1/client/usage', `again-${fingerprint}`, {
            fingerprint,
            records: records.map((r) => r.record),
          });
          expect(again.status).toBe(200);
          expect({ accepted: again.body.accepted, duplicates: again.body.duplicates }).toEqual({ accepted: 0, duplicates: records.length });
        }
        // A refused activation left no seat behind.
        for (const refusal of refusals) {
          const devices = (await read(`/v1/entitlements/${refusal.entitlementId}/activations?limit=500`)).data;
          expect(devices.map((d: Json) => d.fingerprint)).not.toContain(refusal.fingerprint);
        }

        phase('acks checked');
        // ---- Each acknowledged write has its audit event, from the request that made it. ------
        const events: Json[] = [];
        for (let cursor: string | null = null, first = true; first || cursor; first = false) {
          const page: Json = await read(`/v1/events?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
          events.push(...page.data);
          cursor = page.nextCursor;
        }
        const byRequest = new Map<string, Json[]>();
        for (const e of events) if (e.requestId) byRequest.set(e.requestId, [...(byRequest.get(e.requestId) ?? []), e]);
        const expectedEvent = (ack: Ack): [string, string] | null =>
          ack.kind === 'customer'
            ? ['customer.created', ack.body.id]
            : ack.kind === 'entitlement'
              ? ['entitlement.created', ack.body.id]
              : ack.kind === 'activation'
                ? ['activation.created', ack.body.activation.id]
                : ack.kind === 'override'
                  ? ['entitlement.updated', ack.entitlementId]
                  : null; // usage records are their own record: no event per record
        for (const ack of acks) {
          const wanted = expectedEvent(ack);
          if (!wanted) continue;
          const found = (byRequest.get(ack.requestId) ?? []).map((e) => [e.type, e.subjectId]);
          expect(found, `the event of ${ack.kind} ${ack.requestId}`).toContainEqual(wanted);
        }

        phase('events checked');
        // ---- The dead clients' floating seats were released by the restarted server's sweeper. --
        const releaseDeadline = Date.now() + 60_000;
        let stillHeld = deadSeats;
        while (stillHeld.length > 0 && Date.now() < releaseDeadline) {
          const states = await Promise.all(stillHeld.map((d) => read(`/v1/activations/${d.id}`)));
          stillHeld = stillHeld.filter((_, i) => states[i].state !== 'released');
          if (stillHeld.length > 0) await sleep(250);
        }
        expect(stillHeld).toEqual([]);
        const released = (await read(`/v1/events?type=activation.released&limit=500`)).data;
        for (const seat of deadSeats) {
          expect(released.find((e: Json) => e.subjectId === seat.id)).toMatchObject({
            actor: { type: 'system', id: 'sweeper' },
            after: { state: 'released', reason: 'heartbeat_missed' },
          });
        }

        // ---- The database: integrity, nothing half written, invariants. -----------------------
        phase('released');
        await server.stop();
        phase('stopped');
        const db = inspect(kind, { dataDir, url: pgDb?.url ?? null });
        cleanup.push(() => db.close());
        if (kind === 'sqlite') {
          expect(await db.rows('pragma integrity_check')).toEqual([{ integrity_check: 'ok' }]);
          expect(await db.rows('pragma foreign_key_check')).toEqual([]);
        }
        const none = async (what: string, sql: string) => expect(await db.rows(sql), what).toEqual([]);
        await none(
          'customers without their creation event',
          `select c.id from customers c where not exists
             (select 1 from events e where e.account_id = c.account_id and e.subject_id = c.id and e.type = 'customer.created')`,
        );
        await none(
          'activations without their creation event or a lease',
          `select a.id from activations a where
             not exists (select 1 from events e where e.account_id = a.account_id and e.subject_id = a.id and e.type = 'activation.created')
             or not exists (select 1 from leases l where l.account_id = a.account_id and l.activation_id = a.id)`,
        );
        await none(
          'creation events whose subject is missing',
          `select e.id, e.type from events e where
             (e.type = 'customer.created' and not exists (select 1 from customers c where c.account_id = e.account_id and c.id = e.subject_id))
             or (e.type = 'entitlement.created' and not exists (select 1 from entitlements n where n.account_id = e.account_id and n.id = e.subject_id))
             or (e.type = 'activation.created' and not exists (select 1 from activations a where a.account_id = e.account_id and a.id = e.subject_id))`,
        );
        // Every version of an entitlement has its kept copy and its event, and nothing more.
        const versions = await db.rows(
          `select n.id, n.version,
             (select count(*) from entitlement_versions v where v.account_id = n.account_id and v.entitlement_id = n.id) as kept,
             (select count(*) from events e where e.account_id = n.account_id and e.subject_id = n.id and e.type like 'entitlement.%') as events
           from entitlements n`,
        );
        expect(versions.filter((v) => Number(v.kept) !== Number(v.version) || Number(v.events) !== Number(v.version))).toEqual([]);
        await none(
          'rows pointing at something that is not there',
          `select 'lease' as what, l.id from leases l where not exists (select 1 from activations a where a.account_id = l.account_id and a.id = l.activation_id)
           union all select 'activation', a.id from activations a where not exists (select 1 from entitlements n where n.account_id = a.account_id and n.id = a.entitlement_id)
           union all select 'entitlement', n.id from entitlements n where not exists (select 1 from customers c where c.account_id = n.account_id and c.id = n.customer_id)
             or not exists (select 1 from offerings o where o.account_id = n.account_id and o.id = n.offering_id)
           union all select 'usage record', r.id from usage_records r where not exists (select 1 from activations a where a.account_id = r.account_id and a.id = r.activation_id)
           union all select 'version', v.entitlement_id from entitlement_versions v where not exists (select 1 from entitlements n where n.account_id = v.account_id and n.id = v.entitlement_id)`,
        );
        // Usage counters add up to their records, and stay within the quota.
        const counters = await db.rows(
          `select c.entitlement_id, c.period_start, c.used,
             (select coalesce(sum(r.quantity), 0) from usage_records r where r.account_id = c.account_id and r.entitlement_id = c.entitlement_id
                and r.feature = c.feature and r.period_start = c.period_start) as recorded
           from usage_counters c`,
        );
        expect(counters.filter((c) => Number(c.used) !== Number(c.recorded) || Number(c.used) > QUOTA)).toEqual([]);
        const ackedUsage = only(acks, 'usage').reduce((sum, a) => sum + a.record.quantity, 0);
        const recorded = counters.reduce((sum, c) => sum + Number(c.used), 0);
        expect(recorded).toBeGreaterThanOrEqual(ackedUsage);
        expect(recorded - ackedUsage).toBeLessThanOrEqual(5 * unanswered.filter((u) => u.kind === 'usage').length);
        await none(
          'usage records without their counter',
          `select r.id from usage_records r where not exists (select 1 from usage_counters c where c.account_id = r.account_id
             and c.entitlement_id = r.entitlement_id and c.feature = r.feature and c.period_start = r.period_start)`,
        );
        // Live seats never exceed the seats.
        const seats = await db.rows(
          `select n.id, n.overrides, o.seats,
             (select count(*) from activations a where a.account_id = n.account_id and a.entitlement_id = n.id and a.state = 'active') as live
           from entitlements n join offerings o on o.account_id = n.account_id and o.id = n.offering_id`,
        );
        expect(seats.filter((s) => Number(s.live) > (JSON.parse(s.overrides).seats ?? Number(s.seats)))).toEqual([]);
        phase('database checked');
        console.log(`${kind}: ${timeline.join(', ')}`);
      },
    );
  });
}

function countBy(kinds: string[]): string {
  const counts = new Map<string, number>();
  for (const k of kinds) counts.set(k, (counts.get(k) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
}
