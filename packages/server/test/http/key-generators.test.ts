import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { asLicense, fp } from '../support/client.js';
import { verifySignedKey, SignedKeyRejected } from '../../../sdk/src/index.js';
import { matchesPattern } from '../../src/capabilities/keys/pattern.js';

/** A stand-in for the vendor's key endpoint: it checks the signature and answers as `answer` says. */
function keyEndpoint() {
  const seen: Array<{ headers: IncomingMessage['headers']; body: string; verified: boolean }> = [];
  let secret = '';
  let answer: (n: number) => { status: number; body?: unknown; delayMs?: number } = () => ({ status: 200, body: { key: 'VENDOR-0001' } });
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      // Webhook.verify also holds the timestamp to the wall clock; the harness's clock is elsewhere.
      const id = String(req.headers['webhook-id']);
      const at = new Date(Number(req.headers['webhook-timestamp']) * 1000);
      const verified = secret !== '' && new Webhook(secret).sign(id, at, body) === req.headers['webhook-signature'];
      seen.push({ headers: req.headers, body, verified });
      const a = answer(seen.length);
      setTimeout(() => {
        if (res.destroyed) return;
        res.writeHead(a.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(a.body ?? {}));
      }, a.delayMs ?? 0);
    });
  });
  return {
    seen,
    setSecret: (s: string) => (secret = s),
    answer: (f: typeof answer) => (answer = f),
    start: () =>
      new Promise<string>((resolve) =>
        server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/keys`)),
      ),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.each(await storeKinds())('key generators on %s', (kind) => {
  let h: Harness;
  let customerId: string;
  const endpoint = keyEndpoint();
  let url: string;

  const offering = async (code: string, extra: Record<string, unknown> = {}) => {
    const r = await h.call('POST', '/v1/offerings', {
      productId: 'studio',
      code,
      name: code,
      licenseModel: 'subscription',
      term: 'P1Y',
      seats: 3,
      ...extra,
    });
    expect(r.status).toBe(201);
    return r.body;
  };
  const entitle = (offeringId: string, extra: Record<string, unknown> = {}) =>
    h.call('POST', '/v1/entitlements', { customerId, offeringId, ...extra });
  const entitlementCount = async () => (await h.call('GET', '/v1/entitlements?limit=500')).body.data.length as number;

  /** The key works through the client API: it activates a device, and validates there. */
  async function worksOnline(key: string) {
    const client = asLicense(h, key);
    const activated = await client('activate', { fingerprint: fp(key.slice(-12)) });
    expect([200, 201], JSON.stringify(activated.body)).toContain(activated.status);
    const validated = await client('validate', { fingerprint: fp(key.slice(-12)) });
    expect(validated.body).toMatchObject({ valid: true, code: 'VALID' });
  }

  beforeAll(async () => {
    h = await createHarness(kind);
    await h.call('POST', '/v1/products', { code: 'studio', name: 'Studio' });
    customerId = (await h.call('POST', '/v1/customers', { name: 'Acme' })).body.id;
    url = await endpoint.start();
  });
  afterAll(async () => {
    await endpoint.close();
    await h.close();
  });

  it('without a generator keys are the built-in random ones, and they validate', async () => {
    await offering('plain');
    const e = (await entitle('plain')).body;
    expect(e.key).toMatch(/^([0-9A-HJKMNP-TV-Z]{5}-){4}[0-9A-HJKMNP-TV-Z]{5}$/);
    await worksOnline(e.key);
  });

  it("a pattern generator's keys follow the pattern with a check symbol; the offering's wins over the product's", async () => {
    await offering('pro');
    await offering('team');
    const product = await h.call('POST', '/v1/key-generators', {
      productId: 'studio',
      kind: 'pattern',
      pattern: { pattern: '{PRODUCT}-XXXX-XXXX-####' },
    });
    expect(product.status, JSON.stringify(product.body)).toBe(201);
    expect(product.body.secret).toBeNull();
    const own = await h.call('POST', '/v1/key-generators', {
      offeringId: 'team',
      kind: 'pattern',
      pattern: { pattern: 'T{OFFERING}-#######-*', checkDigit: true },
    });
    expect(own.status).toBe(201);
    const twice = await h.call('POST', '/v1/key-generators', { offeringId: 'team', kind: 'random' });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('IN_USE');

    const pro = (await entitle('pro')).body.key as string;
    expect(pro).toMatch(/^STUDIO-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-\d{4}-[0-9A-Z]$/);
    expect(matchesPattern({ pattern: '{PRODUCT}-XXXX-XXXX-####' }, { product: 'studio', offering: 'pro' }, pro)).toBe(true);
    // One wrong symbol is caught by the check symbol.
    const typo = pro.slice(0, 7) + (pro[7] === 'A' ? 'B' : 'A') + pro.slice(8);
    expect(matchesPattern({ pattern: '{PRODUCT}-XXXX-XXXX-####' }, { product: 'studio', offering: 'pro' }, typo)).toBe(false);
    const team = (await entitle('team')).body.key as string;
    expect(team).toMatch(/^TTEAM-\d{7}-[0-9A-Z]$/);
    await worksOnline(pro);
    await worksOnline(team);
    // Back to random: the keys made before keep working.
    expect((await h.call('DELETE', `/v1/key-generators/${own.body.id}`)).status).toBe(204);
    expect((await entitle('team')).body.key).toMatch(/^STUDIO-/);
    await worksOnline(team);
  });

  it('a pattern without enough randomness, or with letters key lookup folds, is refused', async () => {
    const thin = await h.call('POST', '/v1/key-generators', { offeringId: 'plain', kind: 'pattern', pattern: { pattern: 'K-###' } });
    expect(thin.status).toBe(400);
    expect(thin.body.error.details).toMatchObject({ field: 'pattern.pattern' });
    const folded = await h.call('POST', '/v1/key-generators', {
      offeringId: 'plain',
      kind: 'pattern',
      pattern: { pattern: 'XXXXXXXXXX', alphabet: 'ABCDO' },
    });
    expect(folded.status).toBe(400);
    expect((await h.call('GET', '/v1/key-generators?product=studio')).body.data).toHaveLength(1);
  });

  it('racing creations on a pattern generator never give two entitlements one key', async () => {
    await offering('race');
    await h.call('POST', '/v1/key-generators', { offeringId: 'race', kind: 'pattern', pattern: { pattern: 'R-XXXXX' } });
    const made = await Promise.all(Array.from({ length: 24 }, () => entitle('race')));
    expect(made.map((r) => r.status)).toEqual(Array(24).fill(201));
    const keys = made.map((r) => r.body.key as string);
    expect(new Set(keys).size).toBe(24);
  });

  it('a signed key carries its claims, verifies offline against the JWKS, and a forged one does not', async () => {
    await offering('signed', { seats: 7 });
    await h.call('POST', '/v1/key-generators', { offeringId: 'signed', kind: 'signed' });
    const e = (await entitle('signed')).body;
    const jwks = (await h.call('GET', '/.well-known/jwks.json', undefined, { key: null })).body;
    const claims = verifySignedKey(e.key, jwks, { product: 'studio', now: h.clock.now() });
    expect(claims).toMatchObject({ iss: h.accountId, sub: e.id, aud: 'studio', offering: 'signed', seats: 7 });
    expect(claims.exp! * 1000).toBe(Date.parse(e.effective.endsAt));
    expect(() => verifySignedKey(e.key, jwks, { product: 'other' })).toThrow(SignedKeyRejected);
    expect(() => verifySignedKey(e.key, jwks, { now: Date.parse(e.effective.endsAt) + 1000 })).toThrow(/expired/);
    const [header, payload, signature] = e.key.split('.');
    const raised = Buffer.from(JSON.stringify({ ...claims, seats: 700 })).toString('base64url');
    expect(() => verifySignedKey(`${header}.${raised}.${signature}`, jwks)).toThrow(/forged/);
    expect(payload).toBeTruthy();
    await worksOnline(e.key);
  });

  it('an imported generator needs the key in the request; the legacy key validates as typed', async () => {
    await offering('legacy');
    await h.call('POST', '/v1/key-generators', { offeringId: 'legacy', kind: 'imported' });
    const before = await entitlementCount();
    const missing = await entitle('legacy');
    expect(missing.status).toBe(422);
    expect(missing.body.error.code).toBe('KEY_REQUIRED');
    expect(await entitlementCount()).toBe(before);
    const imported = await entitle('legacy', { key: 'OLDSYS-1234-ABCD-9999' });
    expect(imported.status).toBe(201);
    expect(imported.body.key).toBe('OLDSYS-1234-ABCD-9999');
    // Typed in lower case, without dashes: the keyed hash of the normal form finds it.
    await worksOnline('oldsys1234abcd9999');
  });

  it('a remote generator is called signed, with an idempotency key, and retried; its key validates', async () => {
    await offering('remote');
    const created = await h.call('POST', '/v1/key-generators', {
      offeringId: 'remote',
      kind: 'remote',
      remote: { url, timeoutMs: 1000, retries: 2 },
    });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    expect((await h.call('GET', `/v1/key-generators/${created.body.id}`)).body.secret).toBeUndefined();
    endpoint.setSecret(created.body.secret);
    endpoint.answer((n) => (n === 1 ? { status: 503 } : { status: 200, body: { key: `VENDOR-${kind}-0001` } }));
    const e = await entitle('remote');
    expect(e.status, JSON.stringify(e.body)).toBe(201);
    expect(e.body.key).toBe(`VENDOR-${kind}-0001`);
    expect(endpoint.seen).toHaveLength(2);
    expect(endpoint.seen.every((s) => s.verified)).toBe(true);
    expect(endpoint.seen.map((s) => s.headers['idempotency-key'])).toEqual([e.body.id, e.body.id]);
    expect(JSON.parse(endpoint.seen[0]!.body).data).toMatchObject({
      entitlementId: e.body.id,
      offering: { code: 'remote' },
      customer: { id: customerId },
    });
    await worksOnline(e.body.key);
  });

  it('a remote generator that times out or answers badly leaves nothing half-made', async () => {
    endpoint.seen.length = 0;
    const events = async () => (await h.call('GET', '/v1/events?type=entitlement.created&limit=500')).body.data.length as number;
    const [entitlements, created] = [await entitlementCount(), await events()];
    endpoint.answer(() => ({ status: 200, body: { key: 'late' }, delayMs: 1500 }));
    const timedOut = await entitle('remote');
    expect(timedOut.status).toBe(502);
    expect(timedOut.body.error).toMatchObject({ code: 'KEY_GENERATOR_FAILED', details: { attempts: 3 } });
    expect(endpoint.seen).toHaveLength(3);
    endpoint.answer(() => ({ status: 200, body: { nokey: true } }));
    expect((await entitle('remote')).body.error.code).toBe('KEY_GENERATOR_FAILED');
    endpoint.answer(() => ({ status: 400 }));
    expect((await entitle('remote')).body.error.code).toBe('KEY_GENERATOR_FAILED');
    // A key another license holds already is refused, not shared.
    endpoint.answer(() => ({ status: 200, body: { key: `VENDOR-${kind}-0001` } }));
    expect((await entitle('remote')).body.error.code).toBe('KEY_GENERATOR_FAILED');
    expect(await entitlementCount()).toBe(entitlements);
    expect(await events()).toBe(created);
  });

  it('generator settings are checked: a remote one over plain http elsewhere than loopback is refused', async () => {
    await offering('remote2');
    const r = await h.call('POST', '/v1/key-generators', {
      offeringId: 'remote2',
      kind: 'remote',
      remote: { url: 'http://example.com/keys' },
    });
    expect(r.status).toBe(400);
    const noPattern = await h.call('POST', '/v1/key-generators', { offeringId: 'remote2', kind: 'pattern' });
    expect(noPattern.status).toBe(400);
    const elsewhere = await h.call('POST', '/v1/key-generators', { productId: 'nope', kind: 'signed' });
    expect(elsewhere.status).toBe(404);
  });
});
