/**
 * Judges a concurrency run: the race clients' request logs against what the database holds. Pure
 * functions over plain values, so every rule here can be shown to fail on a made-up log.
 */
import type { RaceEntry, RaceLicense, SentRecord } from './race-protocol.js';

export type Overage = 'block' | 'bill' | { allowPercent: number };

/** A license under race, with the limits the clients must never see passed. */
export interface RaceTarget extends RaceLicense {
  entitlementId: string;
  seats: number;
  poolSize: number;
  quotas: Record<string, { limit: number; overage: Overage }>;
}

export function quotaCeiling(q: { limit: number; overage: Overage }): number {
  if (q.overage === 'bill') return Number.POSITIVE_INFINITY;
  if (q.overage === 'block') return q.limit;
  return Math.floor(q.limit * (1 + q.overage.allowPercent / 100));
}

/** What the database holds for one entitlement after the run. */
export interface FinalState {
  activations: Array<{ id: string; fingerprint: string; state: string; endReason: string | null }>;
  leaseIds: string[];
  events: Record<string, number>;
  /** Pool elements held by live activations, by activation id. */
  held: Record<string, number>;
  usageRecords: Array<{ key: string; feature: string; quantity: number }>;
  /** usage_counters.used of the running period, by feature. */
  counters: Record<string, number>;
}

/** Which answers a request may get; anything else (5xx, 429, no answer, an odd code) is a finding. */
const EXPECTED: Record<RaceEntry['op'], Array<[number, string | null]>> = {
  activate: [
    [200, null],
    [201, null],
    [409, 'SEAT_LIMIT_REACHED'],
  ],
  heartbeat: [
    [200, null],
    [404, 'NOT_ACTIVATED'],
  ],
  refresh: [
    [200, null],
    [404, 'NOT_ACTIVATED'],
  ],
  deactivate: [
    [204, null],
    [404, 'NOT_ACTIVATED'],
  ],
  checkout: [
    [200, null],
    [409, 'POOL_EXHAUSTED'],
    [404, 'NOT_ACTIVATED'],
  ],
  checkin: [
    [200, null],
    [400, 'INVALID_REQUEST'],
    [404, 'NOT_ACTIVATED'],
  ],
  usage: [
    [200, null],
    [404, 'NOT_ACTIVATED'],
  ],
};

export function isAcked(e: RaceEntry): boolean {
  return e.status >= 200 && e.status < 300;
}

function describe(e: RaceEntry): string {
  return `client ${e.client} lane ${e.lane} #${e.seq} ${e.op} ${e.license}/${e.fingerprint} → ${e.status} ${e.code ?? ''}${
    e.transportError ? ` (${e.transportError})` : ''
  }`;
}

/** Every answer is one the API documents for that request: no 5xx, no lost answer. */
export function unexpectedAnswers(entries: RaceEntry[]): string[] {
  return entries
    .filter((e) => !EXPECTED[e.op].some(([status, code]) => status === e.status && code === e.code))
    .map((e) => `unexpected answer: ${describe(e)}`);
}

/** A device's value over time, for the lower-bound sweep: from `at` on it holds at least `value`. */
interface Step {
  at: number;
  device: string;
  value: number;
}

export interface DeviceReplay {
  violations: string[];
  /** Per license: the live activation id of each device the answers say is live, and what it holds. */
  live: Map<string, Map<string, { activationId: string; held: number }>>;
  /** Per license: every activation id a 201 answer handed out, and whether an acknowledged deactivation ended it. */
  created: Map<string, Map<string, { ended: boolean }>>;
  leaseIds: Map<string, Set<string>>;
  seatSteps: Map<string, Step[]>;
  poolSteps: Map<string, Step[]>;
}

function lanesOf(entries: RaceEntry[]): Map<string, RaceEntry[]> {
  const byDevice = new Map<string, RaceEntry[]>();
  for (const e of entries) {
    const id = `${e.license}/${e.fingerprint}`;
    const list = byDevice.get(id) ?? [];
    list.push(e);
    byDevice.set(id, list);
  }
  for (const list of byDevice.values()) list.sort((a, b) => a.seq - b.seq);
  return byDevice;
}

function getOrSet<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) map.set(key, (v = make()));
  return v;
}

/**
 * Replays each device's requests in order (a device's requests never overlap: one lane sends them
 * all). Nothing but these requests changes a device's seat, so every answer must agree with the
 * answers before it: a 201 only when the device held no seat, NOT_ACTIVATED only when it held none,
 * a pool answer's `held` equal to what the device's earlier checkouts and checkins leave.
 */
