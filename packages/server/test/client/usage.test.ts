import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, T0, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { asLicense, fp } from '../support/client.js';
import { closeEndedPeriods } from '../../src/capabilities/usage/statements.js';

const DAY = 24 * 3600_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe.each(await storeKinds())('usage, quotas, pay-per-use and pools on %s', (kind) => {
  let h: Harness;
  let n = 0;
  beforeAll(async () => {
    h = await createHarness(kind);
    await h.call('POST', '/v1/products', { code: 'render', name: 'Render farm' });
    for (const [code, type] of [
      ['exports', 'consumption'],
      ['minutes', 'consumption'],
      ['jobs', 'pool'],
    ] as const) {
      await h.call('POST', '/v1/products/render/features', { code, name: code, type, unit: code });
    }
  });
  afterAll(() => h.close());

  /** A subscription offering of the render product with a pool of 2 jobs, to downgrade to. */
  const downgradeTarget = (code: string, name: string, seats: number) =>
    h.call('POST', '/v1/offerings', {
      productId: 'render',
      code,
      name,
      licenseModel: 'subscription',
      term: 'P1Y',
      seats,
      features: { jobs: 2 },
    });

  async function licenseWith(features: Record<string, unknown>, extra: Record<string, unknown> = {}, devices = 1) {
    h.clock.set(T0);
    const code = `plan-${++n}`;
    await h.call('POST', '/v1/offerings', {
      productId: 'render',
      code,
      name: code,
      licenseModel: 'subscription',
      term: 'P1Y',
      seats: 20,
      features,
      ...extra,
    });
    const c = (await h.call('POST', '/v1/customers', { name: `Studio ${n}` })).body;
    const e = (await h.call('POST', '/v1/entitlements', { customerId: c.id, offeringId: code })).body;
    const client = asLicense(h, e.key);
    for (let d = 0; d < devices; d++) await client('activate', { fingerprint: fp(`${code}-${d}`) });
    const report = (records: Array<Record<string, unknown>>, device = 0) =>
      client('usage', { fingerprint: fp(`${code}-${device}`), records });
    return { e, c, client, report, code };
  }

  it('counts each idempotency key once and answers the remaining quota', async () => {
    const { report } = await licenseWith({ exports: 100 });
    const first = await report([
      { feature: 'exports', quantity: 10, idempotencyKey: 'a' },
      { feature: 'exports', quantity: 5, idempotencyKey: 'b' },
      { feature: 'exports', quantity: 5, idempotencyKey: 'b' },
    ]);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ accepted: 2, duplicates: 1, rejected: [] });
    expect(first.body.usage.exports).toMatchObject({
      used: 15,
      limit: 100,
      remaining: 85,
      periodEndsAt: '2026-04-01T00:00:00.000Z',
      overage: 'block',
    });
    expect(first.body.serverTime).toBe(new Date(h.clock.now()).toISOString());
    const again = await report([{ feature: 'exports', quantity: 10, idempotencyKey: 'a' }]);
    expect(again.body).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(again.body.usage.exports.used).toBe(15);
  });

  it('blocks at the quota, resets with the next period aligned to the entitlement start, and tells the device', async () => {
    const { report, client } = await licenseWith({ exports: { limit: 10, period: 'P1M', overage: 'block' } });
    const over = await report([
      { feature: 'exports', quantity: 8, idempotencyKey: 'x1' },
      { feature: 'exports', quantity: 3, idempotencyKey: 'x2' },
      { feature: 'exports', quantity: 2, idempotencyKey: 'x3' },
    ]);
    expect(over.body.accepted).toBe(2);
    expect(over.body.rejected).toEqual([expect.objectContaining({ idempotencyKey: 'x2', code: 'QUOTA_EXHAUSTED' })]);
    expect(over.body.usage.exports).toMatchObject({ used: 10, remaining: 0 });
    const v = await client('validate', { fingerprint: fp(`plan-${n}-0`), features: ['exports'] });
    expect(v.body).toMatchObject({ valid: false, code: 'QUOTA_EXHAUSTED' });
    // The lease carries the quota, so the device can hold the line offline.
    const lease = (await client('refresh', { fingerprint: fp(`plan-${n}-0`) })).body.lease.token;
    const claims = JSON.parse(Buffer.from(lease.split('.')[1], 'base64url').toString());
    expect(claims.usage.exports).toMatchObject({ used: 10, limit: 10, remaining: 0, overage: 'block' });
    expect(v.body.usage.exports).toMatchObject({ used: 10, limit: 10, remaining: 0, overage: 'block' });

    h.clock.set(T0 + 31 * DAY); // 1 April: a new period
    const next = await report([{ feature: 'exports', quantity: 4, idempotencyKey: 'x4' }]);
    expect(next.body.usage.exports).toMatchObject({ used: 4, remaining: 6, periodEndsAt: '2026-05-01T00:00:00.000Z' });
    // A late record from the old period counts against the old period.
    const late = await report([{ feature: 'exports', quantity: 1, at: iso(T0 + 5 * DAY), idempotencyKey: 'x5' }]);
    expect(late.body.rejected[0]?.code).toBe('QUOTA_EXHAUSTED');
    expect((await client('validate', { fingerprint: fp(`plan-${n}-0`), features: ['exports'] })).body.code).toBe('VALID');
  });

  it('allows overage up to a percentage, or without bound when billed', async () => {
    const pct = await licenseWith({ exports: { limit: 100, overage: { allowPercent: 20 } } });
    const a = await pct.report([
      { feature: 'exports', quantity: 115, idempotencyKey: 'p1' },
      { feature: 'exports', quantity: 6, idempotencyKey: 'p2' },
      { feature: 'exports', quantity: 5, idempotencyKey: 'p3' },
    ]);
    expect(a.body.accepted).toBe(2);
    expect(a.body.rejected.map((r: { idempotencyKey: string }) => r.idempotencyKey)).toEqual(['p2']);
    expect(a.body.usage.exports).toMatchObject({ used: 120, limit: 100, remaining: 0 });

    const billed = await licenseWith({ exports: { limit: 10, overage: 'bill' } });
    const b = await billed.report([{ feature: 'exports', quantity: 500, idempotencyKey: 'b1' }]);
    expect(b.body).toMatchObject({ accepted: 1, rejected: [] });
    expect(b.body.usage.exports.used).toBe(500);
  });

  it('rejects what is not metered or dated impossibly, without counting it', async () => {
    const { report } = await licenseWith({ exports: 10 });
    const r = await report([
      { feature: 'jobs', quantity: 1, idempotencyKey: 'n1' },
      { feature: 'nope', quantity: 1, idempotencyKey: 'n2' },
      { feature: 'exports', quantity: 1, at: iso(T0 + 365 * DAY), idempotencyKey: 'n3' },
      { feature: 'exports', quantity: 1, at: iso(T0 - DAY), idempotencyKey: 'n4' },
    ]);
    expect(r.body.accepted).toBe(0);
    expect(r.body.rejected.map((x: { code: string }) => x.code)).toEqual([
      'FEATURE_MISSING',
      'FEATURE_MISSING',
      'INVALID_REQUEST',
      'INVALID_REQUEST',
    ]);
    expect(r.body.usage.exports.used).toBe(0);
    const bad = await report([{ feature: 'exports', quantity: -3, idempotencyKey: 'n5' }]);
    expect(bad.status).toBe(400);
  });

  it('never overdraws a quota under parallel reports from many devices', async () => {
    const { report, e } = await licenseWith({ exports: { limit: 50, overage: 'block' } }, {}, 8);
    const batches = Array.from({ length: 8 }, (_, d) =>
      report(
        Array.from({ length: 10 }, (_, i) => ({ feature: 'exports', quantity: 1, idempotencyKey: `dev${d}-${i}` })),
        d,
      ),
    );
    const results = await Promise.all(batches);
    const accepted = results.reduce((sum, r) => sum + r.body.accepted, 0);
    expect(accepted).toBe(50);
    const total = (await h.call('GET', `/v1/usage?from=${iso(T0 - DAY)}&to=${iso(T0 + DAY)}&entitlement=${e.id}`)).body.data;
    expect(total).toEqual([{ key: 'exports', feature: 'exports', quantity: 50, records: 50 }]);
  });

  it('reports usage by feature, customer and device', async () => {
    const { report, c } = await licenseWith({ exports: 100, minutes: 1000 }, {}, 2);
    await report([{ feature: 'exports', quantity: 3, idempotencyKey: 'r1' }], 0);
    await report([{ feature: 'exports', quantity: 4, idempotencyKey: 'r2' }], 1);
    await report([{ feature: 'minutes', quantity: 90, idempotencyKey: 'r3' }], 1);
    const range = `from=${iso(T0 - DAY)}&to=${iso(T0 + DAY)}&customer=${c.id}`;
    const byFeature = (await h.call('GET', `/v1/usage?${range}`)).body.data;
    expect(byFeature).toEqual([
      { key: 'exports', feature: 'exports', quantity: 7, records: 2 },
      { key: 'minutes', feature: 'minutes', quantity: 90, records: 1 },
    ]);
    const byDevice = (await h.call('GET', `/v1/usage?${range}&groupBy=device&feature=exports`)).body.data;
    expect(byDevice.map((r: { quantity: number }) => r.quantity).sort()).toEqual([3, 4]);
    const byCustomer = (await h.call('GET', `/v1/usage?${range}&groupBy=customer`)).body.data;
    expect(byCustomer.every((r: { key: string }) => r.key === c.id)).toBe(true);
  });

  it('pay-per-use: a statement per customer and period bills all usage, CSV too, and each closed period is an event', async () => {
    const { report, c, e, code, client } = await licenseWith(
      { minutes: { limit: 0, overage: 'bill' } },
      { licenseModel: 'usage', term: null },
    );
    // Nothing included, everything billed: the feature is granted all the same.
    expect((await client('validate', { features: ['minutes'] })).body.code).toBe('VALID');
    await report([{ feature: 'minutes', quantity: 120, idempotencyKey: 'u1' }]);
    h.clock.set(T0 + 40 * DAY);
    await report([{ feature: 'minutes', quantity: 30, idempotencyKey: 'u2' }]);
    const q = `customer=${c.id}&from=${iso(T0)}&to=${iso(T0 + 60 * DAY)}`;
    const s = (await h.call('GET', `/v1/usage/statements?${q}`)).body;
    expect(s.lines.map((l: { used: number; billable: number; periodStart: string }) => [l.periodStart, l.used, l.billable])).toEqual([
      ['2026-03-01T00:00:00.000Z', 120, 120],
      ['2026-04-01T00:00:00.000Z', 30, 30],
    ]);
    // Billed by the rights of the period: a later change of offering does not rewrite it.
    await h.call('POST', '/v1/offerings', {
      productId: 'render',
      code: `${code}-flat`,
      name: 'Flat',
      licenseModel: 'usage',
      features: { minutes: { limit: 1000, overage: 'block' } },
    });
    await h.call('POST', `/v1/entitlements/${e.id}/change-offering`, { offeringId: `${code}-flat` });
    const again = (await h.call('GET', `/v1/usage/statements?${q}`)).body;
    expect(again.lines.map((l: { billable: number; included: number }) => [l.billable, l.included])).toEqual([
      [120, 0],
      [30, 0],
    ]);
    const csv = await h.call('GET', `/v1/usage/statements?${q}&format=csv`);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.raw.body.split('\n')[0]).toContain('billable');

    expect(await closeEndedPeriods(h.services)).toBeGreaterThanOrEqual(1);
    const closed = (await h.call('GET', `/v1/events?entitlement=${e.id}&type=usage.period_closed`)).body.data;
    expect(closed).toHaveLength(1);
    expect(closed[0].after).toMatchObject({ feature: 'minutes', used: 120, periodStartAt: '2026-03-01T00:00:00.000Z' });
    expect(await closeEndedPeriods(h.services)).toBe(0);
  });

  it('pools: check out to the limit, check in, and elements return when the device goes', async () => {
    const { client, code } = await licenseWith({ jobs: 3 }, { seatModel: 'floating', heartbeatWindow: 'PT5M' }, 2);
    const pool = (device: number, dir: string, count: number) =>
      client(`pools/jobs/${dir}`, { fingerprint: fp(`${code}-${device}`), count });
    expect((await pool(0, 'checkout', 2)).body.pool).toEqual({ feature: 'jobs', inUse: 2, limit: 3, held: 2 });
    const full = await pool(1, 'checkout', 2);
    expect(full.status).toBe(409);
    expect(full.body.error).toMatchObject({
      code: 'POOL_EXHAUSTED',
      details: { inUse: 2, limit: 3, holders: [{ fingerprint: fp(`${code}-0`), count: 2 }] },
    });
    expect((await pool(1, 'checkout', 1)).body.pool.inUse).toBe(3);
    expect((await pool(0, 'checkin', 1)).body.pool).toMatchObject({ inUse: 2, held: 1 });
    expect((await pool(0, 'checkin', 5)).status).toBe(400);
    // Device 0 stops heartbeating: its element returns by itself.
    h.clock.advance(4 * 60_000);
    await client('heartbeat', { fingerprint: fp(`${code}-1`) });
    h.clock.advance(2 * 60_000);
    expect((await pool(1, 'checkout', 2)).body.pool).toMatchObject({ inUse: 3, held: 3 });
  });

  it('a downgrade below the pool in use takes nothing back: check-outs refused, check-ins accepted, warnings everywhere', async () => {
    const { client, code, e } = await licenseWith({ jobs: 5 }, {}, 1);
    await downgradeTarget(`${code}-small`, 'Small', 20);
    const pool = (dir: string, count: number) => client(`pools/jobs/${dir}`, { fingerprint: fp(`${code}-0`), count });
    await pool('checkout', 4);

    const preview = await h.call('POST', `/v1/entitlements/${e.id}/change-offering`, { offeringId: `${code}-small`, dryRun: true });
    expect(preview.body.warnings).toContainEqual(
      expect.objectContaining({ code: 'POOL_OVER_LIMIT', details: { feature: 'jobs', inUse: 4, limit: 2 } }),
    );
    const impact = await h.call('POST', '/v1/migrations', { sourceOfferingId: code, targetOfferingId: `${code}-small`, dryRun: true });
    expect(impact.body.impact.poolsOverLimit).toBe(1);
    await h.call('POST', `/v1/entitlements/${e.id}/change-offering`, { offeringId: `${code}-small` });

    expect((await pool('checkout', 1)).body.error.code).toBe('POOL_EXHAUSTED');
    const v = await client('validate', { fingerprint: fp(`${code}-0`) });
    expect(v.body.valid).toBe(true);
    expect(v.body.warnings).toContainEqual(
      expect.objectContaining({ code: 'POOL_OVER_LIMIT', details: { feature: 'jobs', inUse: 4, limit: 2 } }),
    );
    expect((await pool('checkin', 1)).body.pool).toMatchObject({ inUse: 3, limit: 2 });
    expect((await pool('checkin', 2)).body.pool).toMatchObject({ inUse: 1, limit: 2 });
    expect((await pool('checkout', 1)).body.pool.inUse).toBe(2);
    const after = await client('validate', { fingerprint: fp(`${code}-0`) });
    expect(after.body.warnings.map((w: { code: string }) => w.code)).not.toContain('POOL_OVER_LIMIT');
  });

  it('the pool warning of a change counts what is held after the seat removals: a removed device’s elements go back (issue 17)', async () => {
    const { client, code, e } = await licenseWith({ jobs: 8 }, { seats: 3 }, 0);
    await downgradeTarget(`${code}-two`, 'Two', 2);
    // Device 0 holds 3 elements and is the least recently seen of three: the downgrade removes it.
    for (let d = 0; d < 3; d++) {
      await client('activate', { fingerprint: fp(`${code}-${d}`) });
      if (d === 0) await client('pools/jobs/checkout', { fingerprint: fp(`${code}-0`), count: 3 });
      h.clock.advance(60_000);
    }
    const preview = await h.call('POST', `/v1/entitlements/${e.id}/change-offering`, { offeringId: `${code}-two`, dryRun: true });
    expect(preview.body.removedActivations.map((a: { fingerprint: string }) => a.fingerprint)).toEqual([fp(`${code}-0`)]);
    expect(preview.body.warnings.map((w: { code: string }) => w.code)).not.toContain('POOL_OVER_LIMIT');
    const impact = await h.call('POST', '/v1/migrations', { sourceOfferingId: code, targetOfferingId: `${code}-two`, dryRun: true });
    expect(impact.body.impact).toMatchObject({ seatsRemoved: 1, poolsOverLimit: 0 });
    const changed = await h.call('POST', `/v1/entitlements/${e.id}/change-offering`, { offeringId: `${code}-two` });
    expect(changed.body.warnings.map((w: { code: string }) => w.code)).not.toContain('POOL_OVER_LIMIT');
    // What usage shows afterwards is what the answer counted.
    expect((await client('pools/jobs/checkout', { fingerprint: fp(`${code}-1`), count: 2 })).body.pool).toMatchObject({
      inUse: 2,
      limit: 2,
    });

    // A device that stays keeps its elements, and those are what the warning counts.
    const kept = await licenseWith({ jobs: 8 }, { seats: 3 }, 0);
    await downgradeTarget(`${kept.code}-two`, 'Two', 2);
    for (let d = 0; d < 3; d++) {
      await kept.client('activate', { fingerprint: fp(`${kept.code}-${d}`) });
      await kept.client('pools/jobs/checkout', { fingerprint: fp(`${kept.code}-${d}`), count: d + 1 });
      h.clock.advance(60_000);
    }
    const warned = await h.call('POST', `/v1/entitlements/${kept.e.id}/change-offering`, { offeringId: `${kept.code}-two`, dryRun: true });
    expect(warned.body.warnings).toContainEqual(
      expect.objectContaining({ code: 'POOL_OVER_LIMIT', details: { feature: 'jobs', inUse: 5, limit: 2 } }),
    );
  });
});
