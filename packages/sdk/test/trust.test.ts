import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LeaseClaims } from '@leasehold/contract';
import { LeaseCache, type Fetch, type License } from '../src/index.js';
import { defaultTimeMarkDir } from '../src/time-mark.js';
import { clockAfterLease, staleLease } from '../src/trust.js';
import { flush } from './support/fake-server.js';
import { DAY, DEVICE, HOUR, MINUTE, T0, tempDir, world } from './support/open.js';

/**
 * The SDK's trust model (src/trust.ts) against hostile answers, replayed through the injected
 * `fetch` and clock: what may move the trusted clock (only a signed lease, only forward) and what
 * may replace the lease held (only a newer one; after a refusal, only one issued after it).
 */

type World = ReturnType<typeof world>;
type Rule = (path: string, real: () => Promise<Response>) => Promise<Response>;

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(body === null ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

interface Mitm {
  /** Every genuine answer, in order. */
  seen: Array<{ path: string; status: number; text: string }>;
  /** While set, answers instead of the server (`real` asks the server). */
  rule: Rule | null;
  fetch: Fetch;
  /** The last genuine answer carrying a lease. */
  lastLease(): { text: string };
}

/** A man in the middle between the SDK and the fake server. */
function mitm(w: World): Mitm {
  const self: Mitm = {
    seen: [],
    rule: null,
    fetch: async (input, init) => {
      const path = new URL(input).pathname;
      const real = async () => {
        const res = await w.server.fetch(input, init);
        const text = await res.text();
        self.seen.push({ path, status: res.status, text });
        return new Response(text || null, { status: res.status, headers: res.headers });
      };
      return self.rule ? self.rule(path, real) : real();
    },
    lastLease: () => [...self.seen].reverse().find((a) => a.status < 300 && a.text.includes('"lease"'))!,
  };
  return self;
}

const replay =
  (answer: { text: string }): Rule =>
  async () =>
    new Response(answer.text, { status: 200 });
const cached = (w: World) => {
  const read = new LeaseCache(w.cacheDir, 'studio', DEVICE).read();
  if (read.kind !== 'ok') throw new Error(`cache ${read.kind}`);
  return read.state;
};

/** status() and hasFeature() must always tell the same story. */
function expectAgreement(license: License): void {
  expect(license.hasFeature('export')).toBe(license.status().valid);
}

async function opened(w: World, m: Mitm, options: Parameters<World['open']>[0] = {}) {
  const license = await w.open({ fetch: m.fetch, courtesy: { intervalMs: 0 }, ...options });
  await license.activate(w.key);
  return license;
}

describe('what may replace the lease held', () => {
  it('a lease captured before a feature was removed, replayed, is refused and the removal stands (also after reopening)', async () => {
    const w = world({ features: { export: true, cloud: true } });
    const m = mitm(w);
    const license = await opened(w, m);
    const before = m.lastLease();
    w.clock.advance(HOUR);
    w.server.license.features = { export: true };
    expect(await license.refresh({ force: true })).toMatchObject({ refreshed: true });
    expect(license.hasFeature('cloud')).toBe(false);

    w.clock.advance(HOUR);
    m.rule = replay(before);
    const outcome = await license.refresh({ force: true });
    expect(outcome).toMatchObject({ refreshed: false, code: 'SIGNATURE_INVALID' });
    expect(outcome.error?.details['reason']).toBe('OLDER_THAN_HELD');
    expect(license.hasFeature('cloud')).toBe(false);
    await license.close();

    const reopened = await w.open({ fetch: async () => Promise.reject(new TypeError('offline')) });
    expect(reopened.status().code).toBe('VALID');
    expect(reopened.hasFeature('cloud')).toBe(false);
    await reopened.close();
  });

  it('after a suspension, neither the lease held nor one withheld before the suspension clears the refusal; a lease issued after it does', async () => {
    const w = world();
    const m = mitm(w);
    // Retries wait a day, so the device itself gets no lease between the withheld one and the suspension.
    const license = await opened(w, m, { backoff: { initialMs: DAY, ceilingMs: DAY } });
    const held = m.lastLease();
    // A refresh whose lease the man in the middle keeps, answering the device with an error.
    w.clock.advance(HOUR);
    m.rule = async (_path, real) => (await real(), json(503, { error: { code: 'SERVICE_UNAVAILABLE', message: 'x' } }));
    expect(await license.refresh({ force: true })).toMatchObject({ refreshed: false, code: 'SERVICE_UNAVAILABLE' });
    const withheld = m.lastLease();
    expect(withheld).not.toBe(held);
    m.rule = null;

    w.clock.advance(HOUR);
    await flush();
    w.server.license.status = 'suspended';
    expect(await license.refresh({ force: true })).toMatchObject({ code: 'SUSPENDED' });

    w.clock.advance(MINUTE);
    for (const [answer, reason] of [
      [held, 'REPLAYED'],
      [withheld, 'ISSUED_BEFORE_REFUSAL'],
    ] as const) {
      m.rule = replay(answer);
      const outcome = await license.refresh({ force: true });
      expect(outcome.error?.details['reason']).toBe(reason);
      expect(license.status().code).toBe('SUSPENDED');
      expectAgreement(license);
    }

    m.rule = null;
    w.server.license.status = 'active';
    w.clock.advance(MINUTE);
    expect(await license.refresh({ force: true })).toMatchObject({ refreshed: true, code: 'VALID' });
    expectAgreement(license);
    await license.close();
  });

  it('an unsigned refusal (a forged or replayed 403 SUSPENDED) stops the granting, moves no time, and a genuine later lease lifts it', async () => {
    const w = world();
    const m = mitm(w);
    const license = await opened(w, m);
    const skew = cached(w).skewMs;
    m.rule = async () => json(403, { error: { code: 'SUSPENDED', message: 'forged' }, serverTime: new Date(T0 - 30 * DAY).toISOString() });
    expect(await license.refresh({ force: true })).toMatchObject({ code: 'SUSPENDED' });
    expect(license.status().code).toBe('SUSPENDED');
    expectAgreement(license);
    expect(cached(w).skewMs).toBe(skew);
    expect(cached(w).trustedTime).toBeGreaterThanOrEqual(T0);

    m.rule = null;
    w.clock.advance(MINUTE);
    expect(await license.refresh({ force: true })).toMatchObject({ refreshed: true, code: 'VALID' });
    expectAgreement(license);
    await license.close();
  });

  it('an unsigned {valid: true} from validate does not lift a refusal: only a lease can', async () => {
    const w = world();
    const m = mitm(w);
    const license = await opened(w, m);
    w.server.license.status = 'suspended';
    await license.refresh({ force: true });
    m.rule = async (path, real) =>
      path === '/v1/client/validate'
        ? json(200, {
            valid: true,
            code: 'VALID',
            message: 'ok',
            warnings: [],
            enforcement: 'enforce',
            entitlement: null,
            activation: null,
          })
        : real();
    const s = await license.validate();
    expect(s.code).toBe('SUSPENDED');
    expectAgreement(license);
    await license.close();
  });
});

/** Answers that carry no signed lease; none of them may move the trusted clock. */
const unsigned: Array<[string, 'refresh' | 'validate', (at: number) => Response]> = [
  [
    'a 400 with serverTime',
    'refresh',
    (at) => json(400, { error: { code: 'INVALID_REQUEST', message: 'x' }, serverTime: new Date(at).toISOString() }),
  ],
  [
    'a 403 SUSPENDED with serverTime',
    'refresh',
    (at) => json(403, { error: { code: 'SUSPENDED', message: 'x' }, serverTime: new Date(at).toISOString() }),
  ],
  ['a 503 with a Date header', 'refresh', (at) => json(503, null, { date: new Date(at).toUTCString() })],
  [
    'a proxy page (502, not JSON) with a Date header',
    'refresh',
    (at) => new Response('<html>bad gateway</html>', { status: 502, headers: { date: new Date(at).toUTCString() } }),
  ],
  [
    'a 200 validation with serverTime',
    'validate',
    (at) =>
      json(200, {
        valid: false,
        code: 'INVALID_REQUEST',
        message: 'x',
        warnings: [],
        enforcement: 'enforce',
        entitlement: null,
        activation: null,
        serverTime: new Date(at).toISOString(),
      }),
  ],
];

async function send(license: License, via: 'refresh' | 'validate'): Promise<void> {
  if (via === 'refresh') await license.refresh({ force: true });
  else await license.validate().catch(() => undefined);
}

describe('what may move the trusted clock', () => {
  it.each(unsigned)(
    '%s just after the lease was issued does not make an expired lease valid again, nor after reopening',
    async (_, via, answer) => {
      const w = world({ leaseSeconds: 3600 });
      const m = mitm(w);
      const license = await opened(w, m);
      w.server.outage = 'down';
      w.clock.advance(2 * HOUR);
      await flush(); // the retries that fell due on the way have failed
      expect(license.status().code).toBe('LEASE_EXPIRED');

      m.rule = async (path, real) => (path === `/v1/client/${via}` ? answer(T0 + MINUTE) : real());
      await send(license, via);
      expect(license.status().valid).toBe(false);
      expectAgreement(license);
      expect(cached(w).skewMs).toBe(0);
      await license.close();

      const reopened = await w.open({ fetch: async () => Promise.reject(new TypeError('offline')) });
      expect(reopened.status().valid).toBe(false);
      expectAgreement(reopened);
      await reopened.close();
    },
  );

  it.each(unsigned)('%s a month ahead does not expire a running lease', async (_, via, answer) => {
    const w = world();
    const m = mitm(w);
    const license = await opened(w, m);
    m.rule = async (path, real) => (path === `/v1/client/${via}` ? answer(T0 + 30 * DAY) : real());
    await send(license, via);
    const code = license.status().code;
    expect(code === 'VALID' || code === 'SUSPENDED').toBe(true); // a forged refusal may stop the granting; the clock stays
    expectAgreement(license);
    expect(cached(w).skewMs).toBe(0);
    expect(cached(w).trustedTime).toBeLessThan(T0 + DAY);
    await license.close();
  });

  it('a network timeout changes nothing', async () => {
    const w = world();
    const m = mitm(w);
    const license = await opened(w, m);
    const before = cached(w);
    m.rule = async () => Promise.reject(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    expect(await license.refresh({ force: true })).toMatchObject({ refreshed: false, code: 'OFFLINE' });
    expect(license.status().code).toBe('VALID');
    expectAgreement(license);
    expect(cached(w)).toMatchObject({ skewMs: before.skewMs, token: before.token, refusal: null });
    await license.close();
  });

  it('a genuine lease whose answer claims a time far from its iat moves the clock no further than iat + tolerance', async () => {
    const w = world();
    const m = mitm(w);
    const license = await opened(w, m);
    w.clock.advance(MINUTE);
    m.rule = async (_path, real) => {
      const body = JSON.parse(await (await real()).text()) as Record<string, unknown>;
      return json(200, { ...body, serverTime: new Date(T0 + 30 * DAY).toISOString() });
    };
    expect(await license.refresh({ force: true })).toMatchObject({ refreshed: true });
    expect(license.status().code).toBe('VALID');
    expect(cached(w).skewMs).toBeLessThanOrEqual(5 * MINUTE);
    await license.close();
  });
});

describe('the second record of trusted time', () => {
  const offline: Fetch = async () => Promise.reject(new TypeError('offline'));

  it('a cache backup restored after six days, with the clock set to day one, reads CLOCK_TAMPERED', async () => {
    const w = world();
    const license = await w.open({ courtesy: { intervalMs: 0 }, checkpointMs: 6 * HOUR });
    await license.activate(w.key);
    await license.close();
    const backup = join(tempDir(), 'backup.lease');
    copyFileSync(license.cacheFile, backup);

    w.server.outage = 'down';
    const running = await w.open({ courtesy: { intervalMs: 0 }, checkpointMs: 6 * HOUR });
    w.clock.advance(6 * DAY);
    await flush();
    await running.close();

    copyFileSync(backup, license.cacheFile);
    w.clock.set(T0 + DAY);
    const restored = await w.open({ fetch: offline });
    expect(restored.status().code).toBe('CLOCK_TAMPERED');
    expectAgreement(restored);
    await restored.close();
    // Without the mark (another mark directory, as if it was deleted too) the cache alone cannot tell.
    copyFileSync(backup, license.cacheFile);
    const blind = await w.open({ fetch: offline, timeMarkDir: tempDir() });
    expect(blind.status().code).toBe('VALID');
    await blind.close();
  });

  it('is kept per license and installation: another license in another cache beside it is not affected', async () => {
    const a = world();
    const b = world({ key: 'ZZZZZ-YYYYY-XXXXX-WWWWW-VVVVV' });
    const shared = { timeMarkDir: a.timeMarkDir, courtesy: { intervalMs: 0 }, checkpointMs: 6 * HOUR };
    const la = await a.open(shared);
    await la.activate(a.key);
    const lb = await b.open(shared);
    await lb.activate(b.key);
    a.server.outage = 'down';
    a.clock.advance(6 * DAY);
    await flush();
    await la.close();
    await lb.close();
    expect(readdirSync(a.timeMarkDir)).toHaveLength(2);
    const again = await b.open({ ...shared, fetch: offline });
    expect(again.status().code).toBe('VALID');
    await again.close();
  });

  it('a mark edited to an earlier time does not authenticate: CLOCK_TAMPERED until a fresh lease is installed', async () => {
    const w = world();
    const license = await w.open({ courtesy: { intervalMs: 0 } });
    await license.activate(w.key);
    await license.close();
    const file = join(w.timeMarkDir, readdirSync(w.timeMarkDir)[0]!);
    const mark = JSON.parse(readFileSync(file, 'utf8')) as { trustedTime: number };
    writeFileSync(file, JSON.stringify({ ...mark, trustedTime: mark.trustedTime - DAY }));

    const edited = await w.open({ fetch: offline });
    expect(edited.status().code).toBe('CLOCK_TAMPERED');
    expectAgreement(edited);
    await edited.close(); // closing in doubt must not write a fresh mark over the evidence
    const still = await w.open({ fetch: offline });
    expect(still.status().code).toBe('CLOCK_TAMPERED');
    await still.close();
    const online = await w.open({ courtesy: { onOpen: false } });
    expect((await online.refresh({ force: true })).code).toBe('VALID');
    await online.close();
    const after = await w.open({ fetch: offline });
    expect(after.status().code).toBe('VALID');
    await after.close();
  });

  it('defaults to the OS user state directory', () => {
    expect(defaultTimeMarkDir({ XDG_STATE_HOME: '/xdg' }, 'linux')).toBe('/xdg/leasehold');
    expect(defaultTimeMarkDir({}, 'linux')).toMatch(/\.local\/state\/leasehold$/);
    expect(defaultTimeMarkDir({ LOCALAPPDATA: 'C:\\Users\\a\\AppData\\Local' }, 'win32')).toMatch(/Local.leasehold$/);
  });
});

describe('the rules as pure functions', () => {
  const lease = (iat: number, jti = `lse_${iat}`) => ({ iat, jti, exp: iat + 3600 }) as LeaseClaims;

  it.each([
    ['no lease held', null, lease(100), null, null],
    ['a newer lease', lease(100), lease(200), null, null],
    ['the same second, another lease', lease(100, 'a'), lease(100, 'b'), null, null],
    ['the lease held again', lease(100, 'a'), lease(100, 'a'), null, 'REPLAYED'],
    ['an older lease', lease(200), lease(100), null, 'OLDER_THAN_HELD'],
    ['a lease from before the refusal', lease(100), lease(200), 250_000, 'ISSUED_BEFORE_REFUSAL'],
    ['a lease from the second of the refusal', lease(100), lease(250), 250_500, null],
  ])('%s', (_, held, incoming, refusalAt, expected) => {
    expect(staleLease(held, incoming, refusalAt)).toBe(expected);
  });

  it('the trusted clock moves forward only, within [iat, iat + tolerance] of the lease', () => {
    const held = { trustedTime: 500_000, skewMs: 0 };
    expect(clockAfterLease(held, lease(600), 600_200, 600_000, 300_000)).toEqual({ trustedTime: 600_200, skewMs: 200 });
    expect(clockAfterLease(held, lease(600), 1e12, 600_000, 300_000)).toEqual({ trustedTime: 900_000, skewMs: 300_000 });
    expect(clockAfterLease(held, lease(600), 1_000, 600_000, 300_000).trustedTime).toBe(600_000);
    expect(clockAfterLease(held, lease(100), 100_000, 600_000, 300_000)).toEqual({ trustedTime: 500_000, skewMs: -100_000 });
    expect(clockAfterLease(held, lease(600), 600_000, null, 300_000)).toEqual({ trustedTime: 600_000, skewMs: 0 });
  });
});
