import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReportStore } from '../../src/capabilities/reports/store/duck.js';
import { runReport, type ReportRow } from '../../src/capabilities/reports/store/reports.js';
import { NO_END, NO_OVERRIDE, type Checkpoint, type Fact } from '../../src/capabilities/reports/ports.js';

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

interface Entitlement {
  product: string;
  customer: string;
  offering: string;
  state: string;
  override: number | null;
  /** The term's end (null: none); its seats stop counting there unless a later event moves it. */
  endsAt: number | null;
}

/**
 * Offerings and entitlements beside the devices: seat overrides set and cleared, offering seat
 * changes (reaching the entitlements without an override), offering changes, suspensions,
 * resumptions, revocations, transfers to another customer, events that carry no snapshot, and
 * terms: ends within the history, past the reports' range or none, renewals before and after
 * the end (a lapse, then the seats back), ends moved or cleared by an update.
 */
function licensingHistory(): Fact[] {
  const facts: Fact[] = [];
  let n = 0;
  let seed = 11;
  // The high bits of the generator (its low bits repeat with a short period).
  const pick = (k: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return Math.floor((seed / 2 ** 31) * k);
  };
  const offerings: Record<string, { product: string; seats: number }> = {
    off_a: { product: 'prod_0', seats: 5 },
    off_b: { product: 'prod_0', seats: 10 },
    off_c: { product: 'prod_1', seats: 3 },
  };
  for (const [id, o] of Object.entries(offerings))
    facts.push(fact(n++, 'offering.created', T0 - 10 * HOUR, id, { productId: o.product, offeringId: id, seats: o.seats }));
  const entitlements = new Map<string, Entitlement>();
  const devices = new Map<string, { entitlement: string; platform: string; version: string | null }>();
  const snapshot = (id: string, e: Entitlement, type: string, at: number) =>
    fact(n++, type, at, id, {
      productId: e.product,
      customerId: e.customer,
      entitlementId: id,
      offeringId: e.offering,
      state: e.state,
      seats: e.override ?? NO_OVERRIDE,
      endsAt: e.endsAt ?? NO_END,
    });
  const about = (id: string) => {
    const d = devices.get(id)!;
    const e = entitlements.get(d.entitlement)!;
    return { productId: e.product, customerId: e.customer, entitlementId: d.entitlement, platform: d.platform, version: d.version };
  };
  for (let i = 0; i < 260; i++) {
    const at = T0 + i * 3 * HOUR + (i % 3) * 1000;
    const r = pick(20);
    const ids = [...entitlements.keys()];
    const live = ids.filter((id) => entitlements.get(id)!.state !== 'revoked');
    const alive = [...devices.keys()];
    const termed = live.filter((id) => entitlements.get(id)!.endsAt !== null);
    const lapsed = termed.filter((id) => entitlements.get(id)!.endsAt! < at);
    if (r < 3 || live.length === 0) {
      const offering = ['off_a', 'off_b', 'off_c'][pick(3)]!;
      const e = {
        product: offerings[offering]!.product,
        customer: `cus_${pick(3)}`,
        offering,
        state: 'active',
        override: pick(3) === 0 ? 7 : null,
        // No end, an end within the history (one to thirteen days on), or one past the reports' range.
        endsAt: [null, at + (24 + pick(300)) * HOUR, at + 2000 * HOUR][pick(3)]!,
      };
      const id = `ent_${n}`;
      entitlements.set(id, e);
      facts.push(snapshot(id, e, 'entitlement.created', at));
    } else if (r < 10 || alive.length === 0) {
      const entitlement = live[pick(live.length)]!;
      const id = `act_${n}`;
      devices.set(id, { entitlement, platform: ['linux', 'macos'][pick(2)]!, version: ['1.0', '2.0'][pick(2)]! });
      facts.push(fact(n++, 'activation.created', at, id, about(id)));
    } else if (r < 12) {
      const id = alive[pick(alive.length)]!;
      const d = devices.get(id)!;
      const was = { platform: d.platform, version: d.version };
      d.version = d.version === '1.0' ? '2.0' : d.version === '2.0' ? null : '1.0';
      facts.push(fact(n++, 'activation.updated', at, id, { ...about(id), previousPlatform: was.platform, previousVersion: was.version }));
    } else if (r < 14) {
      const id = alive[pick(alive.length)]!;
      facts.push(fact(n++, r === 12 ? 'activation.deactivated' : 'activation.released', at, id, about(id)));
      devices.delete(id);
    } else {
      const id = live[pick(live.length)]!;
      const e = entitlements.get(id)!;
      if (r === 14) {
        e.state = e.state === 'active' ? 'suspended' : 'active';
        facts.push(snapshot(id, e, e.state === 'suspended' ? 'entitlement.suspended' : 'entitlement.resumed', at));
      } else if (r === 15) {
        e.override = pick(2) === 0 ? null : 2 + pick(8);
        // A fifth of the updates move the end (earlier, later, or away).
        if (pick(5) === 0) e.endsAt = [null, at + (1 + pick(100)) * HOUR][pick(2)]!;
        facts.push(snapshot(id, e, 'entitlement.updated', at));
      } else if (r === 16) {
        const offering = ['off_a', 'off_b', 'off_c'][pick(3)]!;
        // A quarter of the updates leave the seats alone (a rename): they change no entitlement's seats.
        if (pick(4) > 0) offerings[offering]!.seats = 1 + pick(12);
        facts.push(
          fact(n++, 'offering.updated', at, offering, {
            productId: offerings[offering]!.product,
            offeringId: offering,
            seats: offerings[offering]!.seats,
          }),
        );
      } else if (r === 17) {
        e.offering = e.product === 'prod_0' ? (e.offering === 'off_a' ? 'off_b' : 'off_a') : 'off_c';
        facts.push(snapshot(id, e, 'entitlement.offering_changed', at));
      } else if (r === 18) {
        e.state = 'revoked';
        facts.push(snapshot(id, e, 'entitlement.revoked', at));
      } else if (pick(3) === 0) {
        e.customer = `cus_${pick(3)}`;
        facts.push(snapshot(id, e, 'entitlement.transferred', at));
      } else if (termed.length > 0 && pick(3) > 0) {
        // Half the time one that has lapsed (when there is one), renewed from now (renewEntitlement's
        // rule): its seats come back. Else any with a term, renewed from its end.
        const pool = lapsed.length > 0 && pick(2) === 0 ? lapsed : termed;
        const renewed = pool[pick(pool.length)]!;
        const t = entitlements.get(renewed)!;
        t.endsAt = Math.max(t.endsAt!, at) + (24 + pick(200)) * HOUR;
        facts.push(snapshot(renewed, t, 'entitlement.renewed', at));
      } else {
        facts.push(fact(n++, 'entitlement.key_issued', at, id, { productId: e.product, customerId: e.customer, entitlementId: id }));
      }
    }
  }
  return facts;
}

