/**
 * A fleet of devices running the real SDK against a real Leasehold server (its router, services
 * and store, in this process), on one simulated clock that the server and every SDK instance
 * share, so days of fleet life run in minutes. The SDK's own scheduling (refresh from
 * `refreshAfter` with jitter, backoff, courtesy refreshes, heartbeats, its encrypted cache) decides
 * when each device calls; the simulation only decides when a device can reach the server.
 *
 * Requests go through `app.inject()` (the whole HTTP stack but the socket): with simulated time a
 * socket would add only real-time noise. Timers fire in simulated-time order; every request a
 * batch of due timers starts runs concurrently, as a burst of devices would.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Leasehold, ManualClock, type Fetch, type License } from '../../packages/sdk/src/index.js';
import { openServices } from '../../packages/server/src/bootstrap.js';
import { buildApp } from '../../packages/server/src/platform/http/app.js';
import type { App } from '../../packages/server/src/platform/http/route-kit.js';
import { releaseDeadSeats } from '../../packages/server/src/capabilities/licensing/activations/sweeper.js';
import { UlidGenerator } from '../../packages/server/src/foundation/ids.js';
import { DEFAULT_LOAD_LIMITS } from '../../packages/server/src/platform/http/load-shedding.js';
import { Recorder, type Phase } from './recorder.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export type Connectivity = 'always' | 'intermittent' | 'offline-days' | 'air-gapped';
export type SeatKind = 'node-locked' | 'floating' | 'ephemeral';

export interface FleetOptions {
  devices: number;
  store: { kind: 'sqlite' } | { kind: 'postgres'; url: string };
  /** Seeds every random choice: the same seed, the same fleet and the same schedule. */
  seed?: number;
  /** Progress lines (stderr by default). */
  log?: (line: string) => void;
  /** The server's in-flight limit (LEASEHOLD_MAX_IN_FLIGHT; the server's default unless given). */
  maxInFlight?: number;
}

interface Device {
  n: number;
  kind: SeatKind;
  connectivity: Connectivity;
  key: string;
  license: License | null;
  /** Offline-for-days devices: the span they cannot reach the server. */
  offline?: { from: number; to: number };
  /** Ephemeral containers: when this instance stops and a new one takes its place. */
  stopsAt?: number;
  /** For the propagation of the current change: when it stopped running on the old rights. */
  resolvedAt?: number;
  /** The earliest its next request may come, by the server's last Retry-After. */
  notBefore?: number;
}

/** The scenario, in simulated time from the start. */
const ACTIVATION_SPREAD = HOUR;
const CHANGE_AT = 1 * DAY;
const OUTAGE_AT = 2 * DAY;
const OUTAGE_LENGTH = HOUR;
const LEASE_CHANGE_AT = 2.5 * DAY;
/** A herd: every device that can reach the server asks for a new lease in the same instant. */
const HERD_AT = 3.5 * DAY;
export const HERD_WINDOW = 30 * MINUTE;
const END = HERD_AT + HERD_WINDOW;
const STEADY = { from: 0.5 * DAY, to: CHANGE_AT };

const LEASE_PERIOD_MS = DAY;
const COURTESY_MS = 6 * HOUR;
const SWEEP_EVERY = MINUTE;
/** How often every device is asked whether it runs past its lease (the invariant that must hold). */
const AUDIT_EVERY = 30 * MINUTE;

export interface FleetResult {
  devices: number;
  store: string;
  mix: Record<string, number>;
  simulatedDays: number;
  wallSeconds: number;
  requests: number;
  changes: ChangeReport[];
  outage: { steadyPerMin: number; recoveryPerMin: number; recoveryRatio: number; peak5MinPerMin: number; peakRatio: number; shed: number };
  herd: HerdReport;
  pastExpiry: number;
  /** Audits that found a device still granting at its lease's expiry instant, by less than the clock's resolution. */
  atExpiry: number;
  latency: Record<Phase, { requests: number; p50: number; p99: number; max: number }>;
  cpuMicrosPerRequest: number;
}

/**
 * The herd: what the server did when every reachable device called at once (load shedding), and
 * what the SDKs did about it (Retry-After honoured, every device served in the end).
 */
