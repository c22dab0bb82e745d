import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LeaseCache, LeaseholdError, type UsageRejection, type Violation } from '../src/index.js';
import { flush } from './support/fake-server.js';
import { DAY, DEVICE, HOUR, MINUTE, T0, world } from './support/open.js';

const quota = (limit: number, overage: 'block' | 'bill' | { allowPercent: number } = 'block') => ({ limit, period: 'P1M', overage });

/** A license with an `exports` quota, activated, and the server then unreachable. */
async function offlineWith(features: Record<string, unknown>, extra: Parameters<typeof world>[0] = {}) {
  const w = world({ features: { export: true, ...features } as never, ...extra });
  const license = await w.open({ usageFlushMs: 0 });
  await license.activate(w.key);
  w.server.outage = 'down';
  return { w, license };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof LeaseholdError) return error.code;
    throw error;
  }
  return undefined;
}

describe('recording usage offline', () => {
  it('queues each record in the encrypted cache at once; the queue survives close and reopen and is sent with the next refresh', async () => {
    const { w, license } = await offlineWith({ exports: quota(100) });
    const receipt = license.recordUsage('exports', 3);
    expect(receipt).toMatchObject({ feature: 'exports', quantity: 3, remaining: 97, allowance: 97, overLimit: 0 });
    expect(receipt.at.getTime()).toBe(T0);
    license.recordUsage('exports', 2);
    // On disk already, encrypted: a crash now loses nothing.
    expect(readFileSync(license.cacheFile, 'utf8')).not.toContain(receipt.idempotencyKey);
    await license.close();

    const again = await w.open({ usageFlushMs: 0 });
    await again.settled(); // the courtesy refresh on open fails quietly: still offline
    expect(again.usage('exports')).toMatchObject({ used: 0, queued: 5, remaining: 95, limit: 100 });
    expect(w.server.used.get('exports') ?? 0).toBe(0);

    w.server.outage = null;
    const outcome = await again.refresh({ force: true });
    expect(outcome.refreshed).toBe(true);
    expect(w.server.used.get('exports')).toBe(5);
    expect(w.server.usageRecords.map((r) => r.idempotencyKey)[0]).toBe(receipt.idempotencyKey);
    expect(again.usage('exports')).toMatchObject({ used: 5, queued: 0, remaining: 95 });
    // The usage went before the lease: the new lease already counts it.
    const order = w.server.calls.slice(-2).map((c) => c.path);
    expect(order).toEqual(['/v1/client/usage', '/v1/client/refresh']);
    await again.close();
  });

  it('a courtesy refresh carries the queue too, and flushUsage() sends it on demand', async () => {
    const { w, license } = await offlineWith({ exports: quota(100) });
    license.recordUsage('exports', 1);
    const offline = await license.flushUsage();
    expect(offline).toMatchObject({ delivered: false, code: 'OFFLINE', pending: 1 });

    w.server.outage = null;
    await license.refresh(); // courtesy
    expect(w.server.used.get('exports')).toBe(1);

    license.recordUsage('exports', 4);
    const sent = await license.flushUsage();
    expect(sent).toMatchObject({ delivered: true, code: 'OK', accepted: 1, duplicates: 0, rejected: [], pending: 0 });
    expect(w.server.used.get('exports')).toBe(5);
    await license.close();
  });

  it('exactly once: a crash after the server counted a batch but before the SDK removed it re-sends the same keys, counted once', async () => {
    const { w, license } = await offlineWith({ exports: quota(100) });
    for (let i = 0; i < 3; i++) license.recordUsage('exports', 2);
    // The cache as it is on disk while the request is on the wire: what a process killed now leaves behind.
    const onTheWire = join(w.cacheDir, 'crash-copy');
    w.server.afterUsage = () => copyFileSync(license.cacheFile, onTheWire);
    w.server.outage = null;
    expect((await license.flushUsage()).accepted).toBe(3);
    expect(w.server.used.get('exports')).toBe(6);
    await license.close();
    w.server.afterUsage = null;
    copyFileSync(onTheWire, license.cacheFile); // the acknowledgement never reached the disk

    const restarted = await w.open({ usageFlushMs: 0 });
    expect(restarted.usage('exports')?.queued).toBe(6); // conservative: counted here until the server answers
    await restarted.settled(); // the courtesy refresh on open sends the queue again
    expect(w.server.usageBatches).toHaveLength(2);
    expect(w.server.usageBatches[1]).toEqual(w.server.usageBatches[0]);
    expect(w.server.used.get('exports')).toBe(6);
    expect(w.server.usageRecords).toHaveLength(3);
    expect(restarted.usage('exports')).toMatchObject({ used: 6, queued: 0 });
    await restarted.close();
  });

  it('a lost answer keeps the records queued; the retry is counted as duplicates', async () => {
    const { w, license } = await offlineWith({ exports: quota(100) });
    license.recordUsage('exports', 7);
    w.server.outage = null;
    w.server.loseUsageAnswers = 1;
    expect(await license.flushUsage()).toMatchObject({ delivered: false, code: 'OFFLINE', pending: 1 });
    expect(w.server.used.get('exports')).toBe(7);
    expect(await license.flushUsage()).toMatchObject({ delivered: true, accepted: 0, duplicates: 1, pending: 0 });
    expect(w.server.used.get('exports')).toBe(7);
    await license.close();
  });

  it('a suspension keeps the queue; after the resumption the records go out', async () => {
    const { w, license } = await offlineWith({ exports: quota(100) });
    license.recordUsage('exports', 2);
    w.server.outage = null;
    w.server.license.status = 'suspended';
    expect(await license.flushUsage()).toMatchObject({ delivered: false, code: 'SUSPENDED', pending: 1 });
    expect(license.status().code).toBe('SUSPENDED');
    expect(codeOf(() => license.recordUsage('exports', 1))).toBe('SUSPENDED');
    w.server.license.status = 'active';
    expect((await license.refresh({ force: true })).refreshed).toBe(true);
    expect(w.server.used.get('exports')).toBe(2);
    expect(license.usage('exports')).toMatchObject({ used: 2, queued: 0 });
    await license.close();
  });

  it('deactivate() sends the queue before giving the seat back; offline it refuses and keeps both', async () => {
    const { w, license } = await offlineWith({ exports: quota(100) });
    license.recordUsage('exports', 3);
    expect(((await license.deactivate().catch((e: unknown) => e)) as LeaseholdError).code).toBe('OFFLINE');
    expect(license.usage('exports')?.queued).toBe(3);
    w.server.outage = null;
    await license.deactivate();
    expect(w.server.used.get('exports')).toBe(3);
    expect(w.server.calls.slice(-2).map((c) => c.path)).toEqual(['/v1/client/usage', '/v1/client/deactivate']);
    expect(license.status().code).toBe('NO_LICENSE');
    await license.close();
  });

  it('sends a large queue in batches the server accepts', async () => {
    const { w, license } = await offlineWith({ exports: quota(5000) });
    license.recordUsage('exports', 1);
    await license.close();
    // A long time offline, written straight into the cache (1,200 records one by one cost 1,200 fsyncs).
    const cache = new LeaseCache(w.cacheDir, 'studio', DEVICE);
    const read = cache.read();
    if (read.kind !== 'ok') throw new Error(read.kind);
    const more = Array.from({ length: 1199 }, (_, i) => ({ idempotencyKey: `k${i}`, feature: 'exports', quantity: 1, at: T0 }));
    cache.write({ ...read.state, usageQueue: [...read.state.usageQueue!, ...more] });

    const again = await w.open({ usageFlushMs: 0, courtesy: { onOpen: false } });
    expect(again.usage('exports')?.queued).toBe(1200);
    w.server.outage = null;
    expect(await again.flushUsage()).toMatchObject({ delivered: true, accepted: 1200, pending: 0 });
    expect(w.server.usageBatches.map((b) => b.length)).toEqual([500, 500, 200]);
    await again.close();
  });

  it('within a minute while the server answers, records go out in one batch', async () => {
    const w = world({ features: { exports: quota(100) } });
    const license = await w.open();
    await license.activate(w.key);
    license.recordUsage('exports', 1);
    w.clock.advance(20_000);
    license.recordUsage('exports', 1);
    expect(w.server.usageBatches).toHaveLength(0);
    w.clock.advance(40_000);
    await flush();
    expect(w.server.usageBatches.map((b) => b.length)).toEqual([2]);
    expect(license.usage('exports')).toMatchObject({ used: 2, queued: 0 });
    await license.close();
  });
});

