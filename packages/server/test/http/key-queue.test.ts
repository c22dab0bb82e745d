import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { asLicense, fp } from '../support/client.js';
import { freePort } from '../support/processes.js';
import { issuePendingKeys } from '../../src/capabilities/entitlements/key-queue.js';
import { runActivationBatches } from '../../src/capabilities/batches/runner.js';
import { generateCodes } from '../../src/capabilities/partners/generate.js';
import { exportAccount, importAccount, type ExportLine } from '../../src/capabilities/transfer/account-transfer.js';

/**
 * The vendor's key endpoint on a fixed port that can be down (nothing listening: the connection
 * is refused) and then up again; it checks each request's Standard Webhooks signature and answers a
 * key per Idempotency-Key, after `delayMs`.
 */
function endpointOnPort(port: number) {
  const seen: Array<{ id: string; idempotencyKey: string; verified: boolean }> = [];
  let secret = '';
  let delayMs = 0;
  let server: Server | null = null;
  const keyFor = (id: string) => `VENDOR-${id.slice(-12).toUpperCase()}`;
  return {
    url: `http://127.0.0.1:${port}/keys`,
    seen,
    keyFor,
    setSecret: (s: string) => (secret = s),
    setDelay: (ms: number) => (delayMs = ms),
    up: () =>
      new Promise<void>((resolve) => {
        server = createServer((req, res) => {
          let body = '';
          req.on('data', (c: Buffer) => (body += c.toString()));
          req.on('end', () => {
            const id = String(req.headers['webhook-id']);
            const at = new Date(Number(req.headers['webhook-timestamp']) * 1000);
            const verified = new Webhook(secret).sign(id, at, body) === req.headers['webhook-signature'];
            seen.push({ id, idempotencyKey: String(req.headers['idempotency-key']), verified });
            setTimeout(() => {
              res.writeHead(200, { 'content-type': 'application/json' });
              res.end(JSON.stringify({ key: keyFor(String(req.headers['idempotency-key'])) }));
            }, delayMs);
          });
        });
        server.listen(port, '127.0.0.1', () => resolve());
      }),
    down: () => new Promise<void>((resolve) => (server ? server.close(() => ((server = null), resolve())) : resolve())),
  };
}