export interface HerdReport {
  devices: number;
  /** The server's in-flight limit during the run. */
  maxInFlight: number;
  /** The most requests the server had been handed and not yet answered, at any moment. */
  maxOutstanding: number;
  /** Requests refused with 503 during the herd window. */
  shed: number;
  /** Retries a device sent sooner than the Retry-After it was given (must be 0). */
  earlyRetries: number;
  /** Share of the herd holding a lease issued after the herd began, by the window's end. */
  served: number;
  /** Share of the herd served within 10 simulated seconds of its start. */
  servedWithin10s: number;
  /** Simulated time until the last device of the herd was served (ms). */
  lastServedMs: number;
}

export interface ChangeReport {
  name: string;
  /** Online throughout: share holding the change within refreshAfter + the SDK's jitter. */
  onlineWithinRefresh: number;
  onlineDevices: number;
  /** All devices: share that hold the change or stopped (lease ended) within one lease period. */
  allWithinLease: number;
  /** The longest any device ran on the old rights after the change (ms). */
  longestStaleMs: number;
  /** The most requests in one minute within the hour after the change, against the steady rate. */
  peakPerMinRatio: number;
}

export async function simulateFleet(options: FleetOptions): Promise<FleetResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  let seed = options.seed ?? 1;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const T0 = Date.parse('2026-06-01T00:00:00.000Z');
  const clock = new ManualClock(T0);
  // The SDK's timers fall on fractional milliseconds (jitter); a server's clock reads whole ones.
  const serverClock = { now: () => Math.floor(clock.now()) };
  const dataDir = mkdtempSync(join(tmpdir(), 'leasehold-fleet-'));
  // The SDK's caches are files it fsyncs: on tmpfs where there is one, so the disk is not the bottleneck.
  const cacheRoot = mkdtempSync(join(existsDir('/dev/shm') ? '/dev/shm' : tmpdir(), 'leasehold-fleet-cache-'));
  const adminKey = `lh_fleet_${randomBytes(16).toString('hex')}`;
  const started = await openServices(
    {
      dataDir,
      databaseUrl: options.store.kind === 'postgres' ? options.store.url : null,
      pgPoolSize: 10,
      masterKey: null,
      adminKey,
    },
    { clock: serverClock, ids: new UlidGenerator(serverClock) },
  );
  // The client rate limits count in real time; the simulated fleet is thousands of devices behind one address.
  const maxInFlight = options.maxInFlight ?? DEFAULT_LOAD_LIMITS.maxInFlight;
  const app = await buildApp(started.services, {
    rateLimits: { clientPerKey: 0, clientPerAddress: 0, signInPerAddress: 0 },
    loadLimits: { ...DEFAULT_LOAD_LIMITS, maxInFlight },
  });
  const recorder = new Recorder(() => clock.now() - T0);
  const admin = adminCaller(app, adminKey);

  try {
    const base = await setUpCatalog(admin);
    const { devices, suspend, suspendedIds } = await enrol(admin, base, options.devices, random);
    const catalog: Catalog = { ...base, suspend, suspendedIds };
    const mix: Record<string, number> = {};
    for (const d of devices) mix[`${d.kind}/${d.connectivity}`] = (mix[`${d.kind}/${d.connectivity}`] ?? 0) + 1;
    log(`fleet: ${devices.length} devices on ${options.store.kind}: ${JSON.stringify(mix)}`);
    const jwks = (await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();

    let serverDown = false;
    // The change being followed: which rights count as the old ones, and whether to note who moved on.
    let tracking = false;
    let staleRule: (l: License) => boolean = () => false;
    const stale = (l: License) => staleRule(l);
    const pending = new Set<Promise<unknown>>();
    let maxOutstanding = 0;
    let earlyRetries = 0;
    const fetchFor =
      (device: Device): Fetch =>
      async (input, init) => {
        const now = clock.now() - T0;
        if (serverDown || !reachable(device, now)) throw new TypeError('fetch failed: connect ECONNREFUSED');
        if (device.notBefore !== undefined && clock.now() < device.notBefore) earlyRetries++;
        delete device.notBefore;
        const url = new URL(input);
        const work = recorder.time(() =>
          app.inject({
            method: init.method as 'POST',
            url: url.pathname + url.search,
            headers: init.headers as Record<string, string>,
            ...(init.body ? { payload: init.body as string } : {}),
          }),
        );
        pending.add(work);
        maxOutstanding = Math.max(maxOutstanding, pending.size);
        try {
          const res = await work;
          const retryAfter = res.statusCode === 503 ? Number(res.headers['retry-after']) : NaN;
          if (Number.isFinite(retryAfter)) device.notBefore = clock.now() + retryAfter * 1000;
          return new Response(res.statusCode === 204 ? null : res.body, {
            status: res.statusCode,
            headers: res.headers as Record<string, string>,
          });
        } finally {
          pending.delete(work);
        }
      };

    const open = async (device: Device, instance: number) => {
      const license = await Leasehold.open({
        serverUrl: 'http://fleet.test',
        product: 'fleet',
        publicKeys: jwks,
        cacheDir: join(cacheRoot, `${device.n}-${instance}`),
        timeMarkDir: null,
        fingerprint: `fleet-device-${device.n}-${instance}`,
        clock,
        fetch: fetchFor(device),
        random,
        courtesy: { onOpen: false, intervalMs: COURTESY_MS },
        // The time checkpoint (clock-tamper detection) writes the cache; every 10 minutes on 10,000 devices it would be most of the run.
        checkpointMs: 6 * HOUR,
        device: {
          name: `Device ${device.n}`,
          platform: 'linux-x64',
          hostname: `host-${device.n}`,
          ...(device.kind === 'ephemeral' ? { ephemeral: true } : {}),
        },
      });
      device.license = license;
      const settle = () => {
        if (tracking && device.resolvedAt === undefined && !stale(license)) device.resolvedAt = clock.now() - T0;
      };
      license.on('changed', settle);
      license.on('refreshed', settle);
      license.on('expired', settle);
      await license.activate(device.key).catch(() => license.status());
    };

    /** Runs simulated time to `until`, timer by timer, waiting for every request a moment started. */
    const runUntil = async (until: number, onTick?: (now: number) => Promise<void>) => {
      let nextSweep = Math.ceil((clock.now() - T0) / SWEEP_EVERY) * SWEEP_EVERY;
      let nextAudit = Math.ceil((clock.now() - T0) / AUDIT_EVERY) * AUDIT_EVERY;
      for (;;) {
        const timer = clock.nextTimerAt();
        const at = Math.min(timer == null ? Infinity : timer - T0, nextSweep, nextAudit, until);
        clock.set(T0 + at);
        await drain(pending);
        if (at === nextSweep) {
          await releaseDeadSeats(started.services);
          await started.services.activity.flush();
          nextSweep += SWEEP_EVERY;
        }
        if (at === nextAudit) {
          for (const d of devices) {
            const over = d.license ? overrun(d.license, clock.now()) : null;
            if (over === null) continue;
            if (over >= CLOCK_RESOLUTION_MS) recorder.pastExpiry++;
            else recorder.atExpiry++;
          }
          nextAudit += AUDIT_EVERY;
        }
        if (onTick) await onTick(at);
        if (at >= until) return;
      }
    };

    // Installation: every device activates once, spread over the first hour.
    recorder.phase = 'activation';
    const order = devices.map((d) => ({ d, at: Math.floor(random() * ACTIVATION_SPREAD) })).sort((a, b) => a.at - b.at);
    let next = 0;
    await runUntil(ACTIVATION_SPREAD, async (now) => {
      const batch: Array<Promise<void>> = [];
      while (next < order.length && order[next]!.at <= now) batch.push(open(order[next++]!.d, 0));
      await Promise.all(batch);
    });
    while (next < order.length) await open(order[next++]!.d, 0);
    log(`fleet: installed in ${recorder.wallSeconds().toFixed(0)} s of wall time`);

    // Containers come and go all along: each instance lives a few hours, then a new one takes its place.
    const containers = devices.filter((d) => d.kind === 'ephemeral');
    for (const d of containers) d.stopsAt = HOUR + Math.floor(random() * 6 * HOUR);
    let instance = 1;
    const cycleContainers = async (now: number) => {
      const due = containers.filter((d) => d.stopsAt! <= now);
      await Promise.all(
        due.map(async (d) => {
          await d.license?.deactivate().catch(() => undefined);
          await d.license?.close();
          d.stopsAt = now + 2 * HOUR + Math.floor(random() * 6 * HOUR);
          await open(d, instance++);
        }),
      );
    };

    recorder.phase = 'steady';
    await runUntil(CHANGE_AT, cycleContainers);

    // A vendor change: the offering most devices hold is downgraded, and some licenses suspended.
    const changes: ChangeReport[] = [];
    const track = async (name: string, apply: () => Promise<void>, isStale: (l: License) => boolean, until: number) => {
      const at = clock.now() - T0;
      const before = new Map(devices.map((d) => [d, d.license ? leaseTimes(d.license) : null]));
      await apply();
      staleRule = isStale;
      // The devices the change concerns: those running on the old rights the moment it is made.
      const affected = devices.filter((d) => d.license && stale(d.license));
      for (const d of devices) delete d.resolvedAt;
      tracking = true;
      recorder.phase = name;
      await runUntil(until, cycleContainers);
      tracking = false;
      changes.push(report(name, at, affected, before, recorder, reachable));
      log(`fleet: ${name}: ${JSON.stringify(changes.at(-1))}`);
    };
    await track(
      'downgrade + suspension',
      async () => {
        await admin('PATCH', `/v1/offerings/${catalog.node.id}`, { features: { tier: 1, seats3d: false } });
        for (const key of catalog.suspend) await admin('POST', `/v1/entitlements/${key}/suspend`, { reason: 'non-payment' });
      },
      (l) => {
        // Running on the old rights: a lease of the node-locked offering still granting tier 3, or a suspended license still permitted.
        const s = l.status();
        if (!s.permitted || !s.entitlement) return false;
        if (catalog.suspendedIds.has(s.entitlement.id)) return true;
        return s.entitlement.offering.code === catalog.node.code && s.features['tier'] === 3;
      },
      OUTAGE_AT,
    );

    // A one-hour outage, and the way the fleet comes back.
    recorder.phase = 'outage';
    serverDown = true;
    await runUntil(OUTAGE_AT + OUTAGE_LENGTH, cycleContainers);
    serverDown = false;
    recorder.phase = 'recovery';
    await runUntil(OUTAGE_AT + OUTAGE_LENGTH + HOUR, cycleContainers);
    const outageShed = recorder.shed;
    recorder.phase = 'steady';
    await runUntil(LEASE_CHANGE_AT, cycleContainers);

    // A lease-period change: the vendor shortens the lease of the node-locked offering.
    await track(
      'lease period change',
      async () => {
        await admin('PATCH', `/v1/offerings/${catalog.node.id}`, { leasePeriod: 'PT12H' });
      },
      (l) => {
        const s = l.status();
        if (!s.permitted || s.entitlement?.offering.code !== catalog.node.code || !s.issuedAt || !s.expiresAt) return false;
        return s.expiresAt.getTime() - s.issuedAt.getTime() > 12 * HOUR + MINUTE;
      },
      HERD_AT,
    );

    // A herd: every device that can reach the server asks for a new lease at the same instant (a
    // vendor's app pushing "check your license now" after a mass change). More at once than the
    // server takes in: it sheds the rest with 503 + Retry-After, and the SDKs come back spread out.
    recorder.phase = 'herd';
    const shedBefore = recorder.shed;
    maxOutstanding = 0;
    const herd = devices.filter((d) => d.license && reachable(d, HERD_AT) && d.license.status().valid);
    const herdAt = clock.now();
    const servedAt = new Map<Device, number>();
    const offs = herd.map((d) => {
      const l = d.license!;
      const served = () => {
        const issued = l.status().issuedAt?.getTime() ?? 0;
        if (!servedAt.has(d) && issued >= Math.floor(herdAt / 1000) * 1000) servedAt.set(d, clock.now() - herdAt);
      };
      l.on('refreshed', served);
      return () => l.off('refreshed', served);
    });
    const calls = herd.map((d) => d.license!.refresh({ force: true }).catch(() => undefined));
    await Promise.all(calls);
    await runUntil(END, cycleContainers);
    for (const off of offs) off();
    const herdReport: HerdReport = {
      devices: herd.length,
      maxInFlight,
      maxOutstanding,
      shed: recorder.shed - shedBefore,
      earlyRetries,
      served: herd.length ? servedAt.size / herd.length : 1,
      servedWithin10s: herd.length ? [...servedAt.values()].filter((ms) => ms <= 10_000).length / herd.length : 1,
      lastServedMs: Math.max(0, ...servedAt.values()),
    };
    log(`fleet: herd: ${JSON.stringify(herdReport)}`);

    for (const d of devices) await d.license?.close();
    const steadyPerMin = recorder.perMinute(STEADY.from, STEADY.to);
    const recoveryPerMin = recorder.perMinute(OUTAGE_AT + OUTAGE_LENGTH, OUTAGE_AT + OUTAGE_LENGTH + HOUR);
    const peak5 = recorder.peakPerMinute(OUTAGE_AT + OUTAGE_LENGTH, OUTAGE_AT + OUTAGE_LENGTH + HOUR, 5);
    return {
      devices: devices.length,
      store: options.store.kind,
      mix,
      simulatedDays: END / DAY,
      wallSeconds: recorder.wallSeconds(),
      requests: recorder.total,
      changes,
      outage: {
        steadyPerMin,
        recoveryPerMin,
        recoveryRatio: recoveryPerMin / steadyPerMin,
        peak5MinPerMin: peak5,
        peakRatio: peak5 / steadyPerMin,
        shed: outageShed,
      },
      herd: herdReport,
      pastExpiry: recorder.pastExpiry,
      atExpiry: recorder.atExpiry,
      latency: recorder.latency(),
      cpuMicrosPerRequest: recorder.cpuMicrosPerRequest(),
    };
  } finally {
    await app.close();
    await started.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(cacheRoot, { recursive: true, force: true });
  }

  /** Whether a device can reach the server at this simulated time. */
  function reachable(device: Device, now: number): boolean {
    switch (device.connectivity) {
      case 'always':
        return true;
      case 'intermittent':
        // Online in about half of the hours, the same hours on every run.
        return hash(device.n * 7919 + Math.floor(now / HOUR)) % 2 === 0;
      case 'offline-days':
        return !(device.offline && now >= device.offline.from && now < device.offline.to);
      case 'air-gapped':
        // Activated at the factory, then never again on a network.
        return now < ACTIVATION_SPREAD;
    }
  }
}

