import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { parseVersion, versionKey } from '@leasehold/contract';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { asLicense, fp, licensed } from '../support/client.js';
import { projectAll } from './support.js';
import { rebuildReports } from '../../src/capabilities/reports/routes/runtime.js';
import { sha256, upload } from '../releases/support.js';
import { flushValidationCounts, tallyOf } from '../../src/capabilities/licensing/validation/tally.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();
const dayOf = (ms: number) => iso(Math.floor(ms / DAY) * DAY);
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Validation outcomes: validations with known outcomes, counted in memory and written by a flush
 * (called here as the server's job calls it, on the injected clock), equal the report's figures.
 */
describe.each(await storeKinds())('validation outcomes on %s', (kind) => {
  let h: Harness;
  /** What each validation answered, as the client saw it: day of its flush, product, customer, code. */
  const answered: Array<{ day: string; product: string; customer: string; code: string }> = [];
  const pending: Array<{ product: string; customer: string; code: string }> = [];

  async function validateAs(lic: Awaited<ReturnType<typeof licensed>>, body: Record<string, unknown>, code: string) {
    const res = await lic.client('validate', body);
    expect(res.status).toBe(200);
    expect(res.body.code).toBe(code);
    pending.push({ product: lic.product.id, customer: lic.customer.id, code });
  }
  async function flush(): Promise<number> {
    const written = await flushValidationCounts(h.services);
    for (const p of pending.splice(0)) answered.push({ ...p, day: dayOf(h.clock.now()) });
    return written;
  }

  beforeAll(async () => {
    h = await createHarness(kind);
    const good = await licensed(h, { seats: 1, seatModel: 'node_locked' }, { product: 'cad' });
    const suspended = await licensed(h, {}, { product: 'cad' });
    const short = await licensed(h, { term: 'P1D' }, { product: 'viewer' });
    expect((await good.client('activate', { fingerprint: fp('good') })).status).toBe(201);
    expect((await h.call('POST', `/v1/entitlements/${suspended.entitlement.id}/suspend`, { reason: 'unpaid' })).status).toBe(200);

    for (let i = 0; i < 3; i++) await validateAs(good, { fingerprint: fp('good') }, 'VALID');
    await validateAs(good, {}, 'VALID');
    await validateAs(good, { fingerprint: fp('stranger') }, 'FINGERPRINT_MISMATCH');
    await validateAs(good, { features: ['nonexistent'] }, 'FEATURE_MISSING');
    await validateAs(good, { product: 'viewer' }, 'PRODUCT_MISMATCH');
    for (let i = 0; i < 2; i++) await validateAs(suspended, {}, 'SUSPENDED');
    await validateAs(short, {}, 'VALID');
    await validateAs(short, { fingerprint: fp('nobody') }, 'NOT_ACTIVATED');
    // A key no license has: answered NOT_FOUND, owned by no account, so in no account's report.
    const unknown = await asLicense(h, 'LH-UNKNOWN-KEY-0000')('validate', {});
    expect(unknown.body.code).toBe('NOT_FOUND');
    expect(await flush()).toBe(1);
    expect(await flush()).toBe(0); // nothing counted since: no event

    h.clock.advance(2 * DAY);
    await validateAs(short, {}, 'EXPIRED');
    await validateAs(short, {}, 'EXPIRED');
    await validateAs(good, { fingerprint: fp('good') }, 'VALID');
    expect(await flush()).toBe(1);
    await projectAll(h);
  });
  afterAll(() => h?.close());

  const range = () => `from=${iso(h.clock.now() - 10 * DAY)}&to=${iso(h.clock.now() + DAY)}`;

  /** The expected rows of a `by`, from what the validations answered. */
  function expected(by: 'code' | 'product' | 'customer'): Map<string, Record<string, number>> {
    const out = new Map<string, Record<string, number>>();
    for (const a of answered) {
      const id = `${a.day}|${by === 'code' ? a.code : by === 'product' ? a.product : a.customer}`;
      const row = out.get(id) ?? { valid: 0, refused: 0 };
      if (a.code === 'VALID') row['valid']!++;
      else {
        row['refused']!++;
        row[a.code] = (row[a.code] ?? 0) + 1;
      }
      out.set(id, row);
    }
    return out;
  }
  /** A report's rows as the same map (codes counting zero left out). */
  const asMap = (rows: Json[]) =>
    new Map(
      rows.map((r: Json) => {
        const { period, key, ...measures } = r;
        return [
          `${period}|${key}`,
          Object.fromEntries(Object.entries(measures).filter(([m, n]) => n !== 0 || m === 'valid' || m === 'refused')),
        ];
      }),
    );

  it('the validations report equals the outcomes answered, by code, product and customer', async () => {
    expect(answered).toHaveLength(14);
    for (const by of ['code', 'product', 'customer'] as const) {
      const res = await h.call('GET', `/v1/reports/validations?${range()}&by=${by}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(asMap(res.body.rows)).toEqual(expected(by));
    }
    const res = await h.call('GET', `/v1/reports/validations?${range()}`);
    expect(res.body.measures.slice(0, 3)).toEqual(['valid', 'refused', 'NOT_FOUND']);
    expect(res.body.rows.every((r: Json) => r.NOT_FOUND === 0)).toBe(true);
    const all = (await h.call('GET', `/v1/reports/validations?${range()}&by=none&granularity=month`)).body.rows;
    expect(all.reduce((s: number, r: Json) => s + r.valid, 0)).toBe(6);
    expect(all.reduce((s: number, r: Json) => s + r.refused, 0)).toBe(8);
  });

  it("a key limited to one product sees that product's validations only; another account sees none; a rebuild gives the same", async () => {
    const cad = answered.find((a) => a.code === 'SUSPENDED')!.product;
    const key = (await h.call('POST', '/v1/api-keys', { name: 'cad reader', role: 'readonly', productId: 'cad' })).body.key;
    const mine = await h.call('GET', `/v1/reports/validations?${range()}&by=product`, undefined, { key });
    expect(mine.status).toBe(200);
    expect(asMap(mine.body.rows)).toEqual(new Map([...expected('product')].filter(([id]) => id.endsWith(`|${cad}`))));
    const other = await h.newAccount();
    expect((await h.call('GET', `/v1/reports/validations?${range()}`, undefined, { key: other.adminKey })).body.rows).toEqual([]);
    const before = (await h.call('GET', `/v1/reports/validations?${range()}&by=customer`)).body.rows;
    await rebuildReports(h.services);
    await projectAll(h);
    expect((await h.call('GET', `/v1/reports/validations?${range()}&by=customer`)).body.rows).toEqual(before);
  });

  it('the custom query model counts validations by code and product, and events as before', async () => {
    const from = iso(h.clock.now() - 10 * DAY);
    const to = iso(h.clock.now() + DAY);
    const res = await h.call('POST', '/v1/reports/query', {
      measures: ['validations', 'validationsRefused', 'events'],
      dimensions: ['code'],
      from,
      to,
      granularity: 'none',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const byCode = new Map<string, number>();
    for (const a of answered) byCode.set(a.code, (byCode.get(a.code) ?? 0) + 1);
    const rows = res.body.rows.filter((r: Json) => r.code !== null);
    expect(new Map(rows.map((r: Json) => [r.code, r.validations]))).toEqual(byCode);
    for (const r of rows) expect(r.validationsRefused).toBe(r.code === 'VALID' ? 0 : r.validations);
    expect(rows.every((r: Json) => r.events === 0)).toBe(true);
    const events = await h.call('POST', '/v1/reports/query', { measures: ['events'], from, to, granularity: 'none' });
    const plain = res.body.rows.find((r: Json) => r.code === null);
    expect(plain.events).toBe(events.body.rows[0].events);
    const cad = answered.find((a) => a.code === 'SUSPENDED')!.product;
    const filtered = await h.call('POST', '/v1/reports/query', {
      measures: ['validationsRefused'],
      dimensions: ['product'],
      filters: [{ dimension: 'code', values: ['SUSPENDED', 'FINGERPRINT_MISMATCH'] }],
      from,
      to,
      granularity: 'none',
    });
    expect(filtered.body.rows).toEqual([{ product: cad, validationsRefused: 3 }]);
  });

  it('a summary event per account and flush carries the counts, in the events list', async () => {
    const events = (await h.call('GET', '/v1/events?type=validation.summary')).body.data;
    expect(events).toHaveLength(2);
    const counted = events.flatMap((e: Json) => e.after.counts).reduce((s: number, c: Json) => s + c.count, 0);
    expect(counted).toBe(14);
    expect(events[0].subjectType).toBe('account');
  });

  it('filters by product and customer, answers CSV, and refuses a `by` the report does not take', async () => {
    const viewer = answered.find((a) => a.code === 'EXPIRED')!.product;
    const rows = (await h.call('GET', `/v1/reports/validations?${range()}&product=${viewer}`)).body.rows;
    expect(rows.reduce((s: number, r: Json) => s + r.valid + r.refused, 0)).toBe(answered.filter((a) => a.product === viewer).length);
    const csv = await h.call('GET', `/v1/reports/validations?${range()}&format=csv`);
    expect(csv.raw.body.split('\n')[0]).toMatch(/^period,key,valid,refused,NOT_FOUND,SUSPENDED,EXPIRED,/);
    for (const bad of ['by=platform', 'by=nonsense']) {
      const res = await h.call('GET', `/v1/reports/validations?${range()}&${bad}`);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('INVALID_REQUEST');
    }
    expect((await h.call('GET', `/v1/reports/activations?${range()}&by=code`)).status).toBe(400);
  });

  it('a failed flush keeps its counts for the next one', async () => {
    const lic = await licensed(h, {}, { product: 'cad' });
    await lic.client('validate', {});
    await lic.client('validate', {});
    // The main database refusing the write (a fault injected in front of the real store).
    const down = { ...h.services, store: { forAccount: () => ({ write: () => Promise.reject(new Error('database down')) }) } };
    const tally = tallyOf(h.services);
    await expect(flushValidationCounts(down as unknown as typeof h.services, tally)).rejects.toThrow('database down');
    await lic.client('validate', {});
    expect(await flushValidationCounts(h.services)).toBe(1);
    const events = (await h.call('GET', '/v1/events?type=validation.summary')).body.data;
    const last = events.find((e: Json) => e.after.counts.some((c: Json) => c.entitlementId === lic.entitlement.id));
    expect(last.after.counts).toEqual([
      { productId: lic.product.id, customerId: lic.customer.id, entitlementId: lic.entitlement.id, code: 'VALID', count: 3 },
    ]);
  });
});

/**
 * Upgrade eligibility: live entitlements on offerings with an upgrade path, and devices in use
 * below the latest published stable release, compared with the main database's rows.
 */
describe.each(await storeKinds())('upgrade eligibility on %s', (kind) => {
  let h: Harness;
  const bytes = Buffer.from('an artifact');
  const q = async <T>(query: ReturnType<typeof sql<T>>) => (await query.execute(h.services.store.database.db)).rows;

  async function release(product: string, version: string, then: 'publish' | 'yank' | 'draft', channel?: string) {
    const rel = await h.call('POST', `/v1/products/${product}/releases`, { version, ...(channel ? { channel } : {}) });
    expect(rel.status, JSON.stringify(rel.body)).toBe(201);
    if (then === 'draft') return;
    const ticket = await h.call('POST', `/v1/releases/${rel.body.id}/artifacts`, {
      filename: `${product}-${version}.tar.gz`,
      platform: 'linux',
      arch: 'x86_64',
      size: bytes.length,
      sha256: sha256(bytes),
    });
    expect((await upload(h, ticket.body, bytes)).status).toBe(200);
    expect((await h.call('POST', `/v1/releases/${rel.body.id}/publish`)).status).toBe(200);
    if (then === 'yank') expect((await h.call('POST', `/v1/releases/${rel.body.id}/yank`)).status).toBe(200);
  }

  beforeAll(async () => {
    h = await createHarness(kind);
    const premium = await licensed(h, { seats: 10 }, { product: 'cad' });
    // Offerings with an upgrade path: set at creation, or added later; one path removed again.
    const basic = await licensed(h, { seats: 10, upgradePaths: [premium.offering.code] }, { product: 'cad' });
    const legacy = await licensed(h, { seats: 10 }, { product: 'cad' });
    expect((await h.call('PATCH', `/v1/offerings/${legacy.offering.id}`, { upgradePaths: [premium.offering.code] })).status).toBe(200);
    const dropped = await licensed(h, { seats: 10, upgradePaths: [premium.offering.code] }, { product: 'cad' });
    expect((await h.call('PATCH', `/v1/offerings/${dropped.offering.id}`, { upgradePaths: [] })).status).toBe(200);
    // More entitlements on basic: one suspended (still live), one revoked (gone); one for the customer of legacy.
    const more = async (customerId: string) =>
      (await h.call('POST', '/v1/entitlements', { customerId, offeringId: basic.offering.id })).body;
    const suspended = await more(premium.customer.id);
    expect((await h.call('POST', `/v1/entitlements/${suspended.id}/suspend`, { reason: 'unpaid' })).status).toBe(200);
    const revoked = await more(dropped.customer.id);
    expect((await h.call('POST', `/v1/entitlements/${revoked.id}/revoke`, { reason: 'fraud' })).status).toBeLessThan(300);
    await more(legacy.customer.id);
    const viewer = await licensed(h, { seats: 10, upgradePaths: [] }, { product: 'viewer' });

    // Releases of cad: 2.1.0 is the latest published stable; 2.2.0 was yanked, 3.0.0-beta.1 is a beta, 4.0.0 a draft.
    for (const [v, then, channel] of [
      ['1.0.0', 'publish'],
      ['2.1.0', 'publish'],
      ['2.2.0', 'yank'],
      ['3.0.0-beta.1', 'publish', 'beta'],
      ['4.0.0', 'draft'],
    ] as const)
      await release('cad', v, then, channel);
    await release('viewer', '1.5.0', 'publish');

    const devices: Array<[typeof premium, string, string]> = [
      [premium, 'a', '1.0.0'],
      [premium, 'b', '2.0.0'],
      [basic, 'c', '2.1.0'],
      [basic, 'd', '2.2.0'],
      [basic, 'e', '2.1.0-rc.1'],
      [legacy, 'f', 'custom-build'],
      [legacy, 'g', '1.9.9'],
      [viewer, 'h', '1.4.0'],
      [viewer, 'i', '1.5.0'],
    ];
    for (const [lic, name, version] of devices) {
      h.clock.advance(HOUR);
      expect((await lic.client('activate', { fingerprint: fp(name), version })).status).toBe(201);
    }
    // g gives its seat back; a moves to the latest by activating again with it.
    expect((await legacy.client('deactivate', { fingerprint: fp('g') })).status).toBe(204);
    expect((await premium.client('activate', { fingerprint: fp('a'), version: '2.1.0' })).status).toBeLessThan(300);
    await projectAll(h);
  });
  afterAll(() => h?.close());

  it('equals the figures from the main database: entitlements with an upgrade path, devices below the latest release', async () => {
    const offerings = await q<{ id: string; upgrade_paths: string }>(
      sql`SELECT id, upgrade_paths FROM offerings WHERE account_id = ${h.accountId}`,
    );
    const withPath = new Set(offerings.filter((o) => (JSON.parse(o.upgrade_paths) as string[]).length > 0).map((o) => o.id));
    const ents = await q<{ product_id: string; customer_id: string; offering_id: string; state: string }>(
      sql`SELECT product_id, customer_id, offering_id, state FROM entitlements WHERE account_id = ${h.accountId}`,
    );
    const releases = await q<{ product_id: string; version_key: string; status: string; channel: string }>(
      sql`SELECT product_id, version_key, status, channel FROM releases WHERE account_id = ${h.accountId}`,
    );
    const latest = new Map<string, string>();
    for (const r of releases)
      if (r.status === 'published' && r.channel === 'stable' && r.version_key > (latest.get(r.product_id) ?? ''))
        latest.set(r.product_id, r.version_key);
    const live = await q<{ product_id: string; version: string | null }>(
      sql`SELECT product_id, app_version AS version FROM activations WHERE account_id = ${h.accountId} AND state = 'active'`,
    );
    const expected = new Map<string, { entitlements: number; customers: number; devices: number; belowLatest: number }>();
    const row = (p: string) => expected.get(p) ?? expected.set(p, { entitlements: 0, customers: 0, devices: 0, belowLatest: 0 }).get(p)!;
    const customers = new Map<string, Set<string>>();
    for (const e of ents) {
      if (!withPath.has(e.offering_id) || !['active', 'suspended'].includes(e.state)) continue;
      row(e.product_id).entitlements++;
      customers.set(e.product_id, (customers.get(e.product_id) ?? new Set()).add(e.customer_id));
    }
    for (const [p, c] of customers) row(p).customers = c.size;
    for (const a of live) {
      row(a.product_id).devices++;
      const v = a.version === null ? null : parseVersion(a.version);
      const top = latest.get(a.product_id);
      if (v && top && versionKey(v) < top) row(a.product_id).belowLatest++;
    }

    const res = await h.call('GET', `/v1/reports/upgrades?from=${iso(h.clock.now() - DAY)}&to=${iso(h.clock.now() + HOUR)}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const got = new Map(
      res.body.rows.map((r: Json) => [
        r.key,
        { entitlements: r.entitlements, customers: r.customers, devices: r.devices, belowLatest: r.belowLatest },
      ]),
    );
    expect(got).toEqual(expected);
    // The figures the setup meant: basic (3 live, one of them suspended) and legacy (1), three customers; 1.0.0→2.1.0 moved,
    // below 2.1.0: b 2.0.0, e 2.1.0-rc.1 (a prerelease sorts below), not the custom build; viewer: h.
    const cad = got.get(res.body.rows.find((r: Json) => r.entitlements > 0).key) as Json;
    expect(cad).toEqual({ entitlements: 4, customers: 3, devices: 6, belowLatest: 2 });
    expect(res.body.rows.every((r: Json) => r.period === res.body.rows[0].period)).toBe(true);
  });

  it('a rebuild gives the same; a key limited to a product sees its row only', async () => {
    const url = `/v1/reports/upgrades?from=${iso(h.clock.now() - DAY)}&to=${iso(h.clock.now() + HOUR)}`;
    const before = (await h.call('GET', url)).body.rows;
    await rebuildReports(h.services);
    await projectAll(h);
    expect((await h.call('GET', url)).body.rows).toEqual(before);
    const key = (await h.call('POST', '/v1/api-keys', { name: 'viewer reader', role: 'readonly', productId: 'viewer' })).body.key;
    const viewer = (await h.call('GET', url, undefined, { key })).body.rows;
    expect(viewer).toEqual(before.filter((r: Json) => r.entitlements === 0));
    expect(viewer).toMatchObject([{ devices: 2, belowLatest: 1 }]);
  });

  it('stands at `to`: before any device activated, the entitlements count and no device does', async () => {
    const early = await h.call('GET', `/v1/reports/upgrades?from=${iso(h.clock.now() - 20 * DAY)}&to=${iso(h.clock.now() - 9 * HOUR + 1)}`);
    expect(early.status).toBe(200);
    for (const r of early.body.rows) expect(r.devices).toBe(0);
    expect(early.body.rows.some((r: Json) => r.entitlements === 4)).toBe(true);
  });
});