/** Seats purchased and in use per key of `by` before `t`, replayed from the facts in (time, id) order: the oracle. */
function replay(facts: readonly Fact[], t: number, by: 'product' | 'customer' | 'entitlement' | 'none') {
  const ordered = [...facts].filter((f) => f.at < t).sort((a, b) => a.at - b.at || (a.eventId < b.eventId ? -1 : 1));
  const offeringSeats = new Map<string, number>();
  const entitlements = new Map<string, Entitlement>();
  const inUse = new Map<string | null, number>();
  for (const f of ordered) {
    if (f.type.startsWith('offering.') && f.seats !== null) offeringSeats.set(f.subjectId, f.seats);
    if (f.type.startsWith('entitlement.')) {
      const e = entitlements.get(f.subjectId) ?? {
        product: f.productId!,
        customer: '',
        offering: '',
        state: '',
        override: null,
        endsAt: null,
      };
      e.customer = f.customerId ?? e.customer;
      e.offering = f.offeringId ?? e.offering;
      e.state = f.state ?? e.state;
      if (f.seats !== null) e.override = f.seats === NO_OVERRIDE ? null : f.seats;
      if (f.endsAt !== null) e.endsAt = f.endsAt === NO_END ? null : f.endsAt;
      entitlements.set(f.subjectId, e);
    }
    if (f.type === 'activation.created' || f.type === 'activation.deactivated' || f.type === 'activation.released') {
      const key = by === 'none' ? null : by === 'entitlement' ? f.entitlementId : by === 'product' ? f.productId : f.customerId;
      inUse.set(key, (inUse.get(key) ?? 0) + (f.type === 'activation.created' ? 1 : -1));
    }
  }
  const purchased = new Map<string | null, number>();
  for (const [id, e] of entitlements) {
    const key = by === 'none' ? null : by === 'entitlement' ? id : by === 'product' ? e.product : e.customer;
    // Bought just before `t`: live, and its end (as the events before `t` left it) not passed by then.
    const ended = e.endsAt !== null && e.endsAt < t;
    const seats = (e.state === 'active' || e.state === 'suspended') && !ended ? (e.override ?? offeringSeats.get(e.offering) ?? 0) : 0;
    purchased.set(key, (purchased.get(key) ?? 0) + seats);
  }
  return { purchased, inUse };
}