function leaseTimes(l: License): { refreshAfter: number; expiresAt: number } | null {
  const s = l.status();
  return s.refreshAfter && s.expiresAt ? { refreshAfter: s.refreshAfter.getTime(), expiresAt: s.expiresAt.getTime() } : null;
}

/**
 * The server's clock reads whole milliseconds (a real one does too), the devices' run on the
 * simulation's fractional time, and the SDK judges a lease's expiry by its estimate of the
 * server's clock (its skew from the last answer). That estimate cannot be finer than the server
 * clock's resolution, so an audit falling on the very millisecond a lease ends may find the device
 * still valid by less than one: counted apart, as `atExpiry`. Running past expiry by a whole
 * millisecond or more is what must never happen.
 */
const CLOCK_RESOLUTION_MS = 1;

/** How long a device that still grants has been past its lease's expiry (ms), or null when it is not. */
function overrun(l: License, now: number): number | null {
  const s = l.status();
  return s.valid && s.expiresAt !== null && s.expiresAt.getTime() <= now ? now - s.expiresAt.getTime() : null;
}

function report(
  name: string,
  at: number,
  devices: Device[],
  before: Map<Device, { refreshAfter: number; expiresAt: number } | null>,
  recorder: Recorder,
  reachable: (d: Device, now: number) => boolean,
): ChangeReport {
  const T0 = recorder.t0;
  let online = 0;
  let onlineInTime = 0;
  let allInTime = 0;
  let longest = 0;
  let counted = 0;
  for (const d of devices) {
    const lease = before.get(d);
    if (!lease) continue;
    counted++;
    const resolved = d.resolvedAt ?? Infinity;
    longest = Math.max(longest, (Number.isFinite(resolved) ? resolved : recorder.now()) - at);
    if (resolved - at <= LEASE_PERIOD_MS) allInTime++;
    const alwaysOnline = d.connectivity === 'always' && d.kind !== 'ephemeral';
    if (alwaysOnline && reachable(d, at)) {
      online++;
      // The SDK renews from refreshAfter, spread over a fifth of what is left of the lease (at most an hour).
      const bound = Math.max(lease.refreshAfter - T0, at) + Math.min((lease.expiresAt - lease.refreshAfter) * 0.2, HOUR) + MINUTE;
      if (resolved <= bound) onlineInTime++;
    }
  }
  return {
    name,
    onlineWithinRefresh: online ? onlineInTime / online : 1,
    onlineDevices: online,
    allWithinLease: counted ? allInTime / counted : 1,
    longestStaleMs: longest,
    peakPerMinRatio: recorder.peakPerMinute(at, at + HOUR, 1) / recorder.perMinute(STEADY.from, STEADY.to),
  };
}

