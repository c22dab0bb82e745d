import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createHarness, T0, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { projectAll } from './support.js';
import { asLicense, fp, licensed } from '../support/client.js';
import { Projector } from '../../src/capabilities/reports/projector.js';
import { eventFeedOf } from '../../src/capabilities/reports/store/feed.js';
import { closeEndedPeriods } from '../../src/capabilities/usage/statements.js';
import { ReportStore } from '../../src/capabilities/reports/store/duck.js';
import { runReport } from '../../src/capabilities/reports/store/reports.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
const sum = (rows: Json[], m: string) => rows.reduce((s: number, r: Json) => s + r[m], 0);

const project = (h: Harness): Promise<number> => projectAll(h);

/**
 * Rehosts, usage, renewal candidates, expired trials and adoption by version, each compared with
 * the same figures computed from the main database's rows.
 */
describe.each(await storeKinds())('fleet reports on %s', (kind) => {
  let h: Harness;
  const q = <T = Json>(query: ReturnType<typeof sql<T>>) => query.execute(h.services.store.database.db).then((r) => r.rows);
  const range = () => `from=${iso(T0 - DAY)}&to=${iso(h.clock.now() + DAY)}`;

  beforeAll(async () => {
    h = await createHarness(kind);
    // Devices on two versions; one reports a new version, one is rehosted, one taken back by the vendor.
    const lic = await licensed(h, { seats: 20, term: 'P30D', maintenanceTerm: 'P60D' }, { product: 'cad' });
    const ids: string[] = [];
    for (let d = 0; d < 6; d++) {
      h.clock.advance(HOUR);
      const act = await lic.client('activate', { fingerprint: fp(`v-${d}`), platform: 'linux', version: d < 4 ? '1.0.0' : '2.0.0' });
      expect(act.status).toBe(201);
      ids.push(act.body.activation?.id ?? act.body.id);
    }
    h.clock.advance(DAY);
    expect((await lic.client('activate', { fingerprint: fp('v-0'), version: '2.0.0' })).status).toBeLessThan(300);
    expect((await lic.client('deactivate', { fingerprint: fp('v-1') })).status).toBe(204);
    const vendor = (await h.call('GET', `/v1/entitlements/${lic.entitlement.id}/activations`)).body.data.find(
      (a: Json) => a.fingerprint === fp('v-2'),
    );
    expect((await h.call('DELETE', `/v1/activations/${vendor.id}`)).status).toBe(200);
    // Entitlements ending at different times (renewal candidates), and trials.
    for (const term of ['P10D', 'P45D', 'P1Y']) await licensed(h, { term, maintenanceTerm: 'P90D' }, { product: 'viewer' });
    const trials = [];
    for (let i = 0; i < 3; i++) trials.push(await licensed(h, { licenseModel: 'trial', term: 'P14D', seats: 1 }, { product: 'viewer' }));
    const paid = await h.call('POST', '/v1/offerings', {
      productId: 'viewer',
      code: 'viewer-full',
      name: 'Full',
      licenseModel: 'perpetual',
    });
    expect(paid.status).toBe(201);
    expect(
      (await h.call('POST', `/v1/entitlements/${trials[0]!.entitlement.id}/change-offering`, { offeringId: paid.body.id })).status,
    ).toBe(200);
    // Metered usage, billed per month: the first month's period closes.
    await h.call('POST', '/v1/products', { code: 'render', name: 'Render' });
    await h.call('POST', '/v1/products/render/features', { code: 'minutes', name: 'Minutes', type: 'consumption', unit: 'min' });
    await h.call('POST', '/v1/offerings', {
      productId: 'render',
      code: 'render-metered',
      name: 'Metered',
      licenseModel: 'usage',
      features: { minutes: { limit: 0, overage: 'bill' } },
    });
    for (let c = 0; c < 2; c++) {
      const customer = (await h.call('POST', '/v1/customers', { name: `Studio ${c}` })).body;
      const e = (await h.call('POST', '/v1/entitlements', { customerId: customer.id, offeringId: 'render-metered' })).body;
      const client = asLicense(h, e.key);
      await client('activate', { fingerprint: fp(`render-${c}`) });
      const used = await client('usage', {
        fingerprint: fp(`render-${c}`),
        records: [{ feature: 'minutes', quantity: 50 + c * 25, idempotencyKey: `u-${c}` }],
      });
      expect(used.status).toBe(200);
    }
    h.clock.advance(40 * DAY);
    expect(await closeEndedPeriods(h.services)).toBeGreaterThanOrEqual(2);
    expect(await project(h)).toBeGreaterThan(0);
  });
  afterAll(() => h?.close());

  it('rehosts: seats given back to move, and taken back by the vendor, as the activations hold them', async () => {
    const rows = (await h.call('GET', `/v1/reports/rehosts?${range()}&granularity=month`)).body.rows;
    const ended = await q<{ reason: string; n: number | string }>(
      sql`SELECT end_reason AS reason, count(*) AS n FROM activations WHERE account_id = ${h.accountId} AND end_reason IS NOT NULL GROUP BY end_reason`,
    );
    const of = (r: string) => Number(ended.find((e) => e.reason === r)?.n ?? 0);
    expect({ rehosts: sum(rows, 'rehosts'), vendor: sum(rows, 'vendorDeactivations') }).toEqual({
      rehosts: of('rehost'),
      vendor: of('vendor'),
    });
    expect(sum(rows, 'rehosts')).toBe(1);
  });

  it('adoption: devices in use per version at the end of each period equal the live activations', async () => {
    const res = await h.call('GET', `/v1/reports/adoption?${range()}`);
    expect(res.status).toBe(200);
    const last = res.body.rows.filter((r: Json) => r.period === res.body.rows.at(-1).period);
    const live = await q<{ version: string | null; n: number | string }>(
      sql`SELECT app_version AS version, count(*) AS n FROM activations
          WHERE account_id = ${h.accountId} AND state = 'active' GROUP BY app_version`,
    );
    const total = live.reduce((s, r) => s + Number(r.n), 0);
    expect(new Map(last.map((r: Json) => [r.key, r.devices]))).toEqual(new Map(live.map((r) => [r.version, Number(r.n)])));
    expect(sum(last, 'share')).toBeCloseTo(100, 1);
    const v2 = last.find((r: Json) => r.key === '2.0.0');
    expect(v2.share).toBeCloseTo((100 * v2.devices) / total, 1);
    // Carried over: a day with no change still shows the level.
    const days = new Set(res.body.rows.map((r: Json) => r.period));
    expect(days.size).toBeGreaterThan(30);
  });

  it('renewal candidates: live entitlements whose term or maintenance ends in the range', async () => {
    const now = h.clock.now();
    const res = await h.call('GET', `/v1/reports/renewals?from=${iso(now)}&to=${iso(now + 400 * DAY)}&granularity=day`);
    expect(res.status).toBe(200);
    const ents = await q<{ customer: string; ends: number | string | null; maint: number | string | null }>(
      sql`SELECT customer_id AS customer, ends_at AS ends, maintenance_until AS maint FROM entitlements
          WHERE account_id = ${h.accountId} AND state IN ('active', 'suspended')`,
    );
    const expected = new Map<string, { ending: number; maintenanceEnding: number }>();
    const bump = (at: number | string | null, customer: string, m: 'ending' | 'maintenanceEnding') => {
      if (at === null || Number(at) < now || Number(at) >= now + 400 * DAY) return;
      const id = `${iso(Math.floor(Number(at) / DAY) * DAY)}|${customer}`;
      const cell = expected.get(id) ?? { ending: 0, maintenanceEnding: 0 };
      cell[m]++;
      expected.set(id, cell);
    };
    for (const e of ents) {
      bump(e.ends, e.customer, 'ending');
      bump(e.maint, e.customer, 'maintenanceEnding');
    }
    expect(expected.size).toBeGreaterThan(0);
    expect(
      new Map(res.body.rows.map((r: Json) => [`${r.period}|${r.key}`, { ending: r.ending, maintenanceEnding: r.maintenanceEnding }])),
    ).toEqual(expected);
  });

  it('trials expired: still on a trial offering, and their end has passed', async () => {
    const rows = (await h.call('GET', `/v1/reports/trials?${range()}&granularity=month`)).body.rows;
    const [expired] = await q<{ n: number | string }>(
      sql`SELECT count(*) AS n FROM entitlements e JOIN offerings o ON o.account_id = e.account_id AND o.id = e.offering_id
          WHERE e.account_id = ${h.accountId} AND o.license_model = 'trial' AND e.ends_at <= ${h.clock.now()}`,
    );
    expect(sum(rows, 'expired')).toBe(Number(expired!.n));
    expect({ started: sum(rows, 'started'), converted: sum(rows, 'converted'), expired: sum(rows, 'expired') }).toEqual({
      started: 3,
      converted: 1,
      expired: 2,
    });
  });

  it('usage per metered feature: what the closed periods used', async () => {
    const rows = (await h.call('GET', `/v1/reports/usage?${range()}&granularity=month`)).body.rows;
    const closed = await q<{ feature: string; used: number | string; n: number | string }>(
      sql`SELECT feature, sum(used) AS used, count(*) AS n FROM usage_counters
          WHERE account_id = ${h.accountId} AND closed = 1 GROUP BY feature`,
    );
    expect(closed).toHaveLength(1);
    expect(rows.map((r: Json) => [r.key, r.used, r.periods])).toEqual(closed.map((c) => [c.feature, Number(c.used), Number(c.n)]));
    expect(rows[0].used).toBe(125);
  });

  it('a deactivation projected after a restart is counted under the version its device last reported', async () => {
    // A store of its own (the server's background job feeds the other): one projector, then a
    // second that remembers nothing, so the device's state comes from the store's index.
    const store = await ReportStore.open(':memory:');
    const projector = () =>
      new Projector(eventFeedOf(h.services.store.database), store, { run: (work) => work() }, { batch: 100, holdMs: 0 });
    const lic = await licensed(h, { seats: 5 }, { product: 'cad' });
    await lic.client('activate', { fingerprint: fp('late'), platform: 'windows', version: '3.0.0' });
    await projectAll(h, projector(), store);
    await lic.client('activate', { fingerprint: fp('late'), version: '3.1.0' });
    expect((await lic.client('deactivate', { fingerprint: fp('late') })).status).toBe(204);
    expect(await projectAll(h, projector(), store)).toBe(2);
    const rows = await runReport(
      store,
      'activations',
      { accountId: h.accountId, productId: null },
      { from: T0 - DAY, to: h.clock.now() + DAY, now: h.clock.now(), granularity: 'month', by: 'version' },
    );
    store.close();
    const byVersion = await q<{ version: string | null; n: number | string }>(
      sql`SELECT app_version AS version, count(*) AS n FROM activations
          WHERE account_id = ${h.accountId} AND ended_at IS NOT NULL GROUP BY app_version`,
    );
    const reported = new Map<string | null, number>();
    for (const r of rows) if (Number(r['deactivations']) > 0) reported.set(r.key, (reported.get(r.key) ?? 0) + Number(r['deactivations']));
    expect(reported).toEqual(new Map(byVersion.map((r) => [r.version, Number(r.n)])));
    expect(reported.get('3.1.0')).toBe(1);
  });

  it('entitlements as they stand now, kept batch by batch, equal their events aggregated and the main database', async () => {
    // One event per batch: every entitlement event merged into a row an earlier batch left.
    const store = await ReportStore.open(':memory:');
    const projector = new Projector(eventFeedOf(h.services.store.database), store, { run: (work) => work() }, { batch: 1, holdMs: 0 });
    await projectAll(h, projector, store);
    const kept = await store.rows<Json>(
      `SELECT id, customer_id, product_id, model, state, ends_at, maintenance_until FROM entitlements_now
       WHERE account_id = $1 ORDER BY id`,
      [h.accountId],
    );
    const last = (c: string) => `last(${c} ORDER BY at_ms, event_id) FILTER (WHERE ${c} IS NOT NULL)`;
    const aggregated = await store.rows<Json>(
      `SELECT subject_id AS id, last(customer_id ORDER BY at_ms, event_id) AS customer_id, any_value(product_id) AS product_id,
              last(model ORDER BY at_ms, event_id) FILTER (WHERE type IN ('entitlement.created', 'entitlement.offering_changed')) AS model,
              ${last('state')} AS state, ${last('ends_at')} AS ends_at, ${last('maintenance_until')} AS maintenance_until
       FROM facts WHERE account_id = $1 AND starts_with(type, 'entitlement.') GROUP BY subject_id ORDER BY id`,
      [h.accountId],
    );
    store.close();
    expect(kept.length).toBeGreaterThan(3);
    expect(kept).toEqual(aggregated);
    const main = await q<{ id: string; customer_id: string; state: string }>(
      sql`SELECT id, customer_id, state FROM entitlements WHERE account_id = ${h.accountId} ORDER BY id`,
    );
    const now = new Map(kept.map((r: Json) => [r.id, { customer_id: r.customer_id, state: r.state }]));
    expect(now).toEqual(new Map(main.map((r) => [r.id, { customer_id: r.customer_id, state: r.state }])));
  });

  it("a key limited to one product sees that product's figures only, in every new report", async () => {
    const key = (await h.call('POST', '/v1/api-keys', { name: 'render reader', role: 'readonly', productId: 'render' })).body.key;
    const usage = (await h.call('GET', `/v1/reports/usage?${range()}`, undefined, { key })).body.rows;
    expect(sum(usage, 'used')).toBe(125);
    for (const name of ['rehosts', 'adoption', 'renewals', 'trials']) {
      const res = await h.call('GET', `/v1/reports/${name}?${range()}`, undefined, { key });
      expect(res.status).toBe(200);
      // The render product has no rehosts, trials or ends, and its devices no version: nothing of cad's or viewer's shows.
      const counted = res.body.rows.filter((r: Json) => res.body.measures.some((m: string) => r[m] !== 0));
      expect(counted.every((r: Json) => r.key === null)).toBe(true);
    }
    const csv = await h.call('GET', `/v1/reports/adoption?${range()}&format=csv&granularity=month`);
    expect(csv.raw.body.split('\n')[0]).toBe('period,key,devices,share');
  });
  it('a custom query (measures by dimensions) equals the same figures from the main database', async () => {
    await project(h);
    const query = (body: Record<string, unknown>, key?: string) =>
      h.call('POST', '/v1/reports/query', { from: iso(T0 - DAY), to: iso(h.clock.now() + DAY), ...body }, key ? { key } : undefined);
    const res = await query({
      measures: ['activations', 'deactivations', 'rehosts'],
      dimensions: ['product', 'version'],
      granularity: 'none',
    });
    expect(res.status).toBe(200);
    const main = await q<{ product: string; version: string | null; a: number | string; d: number | string; r: number | string }>(
      sql`SELECT product_id AS product, app_version AS version, count(*) AS a,
                 count(ended_at) AS d, count(*) FILTER (WHERE end_reason = 'rehost') AS r
          FROM activations WHERE account_id = ${h.accountId} GROUP BY product_id, app_version`,
    );
    // A device counts under the version it had at each event: compare the totals per product, and the versions of seats taken.
    const perProduct = (rows: Json[], m: string) => {
      const out = new Map<string, number>();
      for (const r of rows) out.set(r.product, (out.get(r.product) ?? 0) + Number(r[m]));
      return out;
    };
    expect(perProduct(res.body.rows, 'activations')).toEqual(perProduct(main, 'a'));
    expect(perProduct(res.body.rows, 'deactivations')).toEqual(perProduct(main, 'd'));
    expect(perProduct(res.body.rows, 'rehosts')).toEqual(perProduct(main, 'r'));
    expect(Object.keys(res.body.rows[0]).sort()).toEqual(['activations', 'deactivations', 'product', 'rehosts', 'version']);

    // Filtered, by month: only the cad product's seats.
    const cad = (await h.call('GET', '/v1/products/cad')).body.id;
    const monthly = await query({ measures: ['activations'], filters: [{ dimension: 'product', values: [cad] }], granularity: 'month' });
    const [cadSeats] = await q<{ n: number | string }>(
      sql`SELECT count(*) AS n FROM activations WHERE account_id = ${h.accountId} AND product_id = ${cad}`,
    );
    expect(sum(monthly.body.rows, 'activations')).toBe(Number(cadSeats!.n));
    expect(monthly.body.rows.every((r: Json) => typeof r.period === 'string')).toBe(true);

    // Usage per feature and customer, totals only.
    const usage = await query({ measures: ['usage'], dimensions: ['feature'], granularity: 'none' });
    expect(usage.body.rows).toEqual([{ feature: 'minutes', usage: 125 }]);

    // A key limited to one product sees its figures only.
    const key = (await h.call('POST', '/v1/api-keys', { name: 'cad query', role: 'readonly', productId: 'cad' })).body.key;
    const scoped = await query({ measures: ['events'], dimensions: ['product'], granularity: 'none' }, key);
    expect(scoped.status).toBe(200);
    expect(scoped.body.rows.map((r: Json) => r.product)).toEqual([cad]);
  });

  it('a custom query takes names from the model only: unknown names, SQL and malformed filters are refused', async () => {
    const range = { from: iso(T0), to: iso(h.clock.now()) };
    const refused = [
      { measures: [] },
      { measures: ['activations; DROP TABLE facts'] },
      { measures: ['activations'], dimensions: ['product_id'] },
      { measures: ['activations'], dimensions: ['product', 'product'] },
      { measures: ['activations'], filters: [{ dimension: 'product', values: [] }] },
      {
        measures: ['activations'],
        filters: [
          { dimension: 'product', values: ['a'] },
          { dimension: 'product', values: ['b'] },
        ],
      },
      { measures: ['activations'], granularity: 'year' },
      { measures: ['activations'], sql: 'SELECT 1' },
      { measures: ['activations'], from: iso(h.clock.now()), to: iso(T0) },
    ];
    for (const body of refused) {
      const res = await h.call('POST', '/v1/reports/query', { ...range, ...body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('INVALID_REQUEST');
    }
    // A value is a bound parameter, never SQL: it matches nothing.
    const odd = await h.call('POST', '/v1/reports/query', {
      ...range,
      measures: ['events'],
      filters: [{ dimension: 'customer', values: ["x' OR '1'='1"] }],
      granularity: 'none',
    });
    expect(odd.body.rows).toEqual([{ events: 0 }]);
  });
  it('saved reports: save, list, run over a range, change, delete; a product-limited key sees its own only', async () => {
    await project(h);
    const saved = await h.call('POST', '/v1/saved-reports', {
      name: 'Seats by version',
      query: { measures: ['activations', 'deactivations'], dimensions: ['version'], granularity: 'none' },
    });
    expect(saved.status).toBe(201);
    expect(saved.body.query).toEqual({
      measures: ['activations', 'deactivations'],
      dimensions: ['version'],
      filters: [],
      granularity: 'none',
    });
    const run = await h.call('GET', `/v1/saved-reports/${saved.body.id}/run?from=${iso(T0 - DAY)}&to=${iso(h.clock.now() + DAY)}`);
    expect(run.status).toBe(200);
    const direct = await h.call('POST', '/v1/reports/query', {
      ...saved.body.query,
      from: iso(T0 - DAY),
      to: iso(h.clock.now() + DAY),
    });
    expect(run.body).toEqual(direct.body);
    const [seats] = await q<{ n: number | string }>(sql`SELECT count(*) AS n FROM activations WHERE account_id = ${h.accountId}`);
    expect(sum(run.body.rows, 'activations')).toBe(Number(seats!.n));

    const renamed = await h.call('PATCH', `/v1/saved-reports/${saved.body.id}`, { name: 'Seats' });
    expect(renamed.body).toMatchObject({ name: 'Seats', query: saved.body.query });
    expect((await h.call('PATCH', `/v1/saved-reports/${saved.body.id}`, { query: { measures: ['nonsense'] } })).status).toBe(400);
    expect((await h.call('POST', '/v1/saved-reports', { name: 'x', query: { measures: ['events'], from: iso(T0) } })).body.error.code).toBe(
      'INVALID_REQUEST',
    );

    const key = (await h.call('POST', '/v1/api-keys', { name: 'viewer saver', role: 'support', productId: 'viewer' })).body.key;
    const mine = await h.call('POST', '/v1/saved-reports', { name: 'Viewer trials', query: { measures: ['trialsStarted'] } }, { key });
    expect(mine.status).toBe(201);
    expect(mine.body.productId).not.toBeNull();
    const theirs = (await h.call('GET', '/v1/saved-reports', undefined, { key })).body.data.map((r: Json) => r.id);
    expect(theirs).toEqual([mine.body.id]);
    expect((await h.call('GET', `/v1/saved-reports/${saved.body.id}`, undefined, { key })).status).toBe(404);
    expect((await h.call('DELETE', `/v1/saved-reports/${saved.body.id}`, undefined, { key })).status).toBe(404);
    const readonly = (await h.call('POST', '/v1/api-keys', { name: 'reader', role: 'readonly' })).body.key;
    expect((await h.call('POST', '/v1/saved-reports', { name: 'x', query: { measures: ['events'] } }, { key: readonly })).status).toBe(403);

    const all = (await h.call('GET', '/v1/saved-reports')).body.data.map((r: Json) => r.id);
    expect(new Set(all)).toEqual(new Set([saved.body.id, mine.body.id]));
    expect((await h.call('DELETE', `/v1/saved-reports/${saved.body.id}`)).status).toBe(204);
    expect((await h.call('GET', `/v1/saved-reports/${saved.body.id}`)).status).toBe(404);
  });
});
