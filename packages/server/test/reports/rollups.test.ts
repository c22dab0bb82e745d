import { describe, expect, it } from 'vitest';
import { ReportStore } from '../../src/capabilities/reports/store/duck.js';
import { runReport, type ReportRow } from '../../src/capabilities/reports/store/reports.js';
import type { Checkpoint, Fact } from '../../src/capabilities/reports/ports.js';

/**
 * The rollups the projector keeps (seat levels, entitlements as they stand now) against the
 * reports' own aggregation over every fact, with the facts delivered in time order and with
 * batches arriving late (a feed in commit order need not be in time order).
 */
const T0 = Date.parse('2026-03-02T00:00:00Z');
const HOUR = 3_600_000;
const ACCOUNT = 'acc_rollups';

function fact(n: number, type: string, at: number, subjectId: string, extra: Partial<Fact> = {}): Fact {
  return {
    accountId: ACCOUNT,
    eventId: `evt_${String(n).padStart(4, '0')}`,
    type,
    at,
    subjectId,
    productId: null,
    customerId: null,
    entitlementId: null,
    platform: null,
    version: null,
    reason: null,
    offeringId: null,
    model: null,
    previousModel: null,
    previousPlatform: null,
    previousVersion: null,
    feature: null,
    quantity: null,
    endsAt: null,
    maintenanceUntil: null,
    state: null,
    versionKey: null,
    channel: null,
    upgradePaths: null,
    validations: null,
    seats: null,
    ...extra,
  };
}

/** Devices activated, moved to another version and given back; entitlements renewed and suspended. */
function history(): Fact[] {
  const facts: Fact[] = [];
  const devices = new Map<string, { product: string; customer: string; platform: string; version: string }>();
  let n = 0;
  let seed = 7;
  const pick = (k: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % k;
  };
  for (let i = 0; i < 120; i++) {
    const at = T0 + i * 5 * HOUR + (i % 3) * 1000;
    const r = pick(10);
    const alive = [...devices.keys()];
    if (r < 5 || alive.length === 0) {
      const d = {
        product: `prod_${pick(2)}`,
        customer: `cus_${pick(3)}`,
        platform: ['linux', 'macos'][pick(2)]!,
        version: ['1.0', '2.0'][pick(2)]!,
      };
      const id = `act_${n}`;
      devices.set(id, d);
      facts.push(
        fact(n++, 'activation.created', at, id, { productId: d.product, customerId: d.customer, platform: d.platform, version: d.version }),
      );
    } else if (r < 7) {
      const id = alive[pick(alive.length)]!;
      const d = devices.get(id)!;
      const version = d.version === '1.0' ? '2.0' : d.version === '2.0' ? null : '1.0';
      facts.push(
        fact(n++, 'activation.updated', at, id, {
          productId: d.product,
          customerId: d.customer,
          platform: d.platform,
          version,
          previousPlatform: d.platform,
          previousVersion: d.version,
        }),
      );
      d.version = version ?? 'none';
      if (version === null) devices.set(id, { ...d, version: null as unknown as string });
    } else if (r < 9) {
      const id = alive[pick(alive.length)]!;
      const d = devices.get(id)!;
      devices.delete(id);
      facts.push(
        fact(n++, 'activation.deactivated', at, id, {
          productId: d.product,
          customerId: d.customer,
          platform: d.platform,
          version: d.version,
        }),
      );
    } else {
      const e = `ent_${pick(4)}`;
      const type = ['entitlement.created', 'entitlement.renewed', 'entitlement.suspended'][pick(3)]!;
      facts.push(
        fact(n++, type, at, e, {
          productId: 'prod_0',
          customerId: `cus_${pick(3)}`,
          state: type === 'entitlement.suspended' ? 'suspended' : 'active',
          endsAt: at + 30 * 24 * HOUR,
          model: type === 'entitlement.created' ? 'subscription' : null,
        }),
      );
    }
  }
  return facts;
}

async function project(batches: Fact[][]): Promise<ReportStore> {
  const store = await ReportStore.open(':memory:');
  let checkpoint: Checkpoint = await store.checkpoint();
  let i = 0n;
  for (const batch of batches) checkpoint = await store.append(batch, checkpoint, { major: ++i, minor: '' });
  return store;
}

async function reports(store: ReportStore, fromFacts = false): Promise<Record<string, ReportRow[]>> {
  const q = { from: T0 + 50 * HOUR, to: T0 + 700 * HOUR, now: T0 + 700 * HOUR, granularity: 'day' as const, fromFacts };
  const scope = { accountId: ACCOUNT, productId: null };
  const out: Record<string, ReportRow[]> = {};
  for (const by of ['product', 'platform', 'version', 'customer', 'none'] as const)
    out[`deployment/${by}`] = await runReport(store, 'deployment', scope, { ...q, by });
  for (const g of ['hour', 'day', 'week', 'month'] as const)
    out[`adoption/${g}`] = await runReport(store, 'adoption', scope, { ...q, granularity: g });
  out['renewals'] = await runReport(store, 'renewals', scope, q);
  return out;
}

describe('rollups kept by the projector', () => {
  it('give the same reports and levels whether batches arrive in time order or late', async () => {
    const facts = history();
    const chunks: Fact[][] = [];
    for (let i = 0; i < facts.length; i += 10) chunks.push(facts.slice(i, i + 10));
    const inOrder = await project(chunks);
    // Late: every third batch is delivered after the one that follows it.
    const late = [...chunks];
    for (let i = 0; i + 1 < late.length; i += 3) [late[i], late[i + 1]] = [late[i + 1]!, late[i]!];
    const shuffled = await project(late);
    const expected = await reports(inOrder);
    expect(await reports(shuffled)).toEqual(expected);
    const levels = (s: ReportStore) => s.rows(`SELECT * FROM seat_levels ORDER BY dim, key, k`);
    expect(await levels(shuffled)).toEqual(await levels(inOrder));
    expect(expected['deployment/version']!.length).toBeGreaterThan(10);
    expect(expected['adoption/day']!.some((r) => r.key === null)).toBe(true);
    inOrder.close();
    shuffled.close();
  });

  it('answer as the aggregation over every fact does', async () => {
    // Unfiltered, the reports read the rollups; fromFacts, every fact (a product filter does too).
    const facts = history();
    const chunks: Fact[][] = [];
    for (let i = 0; i < facts.length; i += 7) chunks.push(facts.slice(i, i + 7));
    const store = await project(chunks);
    const fromFacts = await reports(store, true);
    expect(fromFacts['deployment/platform']!.length).toBeGreaterThan(10);
    expect(await reports(store)).toEqual(fromFacts);
    store.close();
  });
});
