import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LeaseholdError, type LicenseStatus, type Violation } from '../src/index.js';
import { flush, Signer } from './support/fake-server.js';
import { DAY, DEVICE, HOUR, MINUTE, SECOND, T0, world } from './support/open.js';

describe('activation and the cached lease', () => {
  it('a fresh device holds no license; activation grants the features of the signed lease and caches it owner-only', async () => {
    const w = world();
    const license = await w.open();
    expect(license.status()).toMatchObject({ valid: false, code: 'NO_LICENSE', permitted: false });
    expect(license.hasFeature('export')).toBe(false);

    const status = await license.activate(w.key);
    expect(status).toMatchObject({ valid: true, code: 'VALID', mode: 'enforce', activationId: 'act_1', fingerprint: DEVICE });
    expect(status.expiresAt?.getTime()).toBe(T0 + 7 * DAY);
    expect(license.hasFeature('export')).toBe(true);
    expect(license.featureValue('projects')).toBe(10);
    expect(license.hasFeature('cloud')).toBe(false);
    expect(statSync(license.cacheFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(license.cacheFile, 'utf8')).not.toContain(w.key);
    await license.close();
  });

  it('a refused activation throws the server code and leaves the device unlicensed', async () => {
    const w = world();
    const license = await w.open();
    const error = await license.activate('WRONG-KEY').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseholdError);
    expect((error as LeaseholdError).code).toBe('LICENSE_KEY_INVALID');
    w.server.outage = 'down';
    expect(((await license.activate(w.key).catch((e: unknown) => e)) as LeaseholdError).code).toBe('OFFLINE');
    expect(license.status().code).toBe('NO_LICENSE');
  });

  it('works offline from the cache until the lease expires, then LEASE_EXPIRED and nothing is granted', async () => {
    const w = world({ leaseSeconds: 3 * 24 * 3600 });
    const first = await w.open();
    await first.activate(w.key);
    await first.close();

    w.server.outage = 'down';
    const license = await w.open();
    const events: string[] = [];
    license.on('expiring', () => events.push('expiring'));
    license.on('expired', (s) => events.push(`expired:${s.code}`));
    license.on('offline', () => events.push('offline'));
    await license.settled();
    expect(license.status().code).toBe('VALID');
    expect(license.hasFeature('export')).toBe(true);

    w.clock.set(T0 + 3 * DAY - SECOND);
    expect(license.hasFeature('export')).toBe(true);
    expect(events).toContain('expiring');
    w.clock.set(T0 + 3 * DAY);
    expect(license.hasFeature('export')).toBe(false);
    expect(license.featureValue('projects')).toBeUndefined();
    expect(license.status()).toMatchObject({ valid: false, code: 'LEASE_EXPIRED', permitted: false, features: {} });
    expect(events.filter((e) => e.startsWith('expired'))).toEqual(['expired:LEASE_EXPIRED']);
    expect(events.filter((e) => e === 'offline')).toHaveLength(1);
    await license.close();
  });
});