export function replayDevices(entries: RaceEntry[], targets: RaceTarget[]): DeviceReplay {
  const out: DeviceReplay = {
    violations: [],
    live: new Map(),
    created: new Map(),
    leaseIds: new Map(),
    seatSteps: new Map(),
    poolSteps: new Map(),
  };
  const poolLimit = new Map(targets.map((t) => [t.name, t.poolSize]));
  for (const [device, list] of lanesOf(entries)) {
    let live: string | null = null;
    let held = 0;
    const license = list[0]!.license;
    const created = getOrSet(out.created, license, () => new Map());
    const leases = getOrSet(out.leaseIds, license, () => new Set());
    const seatSteps = getOrSet(out.seatSteps, license, () => []);
    const poolSteps = getOrSet(out.poolSteps, license, () => []);
    const wrong = (e: RaceEntry, why: string) => out.violations.push(`${why}: ${describe(e)}`);
    for (const e of list) {
      const acked = isAcked(e);
      const [seatBefore, heldBefore] = [live ? 1 : 0, held];
      if (e.leaseId) leases.add(e.leaseId);
      if (e.code === 'NOT_ACTIVATED' && live) wrong(e, `the server lost live activation ${live}`);
      if (acked && e.op !== 'activate' && e.op !== 'deactivate' && !live) wrong(e, 'acknowledged without a seat');
      switch (e.op) {
        case 'activate':
          if (e.status === 201) {
            if (live) wrong(e, `a second seat for a device that holds ${live}`);
            live = e.activationId!;
            held = 0;
            created.set(live, { ended: false });
          } else if (e.status === 200) {
            if (e.activationId !== live) wrong(e, `answered with ${e.activationId}, but the device holds ${live ?? 'no seat'}`);
          } else if (e.status === 409 && live) wrong(e, 'refused a seat to a device that holds one');
          break;
        case 'deactivate':
          if (acked) {
            if (!live) wrong(e, 'deactivated a device that held no seat');
            else created.get(live)!.ended = true;
            live = null;
            held = 0;
          }
          break;
        case 'checkout':
        case 'checkin':
          if (acked) {
            held += e.op === 'checkout' ? e.count! : -e.count!;
            if (e.pool?.held !== held) wrong(e, `pool answer holds ${e.pool?.held}, earlier answers leave ${held}`);
            if (e.pool && e.pool.inUse > poolLimit.get(license)!) wrong(e, `pool answer shows ${e.pool.inUse} in use`);
          } else if (e.status === 400 && e.count! <= held) wrong(e, `refused a checkin of ${e.count} while holding ${held}`);
          break;
        default:
          break;
      }
      // A seat or element is surely held from the answer that granted it until the request that
      // gives it back is sent; while a request is in flight, count the smaller of before and after.
      const [seatAfter, heldAfter] = [live ? 1 : 0, held];
      seatSteps.push({ at: e.sentAt, device, value: Math.min(seatBefore, seatAfter) }, { at: e.ackAt, device, value: seatAfter });
      poolSteps.push({ at: e.sentAt, device, value: Math.min(heldBefore, heldAfter) }, { at: e.ackAt, device, value: heldAfter });
    }
    if (live) getOrSet(out.live, license, () => new Map()).set(device.slice(license.length + 1), { activationId: live, held });
  }
  return out;
}

/**
 * The most seats (or elements) the answers prove were held at one moment, over all devices of a
 * license. Each device's steps come in its own order; at equal times every decrease is applied
 * before any increase, so a tie never shows an overlap that did not happen.
 */
export function provenPeak(steps: Step[]): { peak: number; at: number; holders: Record<string, number> } {
  const last = new Map<string, number>();
  const changes = steps.map((s, i) => {
    const delta = s.value - (last.get(s.device) ?? 0);
    last.set(s.device, s.value);
    return { at: s.at, device: s.device, delta, i };
  });
  changes.sort((a, b) => a.at - b.at || a.delta - b.delta || a.i - b.i);
  const current = new Map<string, number>();
  let total = 0;
  let peak = { peak: 0, at: 0, holders: {} as Record<string, number> };
  for (const c of changes) {
    total += c.delta;
    current.set(c.device, (current.get(c.device) ?? 0) + c.delta);
    if (total > peak.peak) peak = { peak: total, at: c.at, holders: Object.fromEntries([...current].filter(([, v]) => v > 0)) };
  }
  return peak;
}