/** Deployment and adoption with every filter the rollups answer, and those still counted from the facts. */
async function filtered(store: ReportStore, fromFacts = false): Promise<Record<string, ReportRow[]>> {
  const q = { from: T0 + 50 * HOUR, to: T0 + 800 * HOUR, now: T0 + 800 * HOUR, granularity: 'day' as const, fromFacts };
  const out: Record<string, ReportRow[]> = {};
  for (const [name, scope, filter] of [
    ['all', { accountId: ACCOUNT, productId: null }, {}],
    ['product', { accountId: ACCOUNT, productId: null }, { product: 'prod_0' }],
    ['key', { accountId: ACCOUNT, productId: 'prod_1' }, {}],
    ['key+product', { accountId: ACCOUNT, productId: 'prod_0' }, { product: 'prod_0' }],
    ['other products', { accountId: ACCOUNT, productId: 'prod_1' }, { product: 'prod_0' }],
    ['customer', { accountId: ACCOUNT, productId: null }, { customer: 'cus_1' }],
    ['product+customer', { accountId: ACCOUNT, productId: null }, { product: 'prod_0', customer: 'cus_2' }],
  ] as const) {
    for (const by of ['product', 'platform', 'version', 'customer', 'entitlement', 'none'] as const)
      out[`deployment/${name}/${by}`] = await runReport(store, 'deployment', scope, { ...q, ...filter, by });
    out[`adoption/${name}`] = await runReport(store, 'adoption', scope, { ...q, ...filter });
    out[`activations/${name}`] = await runReport(store, 'activations', scope, { ...q, ...filter, by: 'entitlement' });
  }
  return out;
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

  it('carry on from the right levels in a store object that did not write the last batches, a reopened one, and after compaction', async () => {
    // Three objects over one file (as several servers in one process have): each remembers the
    // levels it wrote, and must not trust that memory once another has moved the store on.
    const facts = history();
    const chunks: Fact[][] = [];
    for (let i = 0; i < facts.length; i += 6) chunks.push(facts.slice(i, i + 6));
    const reference = await project(chunks);
    const dir = mkdtempSync(join(tmpdir(), 'leasehold-rollups-'));
    try {
      const file = join(dir, 'reports.duckdb');
      // `a` remembers every key it meets; `b` and `c` hold 8, so they ask the store for the rest.
      const a = await ReportStore.open(file, { compactLevelsAfter: 25 });
      const b = await ReportStore.open(file, { compactLevelsAfter: 25, rememberLevels: 8 });
      let c: ReportStore | null = null;
      let i = 0n;
      for (const [n, batch] of chunks.entries()) {
        if (n === Math.floor(chunks.length / 2)) c = await ReportStore.open(file, { compactLevelsAfter: 25, rememberLevels: 8 });
        const writer = c && n % 3 === 0 ? c : n % 2 === 0 ? a : b;
        await writer.append(batch, await writer.checkpoint(), { major: ++i, minor: '' });
      }
      const levels = (s: ReportStore) => s.rows(`SELECT * FROM seat_levels ORDER BY dim, key, k`);
      expect(await levels(a)).toEqual(await levels(reference));
      expect(await reports(b)).toEqual(await reports(reference));
      // Compacted: fewer rows than batches × keys changed, and each key's row now is its last level.
      const count = async (s: ReportStore) => Number((await s.rows<{ n: bigint }>('SELECT count(*) AS n FROM seat_levels_now'))[0]!.n);
      expect(await count(a)).toBeLessThan(await count(reference));
      const now = `SELECT account_id, dim, key, arg_max(level, seq) AS level FROM seat_levels_now GROUP BY ALL ORDER BY ALL`;
      const last = `SELECT account_id, dim, key, arg_max(level, k) AS level FROM seat_levels GROUP BY ALL ORDER BY ALL`;
      expect(await a.rows(now)).toEqual(await reference.rows(last));
      for (const s of [a, b, c!]) s.close();
    } finally {
      reference.close();
      rmSync(dir, { recursive: true, force: true });
    }
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

  it('keep purchased seats and the levels per entitlement and per product the same whether batches arrive in time order or late', async () => {
    const facts = licensingHistory();
    const chunks: Fact[][] = [];
    for (let i = 0; i < facts.length; i += 9) chunks.push(facts.slice(i, i + 9));
    const inOrder = await project(chunks);
    // Late: every other batch is delivered after the two that follow it.
    const late = [...chunks];
    for (let i = 0; i + 2 < late.length; i += 4) [late[i], late[i + 1], late[i + 2]] = [late[i + 1]!, late[i + 2]!, late[i]!];
    const shuffled = await project(late);
    const purchases = (s: ReportStore) => s.rows(`SELECT * FROM seat_purchases ORDER BY entitlement_id, k`);
    const levels = (s: ReportStore) => s.rows(`SELECT * FROM seat_levels ORDER BY dim, key, k`);
    expect((await purchases(inOrder)).length).toBeGreaterThan(30);
    expect(await purchases(shuffled)).toEqual(await purchases(inOrder));
    expect(await levels(shuffled)).toEqual(await levels(inOrder));
    expect(await filtered(shuffled)).toEqual(await filtered(inOrder));
    inOrder.close();
    shuffled.close();
  });

  it('answer filtered deployment and adoption, and purchased seats, as the aggregation over every fact does', async () => {
    const facts = licensingHistory();
    const chunks: Fact[][] = [];
    for (let i = 0; i < facts.length; i += 13) chunks.push(facts.slice(i, i + 13));
    const store = await project(chunks);
    const fromFacts = await filtered(store, true);
    expect(fromFacts['deployment/product/platform']!.length).toBeGreaterThan(10);
    expect(fromFacts['deployment/key/entitlement']!.some((r) => (r['purchased'] as number) > 0)).toBe(true);
    expect(fromFacts['deployment/other products/product']).toEqual([]);
    const kept = await filtered(store);
    expect(kept).toEqual(fromFacts);
    // What the rollups answer reads no fact: with the facts gone it answers the same. A customer
    // filter by another key than customer or none still counts from the facts (then empty).
    await store.rows('DELETE FROM facts');
    const bare = await filtered(store);
    const fromRollups = (name: string) =>
      /^deployment\/(all|product|key|key\+product)\//.test(name) ||
      /^deployment\/(customer|product\+customer)\/(customer|none)$/.test(name) ||
      /^adoption\/(all|product|key|key\+product)$/.test(name);
    const answered = Object.keys(kept).filter(fromRollups);
    expect(answered.length).toBe(32);
    for (const name of answered) expect(bare[name], name).toEqual(kept[name]);
    expect(kept['deployment/customer/platform']!.length).toBeGreaterThan(0);
    expect(bare['deployment/customer/platform']).toEqual([]);
    store.close();
  });

  it('drop purchased seats at the end of a term as it stood then, and bring them back from a renewal after the lapse, batches late or not', async () => {
    const DAY = 24 * HOUR;
    const live = (n: number, id: string, at: number, endsAt: number | null, extra: Partial<Fact> = {}) =>
      fact(n, 'entitlement.created', at, id, {
        productId: 'prod_0',
        customerId: 'cus_0',
        entitlementId: id,
        offeringId: 'off_x',
        state: 'active',
        seats: NO_OVERRIDE,
        endsAt: endsAt ?? NO_END,
        ...extra,
      });
    const later = (n: number, type: string, at: number, id: string, extra: Partial<Fact>) =>
      fact(n, type, at, id, {
        productId: 'prod_0',
        customerId: 'cus_0',
        entitlementId: id,
        offeringId: 'off_x',
        seats: NO_OVERRIDE,
        ...extra,
      });
    const facts = [
      fact(0, 'offering.created', T0 - 10 * HOUR, 'off_x', { productId: 'prod_0', offeringId: 'off_x', seats: 5 }),
      // Lapses on day 1, renewed on day 3 (from then: it had lapsed), lapses again on day 7.
      live(1, 'ent_lapse', T0, T0 + 30 * HOUR),
      // Renewed before its end: no drop at the old end, one at the new.
      live(2, 'ent_early', T0 + HOUR, T0 + 50 * HOUR),
      // Its end cleared by an update before it came: bought throughout.
      live(3, 'ent_cleared', T0 + 2 * HOUR, T0 + 20 * HOUR),
      // Suspended before its end: still bought until the end.
      live(4, 'ent_paused', T0 + 3 * HOUR, T0 + 60 * HOUR, { seats: 3 }),
      // Its end far ahead (as it stands): a drop in that period.
      live(5, 'ent_ahead', T0 + 4 * HOUR, T0 + 1000 * HOUR),
      // Imported with its term already over: never bought in the reports.
      live(6, 'ent_over', T0 + 5 * HOUR, T0 + 3 * HOUR),
      later(7, 'entitlement.updated', T0 + 10 * HOUR, 'ent_cleared', { state: 'active', endsAt: NO_END }),
      later(8, 'entitlement.suspended', T0 + 30 * HOUR, 'ent_paused', { state: 'suspended', endsAt: T0 + 60 * HOUR, seats: 3 }),
      later(9, 'entitlement.renewed', T0 + 40 * HOUR, 'ent_early', { state: 'active', endsAt: T0 + 150 * HOUR }),
      later(10, 'entitlement.renewed', T0 + 80 * HOUR, 'ent_lapse', { state: 'active', endsAt: T0 + 180 * HOUR }),
      later(11, 'entitlement.key_issued', T0 + 90 * HOUR, 'ent_lapse', { offeringId: null, seats: null }),
    ];
    const inOrder = await project(facts.map((f) => [f]));
    // Late: the renewals and the update before the events they follow.
    const late = await project([facts.slice(7), facts.slice(0, 7)]);
    const purchases = (s: ReportStore) =>
      s.rows<{ entitlement_id: string; at_ms: bigint; k: string; delta: number }>(
        `SELECT entitlement_id, at_ms, k, delta FROM seat_purchases ORDER BY entitlement_id, k`,
      );
    const kept = await purchases(inOrder);
    expect(await purchases(late)).toEqual(kept);
    const pad = (at: number) => String(at).padStart(16, '0');
    expect(kept.filter((r) => r.entitlement_id === 'ent_lapse')).toEqual([
      { entitlement_id: 'ent_lapse', at_ms: BigInt(T0), k: `${pad(T0)}evt_0001\u00011`, delta: 5 },
      // The end's drop: at the end's time, keyed by the event that set the end, part 2.
      { entitlement_id: 'ent_lapse', at_ms: BigInt(T0 + 30 * HOUR), k: `${pad(T0 + 30 * HOUR)}evt_0001\u00012`, delta: -5 },
      { entitlement_id: 'ent_lapse', at_ms: BigInt(T0 + 80 * HOUR), k: `${pad(T0 + 80 * HOUR)}evt_0010\u00011`, delta: 5 },
      { entitlement_id: 'ent_lapse', at_ms: BigInt(T0 + 180 * HOUR), k: `${pad(T0 + 180 * HOUR)}evt_0010\u00012`, delta: -5 },
    ]);
    const q = { from: T0, to: T0 + 50 * DAY, now: T0 + 50 * DAY, granularity: 'day' as const, by: 'entitlement' as const };
    const scope = { accountId: ACCOUNT, productId: null };
    const rows = await runReport(inOrder, 'deployment', scope, q);
    const shown = new Map(rows.map((r) => [`${(r.period - T0) / DAY}|${r.key}`, r['purchased']]));
    expect(shown).toEqual(
      new Map([
        ['0|ent_lapse', 5],
        ['0|ent_early', 5],
        ['0|ent_cleared', 5],
        ['0|ent_paused', 3],
        ['0|ent_ahead', 5],
        ['1|ent_lapse', 0],
        ['2|ent_paused', 0],
        ['3|ent_lapse', 5],
        ['6|ent_early', 0],
        ['7|ent_lapse', 0],
        ['41|ent_ahead', 0],
      ]),
    );
    // By product: each day's end is the sum of the entitlements bought then.
    const byProduct = await runReport(inOrder, 'deployment', scope, { ...q, by: 'product' });
    expect(byProduct.map((r) => [(r.period - T0) / DAY, r['purchased']])).toEqual([
      [0, 23],
      [1, 18],
      [2, 15],
      [3, 20],
      [6, 15],
      [7, 10],
      [41, 5],
    ]);
    for (const s of [inOrder, late])
      for (const by of ['entitlement', 'product', 'customer', 'none'] as const)
        expect(await runReport(s, 'deployment', scope, { ...q, by })).toEqual(
          await runReport(s, 'deployment', scope, { ...q, by, fromFacts: true }),
        );
    inOrder.close();
    late.close();
  });

  it('count purchased seats and seats in use at each period end as a replay of the events does', async () => {
    const facts = licensingHistory();
    const types = new Set(facts.map((f) => f.type));
    for (const t of [
      'offering.updated',
      'entitlement.updated',
      'entitlement.suspended',
      'entitlement.revoked',
      'entitlement.transferred',
      'entitlement.renewed',
    ])
      expect(types).toContain(t);
    // Terms end within the range: some entitlements lapse, and some of those are renewed after it.
    const ends = facts.filter((f) => f.endsAt !== null && f.endsAt !== NO_END && f.endsAt > f.at && f.endsAt < T0 + 800 * HOUR);
    expect(new Set(ends.map((f) => `${f.subjectId}|${f.endsAt}`)).size).toBeGreaterThanOrEqual(5);
    expect(facts.some((f) => f.type === 'entitlement.renewed' && ends.some((e) => e.subjectId === f.subjectId && e.endsAt! < f.at))).toBe(
      true,
    );
    const chunks: Fact[][] = [];
    for (let i = 0; i < facts.length; i += 10) chunks.push(facts.slice(i, i + 10));
    const store = await project(chunks.reverse());
    // Drops at a term's end (part 2 of the sort key), some of them followed by a renewal's seats.
    const drops = await store.rows<{ n: bigint }>(`SELECT count(*) AS n FROM seat_purchases WHERE ends_with(k, chr(1) || '2')`);
    expect(Number(drops[0]!.n)).toBeGreaterThanOrEqual(3);
    const from = T0 + 50 * HOUR;
    const to = T0 + 800 * HOUR;
    const DAY = 24 * HOUR;
    const scope = { accountId: ACCOUNT, productId: null };
    for (const by of ['product', 'customer', 'entitlement', 'none'] as const) {
      const rows = await runReport(store, 'deployment', scope, { from, to, now: to, granularity: 'day', by });
      const shown = new Set(rows.map((r) => `${r.period}|${r.key}`));
      for (const r of rows) {
        const { purchased, inUse } = replay(facts, Math.min(r.period + DAY, to), by);
        expect({ purchased: r['purchased'], end: r['end'] }).toEqual({ purchased: purchased.get(r.key) ?? 0, end: inUse.get(r.key) ?? 0 });
      }
      // Every day on which a key's purchased seats changed has its row (with or without a device's change).
      for (let day = Math.floor(from / DAY) * DAY; day < to; day += DAY) {
        const before = replay(facts, Math.max(day, from), by).purchased;
        for (const [key, seats] of replay(facts, Math.min(day + DAY, to), by).purchased)
          if (seats !== (before.get(key) ?? 0)) expect(shown).toContain(`${day}|${key}`);
      }
      expect(rows.length).toBeGreaterThan(20);
    }
    const byPlatform = await runReport(store, 'deployment', scope, { from, to, now: to, granularity: 'day', by: 'platform' });
    expect(byPlatform.length).toBeGreaterThan(0);
    expect(byPlatform.every((r) => r['purchased'] === null)).toBe(true);
    store.close();
  });
});