describe('refresh', () => {
  it('renews from refreshAfter, with the attempt spread by jitter', async () => {
    const times: number[] = [];
    for (const r of [0, 0.999]) {
      const w = world({ leaseSeconds: (10 * HOUR) / SECOND });
      const license = await w.open({ random: () => r, courtesy: { intervalMs: 0 } });
      await license.activate(w.key);
      w.clock.advance(12 * HOUR);
      await flush();
      times.push(w.server.callsTo('/v1/client/refresh')[0]! - T0);
      expect(license.status().expiresAt!.getTime()).toBeGreaterThan(T0 + 10 * HOUR);
      await license.close();
    }
    // refreshAfter is halfway (5 h); the spread is a fifth of the remaining half (1 h).
    expect(times[0]).toBe(5 * HOUR);
    expect(times[1]).toBeGreaterThan(5 * HOUR + 55 * MINUTE);
    expect(times[1]).toBeLessThanOrEqual(6 * HOUR);
  });

  it('a courtesy refresh on open and on an interval picks up a feature added in the cloud long before the lease ends', async () => {
    const w = world();
    const first = await w.open();
    await first.activate(w.key);
    await first.close();

    w.server.license.features = { export: true, projects: 10, cloud: true };
    const license = await w.open();
    expect(license.hasFeature('cloud')).toBe(false); // open never waits for the network
    await license.settled();
    expect(license.hasFeature('cloud')).toBe(true);

    const changes: LicenseStatus[] = [];
    license.on('changed', (s) => changes.push(s));
    w.server.license.features = { export: true, projects: 25, cloud: true };
    w.clock.advance(HOUR);
    await flush();
    expect(license.featureValue('projects')).toBe(25);
    expect(changes.at(-1)?.features.projects).toBe(25);
    expect(license.status().expiresAt!.getTime()).toBe(T0 + HOUR + 7 * DAY);
    await license.close();
  });

  it('a courtesy refresh is silent offline; a forced refresh reports what happened', async () => {
    const w = world();
    const license = await w.open();
    await license.activate(w.key);
    w.server.outage = 'down';
    const quiet = await license.refresh();
    expect(quiet).toMatchObject({ refreshed: false, code: 'OFFLINE' });
    expect(license.status().code).toBe('VALID');

    w.server.outage = null;
    w.server.license.features = { export: false };
    const forced = await license.refresh({ force: true });
    expect(forced).toMatchObject({ refreshed: true, code: 'VALID' });
    expect(license.hasFeature('export')).toBe(false);

    w.server.license.status = 'suspended';
    const refused = await license.refresh({ force: true });
    expect(refused).toMatchObject({ refreshed: false, code: 'SUSPENDED' });
    expect(refused.error).toBeInstanceOf(LeaseholdError);
    await license.close();
  });

  it('a suspension reaches the application at the next refresh, persists in the cache, and a resumption comes back', async () => {
    const w = world({ leaseSeconds: 2 * 3600 });
    const license = await w.open({ courtesy: { intervalMs: 30 * MINUTE } });
    await license.activate(w.key);
    w.server.license.status = 'suspended';
    w.clock.advance(30 * MINUTE);
    await flush();
    expect(license.status()).toMatchObject({ valid: false, code: 'SUSPENDED', message: 'The license is suspended.' });
    expect(license.hasFeature('export')).toBe(false);
    await license.close();

    w.server.outage = 'down';
    const reopened = await w.open();
    await reopened.settled();
    expect(reopened.status().code).toBe('SUSPENDED'); // the refusal was cached, even with the lease unexpired
    w.server.outage = null;
    w.server.license.status = 'active';
    w.clock.advance(30 * MINUTE);
    await flush();
    expect(reopened.status().code).toBe('VALID');
    expect(reopened.hasFeature('export')).toBe(true);
    await reopened.close();
  });

  it('failed refreshes back off exponentially with jitter and never wait longer than the ceiling', async () => {
    const ceiling = 10 * MINUTE;
    const delaysFor = async (random: () => number) => {
      const w = world({ leaseSeconds: 30 * 24 * 3600 });
      const license = await w.open({ random, courtesy: { intervalMs: 0 }, backoff: { initialMs: 5 * SECOND, ceilingMs: ceiling } });
      await license.activate(w.key);
      w.server.outage = 503;
      await license.refresh({ force: true });
      // Step from timer to timer for two simulated hours, so each retry happens at its exact time.
      while (w.clock.now() < T0 + 2 * HOUR) {
        w.clock.set(w.clock.nextTimerAt()!);
        await flush();
        await license.settled();
      }
      const at = w.server.callsTo('/v1/client/refresh');
      await license.close();
      return at.slice(1).map((t, i) => t - at[i]!);
    };

    const low = await delaysFor(() => 0);
    const high = await delaysFor(() => 0.999);
    for (const delays of [low, high]) {
      expect(Math.max(...delays)).toBeLessThanOrEqual(ceiling);
      expect(delays.slice(0, 5)).toEqual([...delays.slice(0, 5)].sort((a, b) => a - b)); // they spread out
    }
    // Equal jitter: each wait is between half and all of its exponential step.
    expect(low.slice(0, 4)).toEqual([2_500, 5_000, 10_000, 20_000]);
    expect(high.slice(0, 4).map((d) => Math.round(d / 100) * 100)).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect(low.at(-1)).toBe(ceiling / 2);
    expect(high.at(-1)).toBeGreaterThan(ceiling * 0.99);

    // A fleet that lost the server at the same moment does not come back in lockstep.
    let seed = 42;
    const lcg = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const firstRetries = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const w = world();
      const license = await w.open({ random: lcg, courtesy: { intervalMs: 0 }, backoff: { initialMs: 60 * SECOND, ceilingMs: ceiling } });
      await license.activate(w.key);
      w.server.outage = 'down';
      await license.refresh({ force: true });
      for (let s = 0; s < 60; s++) {
        w.clock.advance(SECOND);
        await flush();
      }
      firstRetries.add(w.server.callsTo('/v1/client/refresh')[1]! - T0);
      await license.close();
    }
    expect(firstRetries.size).toBeGreaterThan(10);
  });
  it('a courtesy refresh that fails starts no retries: the next try is the next courtesy, so an outage does not end in a burst', async () => {
    const w = world({ leaseSeconds: 30 * 24 * 3600 });
    const license = await w.open({ random: () => 0, courtesy: { onOpen: false, intervalMs: HOUR } });
    await license.activate(w.key);
    w.server.outage = 'down';
    // Three hours down: one quiet attempt an hour, not a backoff chain of a dozen.
    while (w.clock.now() < T0 + 3 * HOUR) {
      w.clock.set(w.clock.nextTimerAt()!);
      await flush();
      await license.settled();
    }
    const during = w.server.callsTo('/v1/client/refresh');
    expect(during.map((t) => t - T0)).toEqual([HOUR, 2 * HOUR, 3 * HOUR]);
    expect(license.status().valid).toBe(true);
    // Back up: the next courtesy an hour after the last failed one takes the lease.
    w.server.outage = null;
    while (w.server.callsTo('/v1/client/refresh').length === during.length) {
      w.clock.set(w.clock.nextTimerAt()!);
      await flush();
      await license.settled();
    }
    expect(w.server.callsTo('/v1/client/refresh').at(-1)! - T0).toBe(4 * HOUR);
    expect(license.status().online).toBe(true);
    await license.close();
  });

  it("an overloaded server's Retry-After is honoured: the next refresh waits as long as it asked, not the shorter backoff", async () => {
    const w = world({ leaseSeconds: 30 * 24 * 3600 });
    const license = await w.open({
      random: () => 0,
      courtesy: { intervalMs: 0 },
      backoff: { initialMs: 5 * SECOND, ceilingMs: 10 * MINUTE },
    });
    await license.activate(w.key);
    w.server.outage = 503;
    w.server.retryAfter = '120';
    await license.refresh({ force: true });
    w.server.retryAfter = null; // the next failure says nothing: back to the plain backoff
    w.clock.set(w.clock.nextTimerAt()!);
    await flush();
    await license.settled();
    // As an HTTP date, read against the server's Date header.
    w.server.retryAfter = new Date(w.clock.now() + 7 * MINUTE).toUTCString();
    w.clock.set(w.clock.nextTimerAt()!);
    await flush();
    await license.settled();
    w.server.retryAfter = null;
    w.clock.set(w.clock.nextTimerAt()!);
    await flush();
    await license.settled();
    const at = w.server.callsTo('/v1/client/refresh');
    expect(at[1]! - at[0]!).toBe(120 * SECOND); // and not 2.5 s
    expect(at[2]! - at[1]!).toBe(5 * SECOND); // the second retry's own step (random 0: half of 10 s)
    expect(at[3]! - at[1]!).toBe(7 * MINUTE); // the date it named, not the third step's 10 s later
    await license.close();
  });
});

