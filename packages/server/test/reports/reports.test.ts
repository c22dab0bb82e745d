import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createHarness, T0, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { projectAll } from './support.js';
import { fp, licensed } from '../support/client.js';
import { reportingOf, rebuildReports } from '../../src/capabilities/reports/routes/runtime.js';
import { runReport } from '../../src/capabilities/reports/store/reports.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** What the reporting store has projected, run now (the server's job does this every 200 ms). */
const project = (h: Harness): Promise<number> => projectAll(h);

/**
 * A small fleet over five days: devices of two products on three platforms activate, some give
 * their seat back; the reports' figures are compared with the same figures computed from the
 * main database's activation rows.
 */
describe.each(await storeKinds())('reports on %s', (kind) => {
  let h: Harness;
  const products: Record<string, string> = {};
  beforeAll(async () => {
    h = await createHarness(kind);
    const platforms = ['linux', 'windows', 'macos'];
    let n = 0;
    for (const code of ['cad', 'viewer']) {
      for (let e = 0; e < 2; e++) {
        const lic = await licensed(h, { seats: 20 }, { product: code });
        products[code] = lic.product.id;
        for (let d = 0; d < 5; d++) {
          h.clock.advance(7 * HOUR);
          const device = fp(`${code}-${e}-${d}-${n++}`);
          const act = await lic.client('activate', { fingerprint: device, platform: platforms[n % 3], meta: {} });
          expect(act.status).toBe(201);
          if (d % 2 === 1) {
            h.clock.advance(HOUR);
            expect((await lic.client('deactivate', { fingerprint: device })).status).toBe(204);
          }
        }
      }
    }
  });
  afterAll(() => h?.close());

  /** Activations and deactivations per day and key, from the main database's activation rows. */
  async function fromMainDatabase(key: 'product_id' | 'platform'): Promise<Map<string, { a: number; d: number }>> {
    const { rows } = await sql<{ key: string | null; created_at: string | number; ended_at: string | number | null }>`
      SELECT ${sql.ref(key)} AS key, created_at, ended_at FROM activations WHERE account_id = ${h.accountId}`.execute(
      h.services.store.database.db,
    );
    const out = new Map<string, { a: number; d: number }>();
    const bump = (at: number, k: string | null, field: 'a' | 'd') => {
      const id = `${iso(Math.floor(at / DAY) * DAY)}|${k}`;
      const cell = out.get(id) ?? { a: 0, d: 0 };
      cell[field]++;
      out.set(id, cell);
    };
    for (const r of rows) {
      bump(Number(r.created_at), r.key, 'a');
      if (r.ended_at !== null) bump(Number(r.ended_at), r.key, 'd');
    }
    return out;
  }

  const asMap = (rows: Json[]) => new Map(rows.map((r) => [`${r.period}|${r.key}`, { a: r.activations, d: r.deactivations }]));
  const range = () => `from=${iso(T0 - DAY)}&to=${iso(h.clock.now() + DAY)}`;

  it('the activations report, by product and by platform, equals the figures from the main database', async () => {
    expect(await project(h)).toBeGreaterThan(0);
    for (const [by, column] of [
      ['product', 'product_id'],
      ['platform', 'platform'],
    ] as const) {
      const res = await h.call('GET', `/v1/reports/activations?${range()}&by=${by}`);
      expect(res.status).toBe(200);
      expect(asMap(res.body.rows)).toEqual(await fromMainDatabase(column));
    }
    const total = (await h.call('GET', `/v1/reports/activations?${range()}&by=none&granularity=month`)).body.rows;
    expect(total.reduce((s: number, r: Json) => s + r.activations, 0)).toBe(20);
    expect(total.reduce((s: number, r: Json) => s + r.deactivations, 0)).toBe(8);
  });

  it('the deployment report (seats in use, daily high and low marks) equals a replay of the main database', async () => {
    const { rows } = await sql<{ key: string; created_at: string | number; ended_at: string | number | null }>`
      SELECT product_id AS key, created_at, ended_at FROM activations WHERE account_id = ${h.accountId}`.execute(
      h.services.store.database.db,
    );
    const changes = rows
      .flatMap((r) => [
        { at: Number(r.created_at), key: r.key, d: 1 },
        ...(r.ended_at === null ? [] : [{ at: Number(r.ended_at), key: r.key, d: -1 }]),
      ])
      .sort((a, b) => a.at - b.at);
    const level = new Map<string, number>();
    const expected = new Map<string, { high: number; low: number; end: number }>();
    for (const c of changes) {
      const before = level.get(c.key) ?? 0;
      const after = before + c.d;
      level.set(c.key, after);
      const id = `${iso(Math.floor(c.at / DAY) * DAY)}|${c.key}`;
      const cell = expected.get(id) ?? { high: before, low: before, end: before };
      expected.set(id, { high: Math.max(cell.high, after), low: Math.min(cell.low, after), end: after });
    }
    const res = await h.call('GET', `/v1/reports/deployment?${range()}`);
    expect(res.status).toBe(200);
    expect(new Map(res.body.rows.map((r: Json) => [`${r.period}|${r.key}`, { high: r.high, low: r.low, end: r.end }]))).toEqual(expected);
    // A range starting later still carries the level from before it.
    const last = (await h.call('GET', `/v1/reports/deployment?from=${iso(h.clock.now() - HOUR)}&to=${iso(h.clock.now() + HOUR)}&by=none`))
      .body.rows;
    expect(last.at(-1).end).toBe(12);
  });

  it('deployment: seats purchased per product, customer and entitlement equal the main database, after an override, an offering seat change, a suspension, a revocation, a term that ended, one renewed after it ended and one ending ahead', async () => {
    const overridden = await licensed(h, { seats: 4 }, { product: 'cad' });
    const onOffering = await licensed(h, { seats: 6 }, { product: 'cad' });
    const suspended = await licensed(h, { seats: 3 }, { product: 'viewer' });
    const revoked = await licensed(h, { seats: 5 }, { product: 'viewer' });
    // Terms that end 30 hours on (a day after the one they start in): one lapses, one is renewed after it lapsed.
    const bought = h.clock.now();
    const term = { endsAt: iso(bought + 30 * HOUR) };
    const lapsed = await licensed(h, { seats: 4 }, { product: 'viewer', entitlement: term });
    const renewed = await licensed(h, { seats: 2 }, { product: 'cad', entitlement: term });
    h.clock.advance(DAY);
    expect((await h.call('PATCH', `/v1/entitlements/${overridden.entitlement.id}`, { overrides: { seats: 9 } })).status).toBe(200);
    expect((await overridden.client('activate', { fingerprint: fp('bought-1'), platform: 'linux', meta: {} })).status).toBe(201);
    h.clock.advance(DAY);
    // Reaches the entitlement without an override only.
    expect((await h.call('PATCH', `/v1/offerings/${onOffering.offering.id}`, { seats: 8 })).status).toBe(200);
    expect((await h.call('PATCH', `/v1/offerings/${overridden.offering.id}`, { seats: 2 })).status).toBe(200);
    expect((await h.call('POST', `/v1/entitlements/${suspended.entitlement.id}/suspend`, {})).status).toBe(200);
    expect((await h.call('POST', `/v1/entitlements/${revoked.entitlement.id}/revoke`, {})).status).toBe(200);
    h.clock.advance(DAY);
    // Renewed 42 hours after its end (from now, since it had lapsed): its seats are back from here.
    const renewal = h.clock.now();
    const again = await h.call('POST', `/v1/entitlements/${renewed.entitlement.id}/renew`, {});
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    // Its term ends early tomorrow, ahead of the clock: the drop shows in that (future) period.
    const aheadEnd = Math.floor(h.clock.now() / DAY) * DAY + DAY + HOUR;
    const ahead = await licensed(h, { seats: 6 }, { product: 'cad', entitlement: { endsAt: iso(aheadEnd) } });
    // Starts in five days: bought now (counted from its grant, as a suspended one is).
    const notStarted = await licensed(h, { seats: 3 }, { product: 'viewer', entitlement: { startsAt: iso(h.clock.now() + 5 * DAY) } });
    await project(h);
    const { rows: held } = await sql<{
      id: string;
      product_id: string;
      customer_id: string;
      state: string;
      overrides: string;
      seats: number;
      ends_at: string | number | null;
    }>`
      SELECT e.id, e.product_id, e.customer_id, e.state, e.overrides, e.ends_at, o.seats FROM entitlements e
      JOIN offerings o ON o.account_id = e.account_id AND o.id = e.offering_id WHERE e.account_id = ${h.accountId}`.execute(
      h.services.store.database.db,
    );
    const { rows: live } = await sql<{ entitlement_id: string; n: number | string }>`
      SELECT entitlement_id, count(*) AS n FROM activations WHERE account_id = ${h.accountId} AND ended_at IS NULL
      GROUP BY entitlement_id`.execute(h.services.store.database.db);
    const inUse = new Map(live.map((r) => [r.entitlement_id, Number(r.n)]));
    for (const [by, column] of [
      ['product', 'product_id'],
      ['customer', 'customer_id'],
      ['entitlement', 'id'],
    ] as const) {
      // The main database: live entitlements (active or suspended) at their effective seats, unless
      // their end comes before the range's end (the last row of each key is as of then).
      const to = h.clock.now() + DAY;
      const expected = new Map<string, number>();
      for (const e of held) {
        const seats = (JSON.parse(e.overrides) as { seats?: number }).seats ?? Number(e.seats);
        const bought = (e.state === 'active' || e.state === 'suspended') && (e.ends_at === null || Number(e.ends_at) >= to);
        expected.set(e[column], (expected.get(e[column]) ?? 0) + (bought ? seats : 0));
      }
      const res = await h.call('GET', `/v1/reports/deployment?${range()}&by=${by}`);
      expect(res.body.measures).toEqual(['high', 'low', 'end', 'purchased']);
      const last = new Map<string, Json>(res.body.rows.map((r: Json) => [r.key, r]));
      expect(new Map([...last].map(([k, r]) => [k, r.purchased]))).toEqual(expected);
      if (by === 'entitlement') {
        for (const e of held) expect(last.get(e.id).end).toBe(inUse.get(e.id) ?? 0);
        expect(last.get(overridden.entitlement.id)).toMatchObject({ purchased: 9, end: 1 });
        expect(last.get(onOffering.entitlement.id)).toMatchObject({ purchased: 8, end: 0 });
        expect(last.get(suspended.entitlement.id).purchased).toBe(3);
        expect(last.get(revoked.entitlement.id).purchased).toBe(0);
        expect(last.get(lapsed.entitlement.id).purchased).toBe(0);
        expect(last.get(renewed.entitlement.id).purchased).toBe(2);
        expect(last.get(notStarted.entitlement.id).purchased).toBe(3);
      }
    }
    // Per day: bought from the grant, 0 from the day its term ended, back from the renewal's day.
    const day = (at: number) => iso(Math.floor(at / DAY) * DAY);
    const perDay = async (id: string, to = h.clock.now() + DAY) =>
      new Map(
        (await h.call('GET', `/v1/reports/deployment?from=${iso(T0 - DAY)}&to=${iso(to)}&by=entitlement`)).body.rows
          .filter((r: Json) => r.key === id)
          .map((r: Json) => [r.period, r.purchased]),
      );
    expect(await perDay(lapsed.entitlement.id)).toEqual(
      new Map([
        [day(bought), 4],
        [day(bought + 30 * HOUR), 0],
      ]),
    );
    expect(await perDay(renewed.entitlement.id)).toEqual(
      new Map([
        [day(bought), 2],
        [day(bought + 30 * HOUR), 0],
        [day(renewal), 2],
      ]),
    );
    // An end ahead of the clock, in a range that reaches it: the drop in that future period.
    expect(day(aheadEnd) > day(h.clock.now())).toBe(true);
    expect(await perDay(ahead.entitlement.id, aheadEnd + DAY)).toEqual(
      new Map([
        [day(h.clock.now()), 6],
        [day(aheadEnd), 0],
      ]),
    );
    expect(await perDay(notStarted.entitlement.id)).toEqual(new Map([[day(h.clock.now()), 3]]));
    // The same from every fact (the rollups' reference), by product and by entitlement, filtered or not.
    const { store } = await reportingOf(h.services);
    const scope = { accountId: h.accountId, productId: null };
    const q = { from: T0 - DAY, to: h.clock.now() + DAY, now: h.clock.now(), granularity: 'day' as const };
    for (const by of ['product', 'customer', 'entitlement', 'platform', 'none'] as const)
      for (const filter of [{}, { product: products['cad'] }, { customer: overridden.customer.id }])
        expect(await runReport(store, 'deployment', scope, { ...q, ...filter, by })).toEqual(
          await runReport(store, 'deployment', scope, { ...q, ...filter, by, fromFacts: true }),
        );
    const platforms = (await h.call('GET', `/v1/reports/deployment?${range()}&by=platform`)).body.rows;
    expect(platforms.every((r: Json) => r.purchased === null)).toBe(true);
  });

  it('deployment filtered by product, by platform and by version, equals a replay of the main database', async () => {
    const { rows } = await sql<{ key: string | null; created_at: string | number; ended_at: string | number | null }>`
      SELECT platform AS key, created_at, ended_at FROM activations WHERE account_id = ${h.accountId} AND product_id = ${products['cad']}`.execute(
      h.services.store.database.db,
    );
    const changes = rows
      .flatMap((r) => [
        { at: Number(r.created_at), key: r.key, d: 1 },
        ...(r.ended_at === null ? [] : [{ at: Number(r.ended_at), key: r.key, d: -1 }]),
      ])
      .sort((a, b) => a.at - b.at);
    const level = new Map<string | null, number>();
    const expected = new Map<string, { high: number; low: number; end: number }>();
    for (const c of changes) {
      const before = level.get(c.key) ?? 0;
      const after = before + c.d;
      level.set(c.key, after);
      const id = `${iso(Math.floor(c.at / DAY) * DAY)}|${c.key}`;
      const cell = expected.get(id) ?? { high: before, low: before, end: before };
      expected.set(id, { high: Math.max(cell.high, after), low: Math.min(cell.low, after), end: after });
    }
    const res = await h.call('GET', `/v1/reports/deployment?${range()}&by=platform&product=${products['cad']}`);
    expect(res.status).toBe(200);
    expect(new Map(res.body.rows.map((r: Json) => [`${r.period}|${r.key}`, { high: r.high, low: r.low, end: r.end }]))).toEqual(expected);
    // A key limited to the product sees the same.
    const key = (await h.call('POST', '/v1/api-keys', { name: 'cad deployment', role: 'readonly', productId: 'cad' })).body.key;
    expect((await h.call('GET', `/v1/reports/deployment?${range()}&by=platform`, undefined, { key })).body.rows).toEqual(res.body.rows);
  });

  it('the trials report counts trials started and converted, as the main database holds them', async () => {
    const trials = [];
    for (let i = 0; i < 3; i++) trials.push(await licensed(h, { licenseModel: 'trial', term: 'P14D', seats: 1 }, { product: 'viewer' }));
    const paid = (
      await h.call('POST', '/v1/offerings', {
        productId: products['viewer'],
        code: 'viewer-pro',
        name: 'Pro',
        licenseModel: 'perpetual',
        seats: 1,
      })
    ).body;
    expect(paid.id).toBeTruthy();
    h.clock.advance(2 * DAY);
    const moved = await h.call('POST', `/v1/entitlements/${trials[0]!.entitlement.id}/change-offering`, { offeringId: paid.id });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    await project(h);
    const rows = (await h.call('GET', `/v1/reports/trials?${range()}&granularity=month`)).body.rows;
    const sum = (m: string) => rows.reduce((s: number, r: Json) => s + r[m], 0);
    // The main database: entitlements now on a trial offering, and those that left one.
    const { rows: onTrial } = await sql<{ n: number | string }>`
      SELECT count(*) AS n FROM entitlements e JOIN offerings o ON o.account_id = e.account_id AND o.id = e.offering_id
      WHERE e.account_id = ${h.accountId} AND o.license_model = 'trial'`.execute(h.services.store.database.db);
    expect(sum('started') - sum('converted')).toBe(Number(onTrial[0]!.n));
    expect({ started: sum('started'), converted: sum('converted') }).toEqual({ started: 3, converted: 1 });
  });

  it('filters by product, answers CSV, and refuses unknown or malformed parameters', async () => {
    const one = await h.call('GET', `/v1/reports/activations?${range()}&product=${products['cad']}`);
    expect(new Set(one.body.rows.map((r: Json) => r.key))).toEqual(new Set([products['cad']]));
    const csv = await h.call('GET', `/v1/reports/activations?${range()}&format=csv&by=none&granularity=month`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.raw.body.split('\n')[0]).toBe('period,key,activations,deactivations');
    expect((await h.call('GET', `/v1/reports/activations?${range()}&colour=red`)).status).toBe(400);
    expect((await h.call('GET', `/v1/reports/activations?granularity=fortnight`)).status).toBe(400);
    expect((await h.call('GET', `/v1/reports/nonsense`)).status).toBe(400);
    expect((await h.call('GET', `/v1/reports/returns?by=platform`)).body.error.code).toBe('INVALID_REQUEST');
    expect((await h.call('GET', `/v1/reports/activations?from=${iso(T0)}&to=${iso(T0)}`)).body.error.code).toBe('INVALID_REQUEST');
  });

  it("a key limited to one product sees that product's figures only", async () => {
    const key = (await h.call('POST', '/v1/api-keys', { name: 'cad reader', role: 'readonly', productId: 'cad' })).body.key;
    const all = await h.call('GET', `/v1/reports/activations?${range()}&by=product`, undefined, { key });
    expect(all.status).toBe(200);
    expect(new Set(all.body.rows.map((r: Json) => r.key))).toEqual(new Set([products['cad']]));
    const other = await h.call('GET', `/v1/reports/activations?${range()}&product=${products['viewer']}`, undefined, { key });
    expect(other.body.rows).toEqual([]);
  });

  it("one account's reports hold none of another account's events", async () => {
    const other = await h.newAccount();
    const res = await h.call('GET', `/v1/reports/events?${range()}`, undefined, { key: other.adminKey });
    expect(res.status).toBe(200);
    expect(res.body.rows.filter((r: Json) => r.key !== 'account.created' && r.key !== 'api_key.created')).toEqual([]);
  });

  it('a rebuild from the event log gives identical reports', async () => {
    const names = ['activations', 'deployment', 'trials', 'returns', 'entitlements', 'downloads', 'events'];
    await project(h);
    const before = await Promise.all(names.map((n) => h.call('GET', `/v1/reports/${n}?${range()}`)));
    const status = (await h.call('GET', '/v1/reports/status')).body;
    await rebuildReports(h.services);
    const after = await Promise.all(names.map((n) => h.call('GET', `/v1/reports/${n}?${range()}`)));
    expect(after.map((r) => r.body)).toEqual(before.map((r) => r.body));
    expect((await h.call('GET', '/v1/reports/status')).body).toEqual(status);
  });

  it.runIf(kind === 'postgres')('a transaction left open holds the feed back without skipping, and the lag says so', async () => {
    const lic = await licensed(h, { seats: 5 }, { product: 'cad' });
    await project(h);
    const { projector } = await reportingOf(h.services);
    // A transaction with a transaction id, held open: events committed after it wait for it.
    let release!: () => void;
    let began!: () => void;
    const holding = new Promise<void>((r) => (release = r));
    const started = new Promise<void>((r) => (began = r));
    const held = h.services.store.database.db.transaction().execute(async (trx) => {
      await sql`SELECT pg_current_xact_id()`.execute(trx);
      began();
      await holding;
    });
    await started;
    try {
      expect((await lic.client('activate', { fingerprint: fp('behind-open'), platform: 'linux' })).status).toBe(201);
      h.clock.advance(2_000);
      expect((await projector.catchUp()).projected).toBe(0);
      expect((await h.call('GET', '/v1/reports/status')).body.lagMs).toBe(2_000);
    } finally {
      release();
      await held;
    }
    expect(await project(h)).toBe(1);
    expect((await h.call('GET', '/v1/reports/status')).body.lagMs).toBe(0);
  });

  it('an activation shows in the report within the lag the status route reports', async () => {
    const lic = await licensed(h, { seats: 5 }, { product: 'cad' });
    await project(h);
    h.clock.advance(60_000);
    const at = h.clock.now();
    expect((await h.call('GET', '/v1/reports/status')).body.lagMs).toBe(0);
    expect((await lic.client('activate', { fingerprint: fp('late'), platform: 'linux' })).status).toBe(201);
    h.clock.advance(1500);
    const waiting = (await h.call('GET', '/v1/reports/status')).body;
    expect(waiting.lagMs).toBe(1500);
    const count = async () =>
      (await h.call('GET', `/v1/reports/activations?from=${iso(at)}&to=${iso(at + DAY)}&by=none`)).body.rows.reduce(
        (s: number, r: Json) => s + r.activations,
        0,
      );
    expect(await count()).toBe(0);
    await project(h);
    expect(await count()).toBe(1);
    const done = (await h.call('GET', '/v1/reports/status')).body;
    expect(done).toMatchObject({ store: 'duckdb', lagMs: 0, lastEventAt: iso(at) });
    expect(done.events).toBe(waiting.events + 1);
  });
});