interface Catalog {
  node: { id: string; code: string };
  floating: { id: string; code: string };
  ephemeral: { id: string; code: string };
  suspend: string[];
  suspendedIds: Set<string>;
}

type Admin = (method: string, url: string, body?: unknown) => Promise<Record<string, unknown>>;

function adminCaller(app: App, key: string): Admin {
  return async (method, url, body) => {
    const res = await app.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { payload: JSON.stringify(body) } : {}),
    });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.body ? (res.json() as Record<string, unknown>) : {};
  };
}

async function setUpCatalog(admin: Admin): Promise<Omit<Catalog, 'suspend' | 'suspendedIds'>> {
  await admin('POST', '/v1/products', { code: 'fleet', name: 'Fleet' });
  await admin('POST', '/v1/products/fleet/features', { code: 'tier', name: 'Tier', type: 'numeric' });
  await admin('POST', '/v1/products/fleet/features', { code: 'seats3d', name: '3D', type: 'boolean' });
  const offering = async (code: string, extra: Record<string, unknown>) => {
    const o = await admin('POST', '/v1/offerings', {
      productId: 'fleet',
      code,
      name: code,
      licenseModel: 'subscription',
      term: 'P1Y',
      leasePeriod: 'P1D',
      features: { tier: 3, seats3d: true },
      ...extra,
    });
    return { id: o['id'] as string, code };
  };
  return {
    node: await offering('node', { seatModel: 'node_locked', seats: 1 }),
    floating: await offering('floating', { seatModel: 'floating', seats: 10, heartbeatWindow: 'PT3H' }),
    ephemeral: await offering('containers', { seatModel: 'floating', seats: 1000, heartbeatWindow: 'PT1H', ephemeralCounting: 'instance' }),
  };
}