describe('enforcement modes', () => {
  it('in warn mode a lapsed or suspended license keeps working and reports what enforce would have refused', async () => {
    const w = world({ mode: 'warn', leaseSeconds: 3600 });
    const license = await w.open({ courtesy: { intervalMs: 0 } });
    const violations: Violation[] = [];
    license.on('violation', (v) => violations.push(v));
    await license.activate(w.key);
    w.server.outage = 'down';
    w.clock.advance(2 * HOUR);
    await flush();
    expect(license.status()).toMatchObject({ valid: false, code: 'LEASE_EXPIRED', permitted: true, mode: 'warn' });
    expect(license.hasFeature('export')).toBe(true);
    expect(license.hasFeature('cloud')).toBe(false); // relaxed, not unlimited
    expect(violations.map((v) => [v.code, v.mode])).toEqual([['LEASE_EXPIRED', 'warn']]);

    w.server.outage = null;
    w.server.license.status = 'suspended';
    await license.refresh({ force: true });
    expect(license.status()).toMatchObject({ code: 'SUSPENDED', permitted: true });
    expect(license.hasFeature('export')).toBe(true);
    expect(violations.map((v) => v.code)).toEqual(['LEASE_EXPIRED', 'SUSPENDED']);
    await license.close();
  });

  it('in enforce mode the same lapse refuses', async () => {
    const w = world({ mode: 'enforce', leaseSeconds: 3600 });
    const license = await w.open({ courtesy: { intervalMs: 0 } });
    const violations: Violation[] = [];
    license.on('violation', (v) => violations.push(v));
    await license.activate(w.key);
    w.server.outage = 'down';
    w.clock.advance(2 * HOUR);
    expect(license.hasFeature('export')).toBe(false);
    expect(license.status().permitted).toBe(false);
    expect(violations).toEqual([]);
    await license.close();
  });
});