describe('quota enforcement on the device', () => {
  it('is conservative offline: the lease’s remaining minus what is queued; a blocking quota refuses with QUOTA_EXHAUSTED', async () => {
    const w = world({ features: { exports: quota(10) } });
    w.server.used.set('exports', 6); // another device of the license used 6 this month
    const license = await w.open({ usageFlushMs: 0 });
    await license.activate(w.key);
    w.server.outage = 'down';
    expect(license.usage('exports')).toMatchObject({ limit: 10, used: 6, queued: 0, remaining: 4 });

    license.recordUsage('exports', 3);
    expect(license.usageRemaining('exports')).toBe(1);
    const refused = (() => {
      try {
        license.recordUsage('exports', 2);
      } catch (error) {
        return error as LeaseholdError;
      }
    })();
    expect(refused?.code).toBe('QUOTA_EXHAUSTED');
    expect(refused?.details).toMatchObject({ feature: 'exports', requested: 2, allowance: 1, used: 6, queued: 3 });
    license.recordUsage('exports', 1);
    expect(license.usageRemaining('exports')).toBe(0);
    await license.close();

    // Still offline after a restart: the queue still counts.
    const again = await w.open({ usageFlushMs: 0 });
    expect(again.usageRemaining('exports')).toBe(0);
    expect(codeOf(() => again.recordUsage('exports'))).toBe('QUOTA_EXHAUSTED');
    await again.close();
  });

  it.each([
    ['block', quota(10), 10, 0],
    ['allowPercent 20', quota(10, { allowPercent: 20 }), 12, 2],
    ['bill', quota(10, 'bill'), 1000, 990],
  ] as const)('the %s rule: the device accepts %i in the period', async (_name, value, accepted, overLimit) => {
    const { license } = await offlineWith({ exports: value });
    const receipt = license.recordUsage('exports', accepted);
    expect(receipt.overLimit).toBe(overLimit);
    expect(receipt.remaining).toBe(0);
    if (value.overage === 'bill') {
      expect(license.usageRemaining('exports')).toBe(Infinity);
      expect(license.recordUsage('exports', 5).overLimit).toBe(5);
    } else {
      expect(license.usageRemaining('exports')).toBe(0);
      expect(codeOf(() => license.recordUsage('exports', 1))).toBe('QUOTA_EXHAUSTED');
    }
    await license.close();
  });

  it('records the server refuses are reported through usageRejected with their codes and leave the queue', async () => {
    const { w, license } = await offlineWith({ exports: quota(10) });
    const rejected: UsageRejection[][] = [];
    license.on('usageRejected', (r) => rejected.push(r));
    license.recordUsage('exports', 3);
    const late = license.recordUsage('exports', 5);
    w.server.used.set('exports', 4); // meanwhile, other devices used 4: 3 more fit, 5 do not
    w.server.outage = null;
    const outcome = await license.flushUsage();
    expect(outcome).toMatchObject({ delivered: true, accepted: 1, pending: 0 });
    expect(outcome.rejected).toEqual([
      expect.objectContaining({ idempotencyKey: late.idempotencyKey, feature: 'exports', quantity: 5, code: 'QUOTA_EXHAUSTED' }),
    ]);
    expect(rejected).toEqual([outcome.rejected]);
    // The server's answer is the new reference: 7 used.
    expect(license.usage('exports')).toMatchObject({ used: 7, queued: 0, remaining: 3 });
    await license.flushUsage();
    expect(w.server.usageBatches).toHaveLength(1); // never sent again
    await license.close();
  });

  it('when the period the server spoke of ends, the new one starts from what this device recorded since', async () => {
    const w = world({ features: { exports: quota(10) }, periodEndsAt: T0 + 2 * DAY });
    w.server.used.set('exports', 9);
    const license = await w.open({ usageFlushMs: 0, courtesy: { intervalMs: 0 }, checkpointMs: DAY });
    await license.activate(w.key);
    w.server.outage = 'down';
    license.recordUsage('exports', 1);
    expect(license.usageRemaining('exports')).toBe(0);
    w.clock.set(T0 + 2 * DAY + HOUR);
    expect(license.usage('exports')).toMatchObject({ used: 0, queued: 0, remaining: 10, periodEndsAt: null });
    license.recordUsage('exports', 4);
    expect(license.usageRemaining('exports')).toBe(6);
    await license.close();
  });

  it('refuses what cannot be recorded: no license, a feature that is not metered, bad input, the license out of force', async () => {
    const w = world({ features: { export: true, projects: 10, exports: quota(10) }, leaseSeconds: 2 * 3600 });
    const license = await w.open({ usageFlushMs: 0 });
    expect(codeOf(() => license.recordUsage('exports'))).toBe('NO_LICENSE');
    await license.activate(w.key);
    expect(codeOf(() => license.recordUsage('projects'))).toBe('FEATURE_MISSING'); // numeric, not metered
    expect(codeOf(() => license.recordUsage('export'))).toBe('FEATURE_MISSING');
    expect(codeOf(() => license.recordUsage('exports', 0))).toBe('INVALID_REQUEST');
    expect(codeOf(() => license.recordUsage('exports', 1.5))).toBe('INVALID_REQUEST');
    expect(codeOf(() => license.recordUsage('exports', 1, { at: T0 + HOUR }))).toBe('INVALID_REQUEST'); // the future
    expect(license.usageRemaining('projects')).toBe(0);
    w.server.outage = 'down';
    w.clock.set(T0 + 3 * HOUR);
    expect(license.status().code).toBe('LEASE_EXPIRED');
    expect(codeOf(() => license.recordUsage('exports'))).toBe('LEASE_EXPIRED');
    expect(license.usageRemaining('exports')).toBe(0);
    await license.close();
  });

  it('in warn mode a record past the quota is kept and reported as a violation', async () => {
    const { license } = await offlineWith({ exports: quota(2) }, { mode: 'warn' });
    const violations: Violation[] = [];
    license.on('violation', (v) => violations.push(v));
    license.recordUsage('exports', 2);
    expect(license.recordUsage('exports', 1).overLimit).toBe(1);
    expect(violations.map((v) => [v.code, v.mode])).toEqual([['QUOTA_EXHAUSTED', 'warn']]);
    expect(license.usage('exports')?.queued).toBe(3);
    await license.close();
  });

  it('a record that cannot be written to the cache is not recorded: CACHE_UNWRITABLE', async () => {
    const { license } = await offlineWith({ exports: quota(10) });
    rmSync(license.cacheFile);
    mkdirSync(license.cacheFile);
    writeFileSync(join(license.cacheFile, 'in-the-way'), '');
    expect(codeOf(() => license.recordUsage('exports', 1))).toBe('CACHE_UNWRITABLE');
    expect(license.usage('exports')?.queued).toBe(0);
    await license.close();
  });
});