describe.each(await storeKinds())('entitlements queued while a remote key generator is down, on %s', (kind) => {
  let h: Harness;
  let customerId: string;
  let endpoint: ReturnType<typeof endpointOnPort>;
  const work = () => issuePendingKeys(h.services, { worker: 'test-worker' });
  const events = async (type: string) => (await h.call('GET', `/v1/events?type=${type}&limit=500`)).body.data as Array<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any

  beforeAll(async () => {
    h = await createHarness(kind);
    endpoint = endpointOnPort(await freePort());
    await h.call('POST', '/v1/products', { code: 'studio', name: 'Studio' });
    customerId = (await h.call('POST', '/v1/customers', { name: 'Acme' })).body.id;
    for (const [code, onFailure] of [
      ['queued', 'queue'],
      ['strict', 'fail'],
    ] as const) {
      expect(
        (await h.call('POST', '/v1/offerings', { productId: 'studio', code, name: code, licenseModel: 'perpetual', seats: 2 })).status,
      ).toBe(201);
      const g = await h.call('POST', '/v1/key-generators', {
        offeringId: code,
        kind: 'remote',
        remote: { url: endpoint.url, timeoutMs: 1000, retries: 0, onFailure },
      });
      expect(g.status, JSON.stringify(g.body)).toBe(201);
      expect(g.body.remote.onFailure).toBe(onFailure);
      // Both generators share the endpoint; it checks the signatures of the queued offering's.
      if (onFailure === 'queue') endpoint.setSecret(g.body.secret);
    }
  });
  afterAll(async () => {
    await endpoint.down();
    await h.close();
  });

  it('with onFailure "fail" (the default) a generator that is down creates nothing', async () => {
    const before = (await h.call('GET', '/v1/entitlements?limit=500')).body.data.length;
    const r = await h.call('POST', '/v1/entitlements', { customerId, offeringId: 'strict' });
    expect(r.status).toBe(502);
    expect(r.body.error.code).toBe('KEY_GENERATOR_FAILED');
    expect((await h.call('GET', '/v1/entitlements?limit=500')).body.data.length).toBe(before);
  });

  it('with onFailure "queue" the entitlement is created without a key, cannot be activated, and gets its key once the endpoint is up', async () => {
    const created = await h.call('POST', '/v1/entitlements', { customerId, offeringId: 'queued' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ key: '', keyPending: true, state: 'active' });
    const id = created.body.id as string;
    const queuedEvents = (await events('entitlement.key_queued')).filter((e) => e.entitlementId === id);
    expect(queuedEvents).toHaveLength(1);
    expect(queuedEvents[0]!.after).toMatchObject({ attempts: 1, reason: 'The remote key generator could not be reached.' });

    // Nothing can be activated on it: a batch (the one path that names an entitlement, not a key) refuses each device.
    const batch = await h.call('POST', '/v1/activation-batches', { entitlementId: id, devices: [{ fingerprint: fp('pending-1') }] });
    expect(batch.status).toBe(202);
    await runActivationBatches(h.services, { worker: 'batch-worker' });
    const b = (await h.call('GET', `/v1/activation-batches/${batch.body.id}`)).body;
    expect(b).toMatchObject({ state: 'completed', results: { activated: 0, refused: 1 }, refusals: { KEY_PENDING: 1 } });

    // The first retry waits 30 s; the endpoint is still down then, and the next waits 60 s more.
    expect(await work()).toBe(false);
    h.clock.advance(30_000);
    expect(await work()).toBe(false);
    h.clock.advance(1);
    expect(await work()).toBe(true);
    expect((await h.call('GET', `/v1/entitlements/${id}`)).body).toMatchObject({ key: '', keyPending: true });
    h.clock.advance(60_000);
    expect(await work()).toBe(false);

    const waiting = (await h.call('GET', '/v1/pending-keys?state=queued')).body.data;
    expect(waiting).toEqual([
      expect.objectContaining({
        entitlementId: id,
        state: 'queued',
        attempts: 2,
        lastError: 'The remote key generator could not be reached.',
      }),
    ]);
    await endpoint.up();
    expect(endpoint.seen).toHaveLength(0);
    h.clock.advance(1);
    expect(await work()).toBe(true);
    expect(endpoint.seen).toEqual([{ id, idempotencyKey: id, verified: true }]);
    const done = (await h.call('GET', `/v1/entitlements/${id}`)).body;
    expect(done.key).toBe(endpoint.keyFor(id));
    expect(done.keyPending).toBeUndefined();
    const issued = (await events('entitlement.key_issued')).filter((e) => e.entitlementId === id);
    expect(issued).toHaveLength(1);
    expect(issued[0]!.after).toMatchObject({ attempts: 3 });
    expect((await h.call('GET', '/v1/pending-keys?state=queued')).body.data).toEqual([]);
    expect((await h.call('GET', '/v1/pending-keys')).body.data[0]).toMatchObject({
      entitlementId: id,
      state: 'issued',
      attempts: 3,
      nextAttemptAt: null,
    });
    expect(await work()).toBe(false);

    // The key works through the client API now.
    const client = asLicense(h, done.key);
    const activated = await client('activate', { fingerprint: fp('queued-1') });
    expect([200, 201], JSON.stringify(activated.body)).toContain(activated.status);
    expect((await client('validate', { fingerprint: fp('queued-1') })).body).toMatchObject({ valid: true, code: 'VALID' });
  });

  it('with the endpoint up, the key comes at once, asked outside the transaction: other writes do not wait for the endpoint', async () => {
    endpoint.setDelay(800);
    const started = Date.now();
    const creating = h.call('POST', '/v1/entitlements', { customerId, offeringId: 'queued' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    // A write made while the endpoint thinks commits long before the endpoint answers.
    const other = await h.call('POST', '/v1/customers', { name: 'Initech' });
    const otherMs = Date.now() - started;
    expect(other.status).toBe(201);
    const e = await creating;
    const creatingMs = Date.now() - started;
    endpoint.setDelay(0);
    expect(e.status).toBe(201);
    expect(e.body.key).toBe(endpoint.keyFor(e.body.id));
    expect(e.body.keyPending).toBeUndefined();
    expect(creatingMs).toBeGreaterThanOrEqual(800);
    expect(otherMs).toBeLessThan(700);
  });

  it('a partner code redeemed while the generator is down is not redeemed (no empty key for the customer), and can be later', async () => {
    await endpoint.down();
    await h.call('POST', '/v1/partners', { name: 'Box Shop' });
    const partner = (await h.call('GET', '/v1/partners')).body.data[0].id;
    const batch = (await h.call('POST', '/v1/code-batches', { partnerId: partner, offeringId: 'queued', quantity: 1 })).body;
    while (await generateCodes(h.services, { worker: 'codes' }));
    const code = (await h.call('GET', `/v1/code-batches/${batch.id}/codes`)).body.data[0].code;
    const redeem = () => h.call('POST', '/v1/client/redeem', { code, customer: { name: 'Hooli', email: 'it@hooli.test' } }, { key: null });
    const refused = await redeem();
    expect(refused.status).toBe(502);
    expect(refused.body.error.code).toBe('KEY_GENERATOR_FAILED');
    expect((await h.call('GET', `/v1/codes/check?code=${code}`)).body).toMatchObject({ redeemable: true, state: 'issued' });
    await endpoint.up();
    const redeemed = await redeem();
    expect(redeemed.status).toBe(201);
    expect(redeemed.body.key).toBe(endpoint.keyFor(redeemed.body.entitlementId));
  });

  it('a trial started while the generator is down is refused, not started keyless, and can be started later', async () => {
    await endpoint.down();
    expect((await h.call('PATCH', '/v1/products/studio', { trialOfferingId: 'queued' })).status).toBe(200);
    const start = () => h.call('POST', '/v1/client/trial', { product: 'studio', fingerprint: fp('trial-1') }, { key: null });
    const refused = await start();
    expect(refused.status).toBe(502);
    expect(refused.body.error.code).toBe('KEY_GENERATOR_FAILED');
    await endpoint.up();
    const started = await start();
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    expect(started.body.key).toBe(endpoint.keyFor(started.body.entitlementId));
    await h.call('PATCH', '/v1/products/studio', { trialOfferingId: null });
  });

  it('a key already held by another license is not shared: the queued entitlement keeps waiting', async () => {
    await endpoint.down();
    const created = (await h.call('POST', '/v1/entitlements', { customerId, offeringId: 'queued' })).body;
    expect(created.keyPending).toBe(true);
    // Another license takes the key the endpoint will answer for it.
    expect(
      (await h.call('POST', '/v1/offerings', { productId: 'studio', code: 'legacy', name: 'legacy', licenseModel: 'perpetual', seats: 1 }))
        .status,
    ).toBe(201);
    expect((await h.call('POST', '/v1/entitlements', { customerId, offeringId: 'legacy', key: endpoint.keyFor(created.id) })).status).toBe(
      201,
    );
    await endpoint.up();
    h.clock.advance(30_001);
    expect(await work()).toBe(true);
    const still = (await h.call('GET', `/v1/entitlements/${created.id}`)).body;
    expect(still).toMatchObject({ key: '', keyPending: true });
  });

  it('an account export carries a pending key: restored, it still waits (no key of dashes opens it) and gets its key', async () => {
    await endpoint.down();
    const pending = (await h.call('POST', '/v1/entitlements', { customerId, offeringId: 'queued' })).body;
    expect(pending.keyPending).toBe(true);
    const ctxOf = (of: Harness) => ({
      store: of.services.store.forAccount({ accountId: of.accountId, productId: null }),
      clock: of.clock,
      ids: of.services.ids,
      secrets: of.services.secrets,
      actor: { type: 'system' as const, id: 'transfer' },
      requestId: null,
    });
    const lines: ExportLine[] = [];
    for await (const line of exportAccount(ctxOf(h), { passphrase: 'correct horse battery staple' }))
      lines.push(JSON.parse(JSON.stringify(line)) as ExportLine);
    const pendingLines = lines.filter((l) => l.kind === 'pending_key') as Array<{ record: { entitlementId: string } }>;
    expect(pendingLines.map((l) => l.record.entitlementId)).toContain(pending.id);
    // Keys are unique across a server: the account moves to another one (another database, another master key).
    const target = await createHarness(kind);
    try {
      await importAccount(ctxOf(target), lines, { passphrase: 'correct horse battery staple' });
      const restored = (await target.call('GET', `/v1/entitlements/${pending.id}`)).body;
      expect(restored).toMatchObject({ key: '', keyPending: true });
      const dashes = await asLicense(target, '---')('validate', { fingerprint: fp('dashes') });
      expect(dashes.body).toMatchObject({ valid: false, code: 'NOT_FOUND' });
      await endpoint.up();
      target.clock.advance(3_600_001);
      while (await issuePendingKeys(target.services, { worker: 'target-worker' }));
      const done = (await target.call('GET', `/v1/entitlements/${pending.id}`)).body;
      expect(done.key).toBe(endpoint.keyFor(pending.id));
    } finally {
      await target.close();
    }
  });
});
