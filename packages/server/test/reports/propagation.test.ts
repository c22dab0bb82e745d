import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Leasehold, type Clock, type Fetch, type License } from '../../../sdk/src/index.js';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Device {
  n: number;
  fingerprint: string;
  license: License;
  online: boolean;
}

/**
 * The fleet's twin: real SDK clients (their lease verification, cache and refresh) against the
 * real server's router and store, on the server's clock. The devices' own refresh schedule is not
 * run (their timers never fire): the test decides who refreshes and who stays offline, so every
 * figure of the propagation answer is known exactly from what the devices themselves hold.
 */
describe.each(await storeKinds())('propagation on %s', (kind) => {
  let h: Harness;
  let cacheRoot: string;
  const devices: Device[] = [];
  const second: Device[] = [];
  let entitlementId: string;
  let secondId: string;
  let changeEvent: string;
  const ok = async (method: string, url: string, body?: unknown) => {
    const res = await h.call(method, url, body);
    if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const latestEvent = async (query: string) => (await ok('GET', `/v1/events?${query}`)).data[0].id as string;

  const open = async (n: number, key: string, jwks: Json, into: Device[]) => {
    const fingerprint = `fleet-twin-${n}`;
    const clock: Clock = { now: () => h.clock.now(), setTimer: () => ({ cancel: () => {} }) };
    const device = { n, fingerprint, online: true } as Device;
    const fetch: Fetch = async (input, init) => {
      if (!device.online) throw new TypeError('fetch failed: connect ECONNREFUSED');
      const url = new URL(input);
      const res = await h.app.inject({
        method: init.method as 'POST',
        url: url.pathname + url.search,
        headers: init.headers as Record<string, string>,
        ...(init.body ? { payload: init.body as string } : {}),
      });
      return new Response(res.statusCode === 204 ? null : res.body, {
        status: res.statusCode,
        headers: res.headers as Record<string, string>,
      });
    };
    device.license = await Leasehold.open({
      serverUrl: 'http://twin.test',
      product: 'studio',
      publicKeys: jwks,
      cacheDir: join(cacheRoot, fingerprint),
      timeMarkDir: null,
      fingerprint,
      clock,
      fetch,
      courtesy: { onOpen: false },
      device: { name: `Device ${n}` },
    });
    expect((await device.license.activate(key)).valid).toBe(true);
    into.push(device);
    return device;
  };

  /** What the devices hold, as the SDK sees it: its lease's expiry. */
  const expiryOf = (d: Device) => d.license.status().expiresAt!.toISOString();
  const latestExpiry = (ds: Device[]) => (ds.length ? ds.map(expiryOf).sort().at(-1)! : null);

  beforeAll(async () => {
    h = await createHarness(kind);
    cacheRoot = mkdtempSync(join(tmpdir(), 'leasehold-twin-'));
    await ok('POST', '/v1/products', { code: 'studio', name: 'Studio' });
    for (const code of ['export', 'cloud', 'render'])
      await ok('POST', '/v1/products/studio/features', { code, name: code, type: 'boolean' });
    await ok('POST', '/v1/offerings', {
      productId: 'studio',
      code: 'studio-fleet',
      name: 'Studio Fleet',
      licenseModel: 'subscription',
      seatModel: 'node_locked',
      seats: 20,
      term: 'P1Y',
      leasePeriod: 'P1D',
      features: { export: true },
    });
    const customer = await ok('POST', '/v1/customers', { name: 'Fleet Co' });
    const jwks = (await h.call('GET', '/.well-known/jwks.json', undefined, { key: null })).body;
    const e = await ok('POST', '/v1/entitlements', { customerId: customer.id, offeringId: 'studio-fleet' });
    const e2 = await ok('POST', '/v1/entitlements', { customerId: customer.id, offeringId: 'studio-fleet' });
    entitlementId = e.id;
    secondId = e2.id;
    // Twelve devices, a minute apart: their leases end a minute apart too.
    for (let n = 0; n < 12; n++) {
      await open(n, e.key, jwks, devices);
      h.clock.advance(MINUTE);
    }
    for (let n = 12; n < 14; n++) await open(n, e2.key, jwks, second);
  }, 120_000);

  afterAll(async () => {
    for (const d of [...devices, ...second]) await d.license.close().catch(() => undefined);
    await h?.close();
    rmSync(cacheRoot, { recursive: true, force: true });
  });

  const propagation = (query = '') => ok('GET', `/v1/entitlements/${entitlementId}/propagation${query}`);
  const row = (answer: Json, d: Device) => answer.items.find((i: Json) => i.fingerprint === d.fingerprint);

  it('before any change every device holds the current rights', async () => {
    const p = await propagation();
    expect(p).toMatchObject({
      devices: 12,
      held: 12,
      behind: 0,
      stopped: 0,
      allBy: null,
      target: { entitlementVersion: 1, offeringId: expect.any(String) },
    });
    expect(p.items).toHaveLength(12);
  });

  it('after a change: refreshed devices hold it, offline ones are behind until their lease ends, exactly', async () => {
    h.clock.advance(10 * MINUTE);
    await ok('PATCH', `/v1/entitlements/${entitlementId}`, { overrides: { features: { cloud: true } } });
    changeEvent = await latestEvent(`entitlement=${entitlementId}&type=entitlement.updated`);

    const before = await propagation();
    expect(before).toMatchObject({ devices: 12, held: 0, behind: 12, stopped: 0, allBy: latestExpiry(devices) });
    expect(before.target.entitlementVersion).toBe(2);

    const online = devices.slice(0, 7);
    const offline = devices.slice(7);
    for (const d of offline) d.online = false;
    h.clock.advance(5 * MINUTE);
    for (const d of online) {
      expect((await d.license.refresh({ force: true })).refreshed).toBe(true);
      expect(d.license.hasFeature('cloud')).toBe(true);
    }
    for (const d of offline) {
      expect((await d.license.refresh()).refreshed).toBe(false);
      expect(d.license.hasFeature('cloud')).toBe(false);
    }

    const p = await propagation();
    expect({ devices: p.devices, held: p.held, behind: p.behind, stopped: p.stopped, allBy: p.allBy }).toEqual({
      devices: 12,
      held: 7,
      behind: 5,
      stopped: 0,
      allBy: latestExpiry(offline),
    });
    for (const d of devices) {
      const r = row(p, d);
      const refreshed = online.includes(d);
      expect(r, d.fingerprint).toMatchObject({
        name: `Device ${d.n}`,
        holds: refreshed,
        standing: refreshed ? 'held' : 'behind',
        rightsVersion: { entitlementVersion: refreshed ? 2 : 1, offeringVersion: 1 },
        leaseExpiresAt: expiryOf(d),
      });
      expect(Date.parse(r.lastSeenAt)).toBeLessThanOrEqual(h.clock.now());
    }
    // Version 1 of the entitlement: every device holds it (or newer).
    expect(await propagation('?version=1')).toMatchObject({ held: 12, behind: 0, allBy: null });

    // The same answer by the event that made the change.
    const byEvent = await ok('GET', `/v1/reports/propagation?event=${changeEvent}`);
    expect(byEvent).toMatchObject({
      eventId: changeEvent,
      eventType: 'entitlement.updated',
      target: { entitlementVersion: 2 },
      devices: 12,
      held: 7,
      behind: 5,
      stopped: 0,
      allBy: latestExpiry(offline),
      entitlements: [{ entitlementId, held: 7, behind: 5 }],
    });
    expect(byEvent.items).toHaveLength(12);
  });

  it('past the lease period the offline devices count as stopped, not behind', async () => {
    h.clock.advance(DAY + HOUR);
    const online = devices.slice(0, 7);
    const offline = devices.slice(7);
    for (const d of [...online, ...second]) expect((await d.license.refresh({ force: true })).refreshed).toBe(true);
    for (const d of offline) expect(d.license.status().valid).toBe(false);
    const p = await propagation();
    expect({ held: p.held, behind: p.behind, stopped: p.stopped, allBy: p.allBy }).toEqual({ held: 7, behind: 0, stopped: 5, allBy: null });
    for (const d of offline) expect(row(p, d)).toMatchObject({ standing: 'stopped', holds: false, leaseExpiresAt: expiryOf(d) });
    // A device back online takes the rights: stopped → held.
    offline[0]!.online = true;
    expect((await offline[0]!.license.refresh({ force: true })).refreshed).toBe(true);
    expect(await propagation()).toMatchObject({ held: 8, behind: 0, stopped: 4 });
    offline[0]!.online = false;
  });

  it('an offering update: every entitlement on the offering, in total and per entitlement', async () => {
    h.clock.advance(MINUTE);
    await ok('PATCH', '/v1/offerings/studio-fleet', { features: { export: true, render: true } });
    const event = await latestEvent('type=offering.updated');
    // Devices 0–3 and one of the second entitlement's refresh; 4–7 (refreshed earlier) stay behind.
    for (const d of [...devices.slice(0, 4), second[0]!]) expect((await d.license.refresh({ force: true })).refreshed).toBe(true);
    for (const d of [...devices.slice(0, 4), second[0]!]) expect(d.license.hasFeature('render')).toBe(true);
    const behind = [...devices.slice(4, 8), second[1]!];
    const p = await ok('GET', `/v1/reports/propagation?event=${event}`);
    expect(p).toMatchObject({ eventType: 'offering.updated', target: { offeringVersion: 2 }, items: null });
    expect({ devices: p.devices, held: p.held, behind: p.behind, stopped: p.stopped, allBy: p.allBy }).toEqual({
      devices: 14,
      held: 5,
      behind: 5,
      stopped: 4,
      allBy: latestExpiry(behind),
    });
    const per = new Map(p.entitlements.map((e: Json) => [e.entitlementId, [e.held, e.behind, e.stopped]]));
    expect(per).toEqual(
      new Map([
        [entitlementId, [4, 4, 4]],
        [secondId, [1, 1, 0]],
      ]),
    );
    // The entitlement's current rights include its offering's version.
    expect(await propagation()).toMatchObject({ held: 4, behind: 4, stopped: 4, target: { offeringVersion: 2 } });
  });

  it('an event that changed no rights is refused with a stable reason; an unknown one is not found; nothing of the answer changes', async () => {
    // The entitlement's creation wrote version 1: every device on an unexpired lease holds it.
    const created = await ok(
      'GET',
      `/v1/reports/propagation?event=${await latestEvent(`entitlement=${entitlementId}&type=entitlement.created`)}`,
    );
    expect(created).toMatchObject({ target: { entitlementVersion: 1 }, held: 8, behind: 0, stopped: 4, allBy: null });
    const activation = await latestEvent('type=activation.*');
    const refused = await h.call('GET', `/v1/reports/propagation?event=${activation}`);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'INVALID_REQUEST', details: { reason: 'NO_RIGHTS_CHANGE' } });
    expect((await h.call('GET', '/v1/reports/propagation?event=evt_unknown')).status).toBe(404);
    const future = await h.call('GET', `/v1/entitlements/${entitlementId}/propagation?version=99`);
    expect(future.status).toBe(400);
    expect(future.body.error.code).toBe('INVALID_REQUEST');
    expect((await h.call('GET', '/v1/entitlements/ent_unknown/propagation')).status).toBe(404);
  });
});