describe('tampering', () => {
  it('a clock set back a day gives CLOCK_TAMPERED instead of extending the lease; a few minutes are tolerated', async () => {
    const w = world();
    const first = await w.open();
    await first.activate(w.key);
    await first.close();
    w.server.outage = 'down';

    w.clock.set(T0 - 2 * MINUTE);
    const skewed = await w.open();
    expect(skewed.status().code).toBe('VALID');
    await skewed.close();

    w.clock.set(T0 - DAY);
    const wound = await w.open();
    expect(wound.status()).toMatchObject({ valid: false, code: 'CLOCK_TAMPERED' });
    expect(wound.hasFeature('export')).toBe(false);
    await wound.close();
  });

  it('remembers the time it saw while running, so winding the clock back to the lease start is noticed', async () => {
    const w = world({ leaseSeconds: 7 * 24 * 3600 });
    const license = await w.open({ courtesy: { intervalMs: 0 } });
    await license.activate(w.key);
    w.server.outage = 'down';
    w.clock.advance(3 * DAY); // refreshes fail; the checkpoints record the days passing
    await flush();
    await license.close();

    w.clock.set(T0 + HOUR); // "it is still the first day"
    const reopened = await w.open();
    expect(reopened.status().code).toBe('CLOCK_TAMPERED');
    await reopened.close();
  });

  it('a server whose clock is ahead of the device is not mistaken for tampering', async () => {
    const w = world();
    const license = await w.open();
    await license.activate(w.key);
    await license.close();
    // The device clock is put an hour back while the server's keeps time: the skew is measured and allowed for.
    w.server.clockOffsetMs = HOUR;
    w.clock.set(T0 - HOUR);
    const behind = await w.open();
    await behind.settled();
    expect(behind.status().code).toBe('VALID');
    await behind.close();
  });

  it('a tampered or corrupt cache file reads as CACHE_TAMPERED, never a crash, and activation repairs it', async () => {
    const w = world();
    const first = await w.open();
    await first.activate(w.key);
    await first.close();

    const envelope = JSON.parse(readFileSync(first.cacheFile, 'utf8'));
    const data = Buffer.from(envelope.box.data, 'base64');
    data[10] = data[10]! ^ 1;
    envelope.box.data = data.toString('base64');
    writeFileSync(first.cacheFile, JSON.stringify(envelope));
    const tampered = await w.open();
    expect(tampered.status()).toMatchObject({ valid: false, code: 'CACHE_TAMPERED' });
    expect(tampered.hasFeature('export')).toBe(false);
    await tampered.activate(w.key);
    expect(tampered.status().code).toBe('VALID');
    await tampered.close();

    for (const garbage of ['', 'not json', '{"format":"leasehold-cache","v":1}', '\u0000\u0001']) {
      writeFileSync(first.cacheFile, garbage);
      const license = await w.open();
      expect(license.status().code).toBe('CACHE_TAMPERED');
      await license.close();
    }
  });
});