export interface UsageReplay {
  violations: string[];
  /** Per license: every key some acknowledged answer counted, with the record it carried and how many answers counted it. */
  counted: Map<string, Map<string, { record: SentRecord; times: number }>>;
  stats: { accepted: number; duplicates: number; rejected: Record<string, number> };
}

/**
 * Works out, from the usage answers, which answer counted which key. A lane's own keys are sent
 * only by that lane, in order; a shared key goes alone in its report, so `accepted` says whether
 * that answer counted it. Each answer's accepted and duplicate counts must match what the earlier
 * answers imply, and no quota in an answer may be past its ceiling.
 */
export function replayUsage(entries: RaceEntry[], targets: RaceTarget[]): UsageReplay {
  const out: UsageReplay = { violations: [], counted: new Map(), stats: { accepted: 0, duplicates: 0, rejected: {} } };
  const byName = new Map(targets.map((t) => [t.name, t]));
  const usage = entries
    .filter((e) => e.op === 'usage' && isAcked(e))
    .sort((a, b) => a.client - b.client || a.lane - b.lane || a.seq - b.seq);
  for (const e of usage) {
    const target = byName.get(e.license)!;
    const counted = getOrSet(out.counted, e.license, () => new Map());
    const answer = e.usage!;
    const records = e.records!;
    const wrong = (why: string) => out.violations.push(`${why}: ${describe(e)}`);
    out.stats.accepted += answer.accepted;
    out.stats.duplicates += answer.duplicates;
    for (const r of answer.rejected) out.stats.rejected[r.code] = (out.stats.rejected[r.code] ?? 0) + 1;
    if (answer.accepted + answer.duplicates + answer.rejected.length !== records.length) {
      wrong(`${answer.accepted} accepted + ${answer.duplicates} duplicates + ${answer.rejected.length} rejected ≠ ${records.length} sent`);
    }
    for (const [feature, used] of Object.entries(answer.used)) {
      const q = target.quotas[feature];
      if (q && used > quotaCeiling(q)) wrong(`${feature} at ${used}, past its ceiling ${quotaCeiling(q)}`);
    }
    if (answer.rejected.some((r) => r.code !== 'QUOTA_EXHAUSTED')) wrong('a record was rejected for another reason than its quota');
    const rejected = new Set(answer.rejected.map((r) => r.idempotencyKey));
    if (e.batch === 'shared') {
      const r = records[0]!;
      if (answer.accepted === 1) getOrSet(counted, r.idempotencyKey, () => ({ record: r, times: 0 })).times++;
      continue;
    }
    const inBatch = new Set<string>();
    let accepted = 0;
    let duplicates = 0;
    for (const r of records) {
      const key = r.idempotencyKey;
      if (inBatch.has(key) || counted.has(key)) duplicates++;
      else if (!rejected.has(key)) {
        accepted++;
        counted.set(key, { record: r, times: 1 });
      }
      inBatch.add(key);
    }
    if (accepted !== answer.accepted || duplicates !== answer.duplicates) {
      wrong(
        `answered ${answer.accepted} accepted and ${answer.duplicates} duplicates; the earlier answers imply ${accepted} and ${duplicates}`,
      );
    }
  }
  return out;
}