describe('an air-gapped device', () => {
  it('enforces the quota from an offline activation, keeping one record per feature and hour', async () => {
    const w = world({ features: { exports: quota(10) } });
    const license = await w.open({ serverUrl: null });
    const request = license.writeOfflineRequest(w.key, join(w.cacheDir, 'request.json'));
    w.server.used.set('exports', 4);
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
    license.importOfflineResponse({
      format: 'leasehold-offline-response',
      v: 1,
      product: 'studio',
      fingerprint: DEVICE,
      nonce: request.nonce,
      activationId: activated.activation.id,
      lease: activated.lease,
      serverTime: new Date(T0).toISOString(),
    });
    license.recordUsage('exports', 2);
    license.recordUsage('exports', 1);
    w.clock.advance(HOUR);
    license.recordUsage('exports', 2);
    expect(license.usage('exports')).toMatchObject({ used: 4, queued: 5, remaining: 1 });
    expect(codeOf(() => license.recordUsage('exports', 2))).toBe('QUOTA_EXHAUSTED');
    expect(await license.flushUsage()).toMatchObject({ code: 'SKIPPED', pending: 2 });
    await license.close();
  });
});

describe('pools', () => {
  it('checks elements out and in through the server, refuses at the limit, and remembers what this device holds', async () => {
    const w = world({ features: { export: true, nodes: 3 }, pools: ['nodes'] });
    const license = await w.open();
    await license.activate(w.key);
    expect(license.poolStatus('nodes')).toEqual({ feature: 'nodes', limit: 3, held: 0, inUse: null, asOf: null });
    expect(await license.checkout('nodes', 2)).toMatchObject({ feature: 'nodes', held: 2, inUse: 2, limit: 3 });
    const exhausted = (await license.checkout('nodes', 2).catch((e: unknown) => e)) as LeaseholdError;
    expect(exhausted.code).toBe('POOL_EXHAUSTED');
    expect(await license.checkin('nodes')).toMatchObject({ held: 1, inUse: 1 });
    await license.close();

    const again = await w.open();
    expect(again.poolStatus('nodes')).toMatchObject({ held: 1, inUse: 1, limit: 3 });
    expect(again.poolStatus('export')).toBeNull();
    w.server.outage = 'down';
    const offline = (await again.checkout('nodes').catch((e: unknown) => e)) as LeaseholdError;
    expect(offline.code).toBe('OFFLINE');
    expect(offline.message).toMatch(/needs a connection/);
    await again.close();
  });

  it('needs an activated license', async () => {
    const w = world({ features: { nodes: 3 }, pools: ['nodes'] });
    const license = await w.open();
    expect(((await license.checkout('nodes').catch((e: unknown) => e)) as LeaseholdError).code).toBe('NO_LICENSE');
    await license.close();
  });
});

describe('trials', () => {
  it('starts a trial without a key, then behaves like an activated license with the key kept in the cache', async () => {
    const w = world();
    const license = await w.open();
    const status = await license.startTrial({ email: 'ada@example.test' });
    expect(status).toMatchObject({ valid: true, code: 'VALID' });
    expect(license.licenseKey).toBe(w.key);
    expect(license.hasFeature('export')).toBe(true);
    const trialCall = w.server.calls.find((c) => c.path === '/v1/client/trial');
    expect(trialCall).toBeDefined();
    const twice = (await license.startTrial().catch((e: unknown) => e)) as LeaseholdError;
    expect(twice.code).toBe('ALREADY_ACTIVATED');
    await license.close();

    const again = await w.open();
    expect(again.status().valid).toBe(true);
    expect(again.licenseKey).toBe(w.key);
    w.clock.advance(MINUTE);
    expect((await again.refresh({ force: true })).refreshed).toBe(true);
    await again.deactivate();
    const used = (await again.startTrial().catch((e: unknown) => e)) as LeaseholdError;
    expect(used.code).toBe('TRIAL_ALREADY_USED');
    expect(again.status().code).toBe('NO_LICENSE');
    await again.close();
  });
});