describe('floating seats', () => {
  it('heartbeats run while the seat is held, well inside the deadline, and close() gives the seat back', async () => {
    const w = world({ seatKind: 'floating', heartbeatSeconds: 300 });
    const license = await w.open();
    await license.activate(w.key);
    expect(license.status().seat).toMatchObject({ kind: 'floating' });
    expect(license.status().expiresAt!.getTime()).toBe(T0 + 5 * MINUTE); // the lease ends with the heartbeat deadline
    for (let i = 0; i < 60; i++) {
      w.clock.advance(10 * SECOND);
      await flush();
    }
    const beats = w.server.callsTo('/v1/client/heartbeat');
    expect(beats.length).toBeGreaterThanOrEqual(5);
    const gaps = beats.slice(1).map((t, i) => t - beats[i]!);
    expect(Math.max(...gaps)).toBeLessThan(150 * SECOND);
    expect(license.hasFeature('export')).toBe(true);
    expect(w.server.activations[0]!.live).toBe(true);

    await license.close();
    expect(w.server.callsTo('/v1/client/deactivate')).toHaveLength(1);
    expect(w.server.activations[0]!.live).toBe(false);

    const next = await w.open();
    expect(next.status().code).toBe('NO_LICENSE'); // the released seat grants nothing offline
    await next.activate(); // the cached key takes a seat again
    expect(next.hasFeature('export')).toBe(true);
    await next.close();
  });

  it('a borrowed seat stops heartbeats, survives close() and runs offline until the borrow ends', async () => {
    const w = world({ seatKind: 'floating', heartbeatSeconds: 300, borrowLimitSeconds: 24 * 3600 });
    const license = await w.open();
    await license.activate(w.key);
    const status = await license.borrow(8 * HOUR);
    expect(status.seat?.borrowedUntil).toBe((T0 + 8 * HOUR) / 1000);
    const before = w.server.callsTo('/v1/client/heartbeat').length;
    await license.close();
    expect(w.server.callsTo('/v1/client/deactivate')).toHaveLength(0);

    w.server.outage = 'down';
    const offline = await w.open();
    w.clock.advance(7 * HOUR);
    await flush();
    expect(offline.hasFeature('export')).toBe(true);
    w.clock.advance(HOUR);
    expect(offline.status().code).toBe('LEASE_EXPIRED');
    expect(w.server.callsTo('/v1/client/heartbeat').length).toBeLessThanOrEqual(before + 2); // only after the borrow
    await offline.close();
  });

  it('a seat lost while the machine slept is taken again at the next heartbeat when one is free', async () => {
    const w = world({ seatKind: 'floating', heartbeatSeconds: 300 });
    const license = await w.open({ courtesy: { intervalMs: 0 } });
    await license.activate(w.key);
    w.server.outage = 'down';
    w.clock.advance(10 * MINUTE); // asleep: heartbeats fail, the seat's deadline passes
    await flush();
    await license.settled();
    expect(license.status().code).toBe('LEASE_EXPIRED');
    w.server.outage = null;
    w.clock.set(w.clock.nextTimerAt()!);
    await flush();
    await license.settled();
    expect(license.status().code).toBe('VALID');
    expect(w.server.activations.filter((a) => a.live)).toHaveLength(1);
    await license.close();
  });

  it('a borrow beyond the limit is refused with the server code', async () => {
    const w = world({ seatKind: 'floating', borrowLimitSeconds: 3600 });
    const license = await w.open();
    await license.activate(w.key);
    expect(((await license.borrow('PT7200S').catch((e: unknown) => e)) as LeaseholdError).code).toBe('BORROW_NOT_ALLOWED');
    await license.close();
  });
});