/** The database against the answers: everything acknowledged is there exactly once, nothing else is. */
export function compareFinal(
  target: RaceTarget,
  state: FinalState,
  devices: DeviceReplay,
  usage: UsageReplay,
  entries: RaceEntry[],
): string[] {
  const v: string[] = [];
  const name = target.name;
  const live = state.activations.filter((a) => a.state === 'active');
  if (live.length > target.seats) v.push(`${name}: ${live.length} live activations for ${target.seats} seats`);
  const expectedLive = devices.live.get(name) ?? new Map();
  const liveIds = new Set(live.map((a) => a.id));
  for (const [fingerprint, { activationId }] of expectedLive) {
    if (!liveIds.has(activationId)) v.push(`${name}: acknowledged activation ${activationId} of ${fingerprint} is not live`);
  }
  const expectedLiveIds = new Set([...expectedLive.values()].map((x) => x.activationId));
  for (const a of live)
    if (!expectedLiveIds.has(a.id)) v.push(`${name}: activation ${a.id} (${a.fingerprint}) is live but no answer says so`);

  const created = devices.created.get(name) ?? new Map<string, { ended: boolean }>();
  const stored = new Map(state.activations.map((a) => [a.id, a]));
  for (const [id, { ended }] of created) {
    const a = stored.get(id);
    if (!a) v.push(`${name}: acknowledged activation ${id} is missing`);
    else if (ended && (a.state !== 'deactivated' || (a.endReason !== 'released' && a.endReason !== 'rehost')))
      v.push(`${name}: activation ${id} was deactivated but is ${a.state} (${a.endReason})`);
  }
  for (const a of state.activations) if (!created.has(a.id)) v.push(`${name}: activation ${a.id} exists, but no answer created it`);
  const answered = entries.filter((e) => e.license === name);
  const count = (op: string, status: number) => answered.filter((e) => e.op === op && e.status === status).length;
  if ((state.events['activation.created'] ?? 0) !== count('activate', 201))
    v.push(`${name}: ${state.events['activation.created'] ?? 0} activation.created events for ${count('activate', 201)} activations`);
  if ((state.events['activation.deactivated'] ?? 0) !== count('deactivate', 204))
    v.push(
      `${name}: ${state.events['activation.deactivated'] ?? 0} activation.deactivated events for ${count('deactivate', 204)} deactivations`,
    );
  if (state.events['activation.released']) v.push(`${name}: ${state.events['activation.released']} seats were released by the server`);

  const leases = devices.leaseIds.get(name) ?? new Set<string>();
  const storedLeases = new Set(state.leaseIds);
  const missingLeases = [...leases].filter((id) => !storedLeases.has(id));
  const strayLeases = state.leaseIds.filter((id) => !leases.has(id));
  if (missingLeases.length)
    v.push(`${name}: ${missingLeases.length} acknowledged leases are not recorded (${missingLeases.slice(0, 3).join(', ')})`);
  if (strayLeases.length)
    v.push(`${name}: ${strayLeases.length} recorded leases no answer handed out (${strayLeases.slice(0, 3).join(', ')})`);

  let inUse = 0;
  for (const [fingerprint, { activationId, held }] of expectedLive) {
    const has = state.held[activationId] ?? 0;
    inUse += has;
    if (has !== held) v.push(`${name}: ${fingerprint} holds ${has} pool elements, its answers leave ${held}`);
  }
  if (inUse > target.poolSize) v.push(`${name}: ${inUse} pool elements in use of ${target.poolSize}`);

  const counted = usage.counted.get(name) ?? new Map<string, { record: SentRecord; times: number }>();
  const records = new Map<string, { feature: string; quantity: number }>();
  for (const r of state.usageRecords) {
    if (records.has(r.key)) v.push(`${name}: usage key ${r.key} stored twice`);
    records.set(r.key, r);
  }
  for (const [key, { record, times }] of counted) {
    if (times !== 1) v.push(`${name}: usage key ${key} acknowledged as counted ${times} times`);
    const r = records.get(key);
    if (!r) v.push(`${name}: acknowledged usage key ${key} is not stored`);
    else if (r.feature !== record.feature || r.quantity !== record.quantity)
      v.push(`${name}: usage key ${key} stored as ${r.quantity} ${r.feature}, sent as ${record.quantity} ${record.feature}`);
  }
  for (const key of records.keys()) if (!counted.has(key)) v.push(`${name}: usage key ${key} is stored, but no answer counted it`);
  for (const feature of target.meters) {
    const sum = state.usageRecords.filter((r) => r.feature === feature).reduce((s, r) => s + r.quantity, 0);
    const used = state.counters[feature] ?? 0;
    if (used !== sum) v.push(`${name}: ${feature} counter at ${used}, its records sum to ${sum}`);
    const ceiling = quotaCeiling(target.quotas[feature]!);
    if (used > ceiling) v.push(`${name}: ${feature} used ${used}, past its ceiling ${ceiling}`);
  }
  return v;
}

/** Counts of answers by license, request and outcome, and answer times, for LEASEHOLD_RACE_REPORT. */
export function summarize(entries: RaceEntry[]): {
  requests: number;
  ms: number;
  latency: Record<string, number>;
  answers: Record<string, number>;
} {
  const answers: Record<string, number> = {};
  for (const e of entries) {
    const key = `${e.license} ${e.op} ${e.status}${e.code ? ` ${e.code}` : ''}`;
    answers[key] = (answers[key] ?? 0) + 1;
  }
  const times = entries.map((e) => e.ackAt - e.sentAt).sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(times.length * q))] ?? 0;
  const span = entries.length ? Math.max(...entries.map((e) => e.ackAt)) - Math.min(...entries.map((e) => e.sentAt)) : 0;
  return { requests: entries.length, ms: span, latency: { p50: at(0.5), p99: at(0.99), max: at(1) }, answers };
}