/** The fleet: 80% node-locked, 15% floating (ten devices to a license), 5% containers; most always online. */
async function enrol(
  admin: Admin,
  base: Omit<Catalog, 'suspend' | 'suspendedIds'>,
  count: number,
  random: () => number,
): Promise<{ devices: Device[]; suspend: string[]; suspendedIds: Set<string> }> {
  const customer = async (n: number) =>
    (await admin('POST', '/v1/customers', { name: `Fleet customer ${n}`, externalRef: `fleet-${n}` }))['id'] as string;
  const entitle = async (customerId: string, offeringId: string) => {
    const e = await admin('POST', '/v1/entitlements', { customerId, offeringId });
    return { id: e['id'] as string, key: e['key'] as string };
  };
  const devices: Device[] = [];
  const suspend: string[] = [];
  const suspendedIds = new Set<string>();
  const floatingCount = Math.round(count * 0.15);
  const ephemeralCount = Math.round(count * 0.05);
  const nodeCount = count - floatingCount - ephemeralCount;
  const connectivity = (): Connectivity => {
    const r = random();
    return r < 0.6 ? 'always' : r < 0.85 ? 'intermittent' : r < 0.95 ? 'offline-days' : 'air-gapped';
  };
  for (let i = 0; i < nodeCount; i++) {
    const e = await entitle(await customer(i), base.node.id);
    const d: Device = { n: devices.length, kind: 'node-locked', connectivity: connectivity(), key: e.key, license: null };
    if (d.connectivity === 'offline-days') {
      const from = CHANGE_AT - DAY + Math.floor(random() * 2 * DAY);
      d.offline = { from, to: from + 2 * DAY + Math.floor(random() * 3 * DAY) };
    }
    // One node-locked license in a hundred is suspended for non-payment with the downgrade.
    if (i % 100 === 7) {
      suspend.push(e.id);
      suspendedIds.add(e.id);
    }
    devices.push(d);
  }
  for (let i = 0; i < floatingCount; i += 10) {
    const e = await entitle(await customer(nodeCount + i), base.floating.id);
    for (let j = i; j < Math.min(i + 10, floatingCount); j++)
      devices.push({
        n: devices.length,
        kind: 'floating',
        connectivity: random() < 0.8 ? 'always' : 'intermittent',
        key: e.key,
        license: null,
      });
  }
  const containers = await entitle(await customer(count), base.ephemeral.id);
  for (let i = 0; i < ephemeralCount; i++)
    devices.push({ n: devices.length, kind: 'ephemeral', connectivity: 'always', key: containers.key, license: null });
  return { devices, suspend, suspendedIds };
}

async function drain(pending: Set<Promise<unknown>>): Promise<void> {
  for (let rounds = 0; rounds < 1000; rounds++) {
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    if (pending.size === 0) return;
    await Promise.allSettled([...pending]);
  }
}

function hash(n: number): number {
  let x = n | 0;
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
  return (x ^ (x >>> 16)) >>> 0;
}

function existsDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