describe('offline activation', () => {
  it('writes a request, imports the answer to it, and runs without a server until the lease expires', async () => {
    const w = world({ leaseSeconds: 2 * 24 * 3600 });
    const license = await w.open({ serverUrl: null });
    const requestFile = join(w.cacheDir, 'request.json');
    const request = license.writeOfflineRequest(w.key, requestFile);
    expect(JSON.parse(readFileSync(requestFile, 'utf8'))).toMatchObject({
      format: 'leasehold-offline-request',
      product: 'studio',
      fingerprint: DEVICE,
      licenseKey: w.key,
    });
    expect(statSync(requestFile).mode & 0o777).toBe(0o600);

    // The vendor's side: the fake server activates the device and signs its lease.
    const activated = (await (
      await w.server.fetch('http://licensing.test/v1/client/activate', {
        method: 'POST',
        headers: { authorization: `License ${request.licenseKey}` },
        body: JSON.stringify({ fingerprint: request.fingerprint }),
      })
    ).json()) as {
      activation: { id: string };
      lease: { token: string; id: string; issuedAt: string; expiresAt: string; refreshAfter: string };
    };
    const response = {
      format: 'leasehold-offline-response' as const,
      v: 1 as const,
      product: 'studio',
      fingerprint: DEVICE,
      nonce: request.nonce,
      activationId: activated.activation.id,
      lease: activated.lease,
      serverTime: new Date(T0).toISOString(),
    };

    expect(() => license.importOfflineResponse({ ...response, nonce: 'someone-elses-request' })).toThrow(/another request/);
    expect(() => license.importOfflineResponse({ ...response, lease: { ...response.lease, token: new Signer().sign({}) } })).toThrow(
      LeaseholdError,
    );
    const responseFile = join(w.cacheDir, 'response.json');
    writeFileSync(responseFile, JSON.stringify(response));
    expect(license.importOfflineResponse(responseFile)).toMatchObject({ valid: true, code: 'VALID' });
    expect(license.hasFeature('export')).toBe(true);
    await license.close();

    const later = await w.open({ serverUrl: null });
    w.clock.advance(2 * DAY - MINUTE);
    expect(later.hasFeature('export')).toBe(true);
    w.clock.advance(MINUTE);
    expect(later.status().code).toBe('LEASE_EXPIRED');
    expect(w.server.calls.map((c) => c.path)).toEqual(['/v1/client/activate']); // the device never called
    await later.close();
  });
});

describe('deactivation', () => {
  it('gives the seat back and forgets the license', async () => {
    const w = world();
    const license = await w.open();
    await license.activate(w.key);
    await license.deactivate();
    expect(w.server.activations[0]!.live).toBe(false);
    expect(license.status().code).toBe('NO_LICENSE');
    const again = await w.open();
    expect(again.status().code).toBe('NO_LICENSE');
    await again.close();
  });

  it('online validation applies a refusal at once', async () => {
    const w = world();
    const license = await w.open();
    await license.activate(w.key);
    w.server.license.status = 'suspended';
    const s = await license.validate();
    expect(s).toMatchObject({ code: 'SUSPENDED', server: { code: 'SUSPENDED' } });
    expect(license.hasFeature('export')).toBe(false);
    w.server.license.status = 'active';
    expect((await license.validate()).code).toBe('VALID');
    await license.close();
  });
});
