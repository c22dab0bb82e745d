import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { startReceiver, type Receiver } from '../support/webhook-receiver.js';
import { createEndpoint, dispatcherFor } from '../support/webhooks.js';

/** Webhook endpoints, Standard Webhooks signatures, the SSRF guard, the delivery log, retry and replay. */
process.env['LEASEHOLD_WEBHOOKS_ALLOW_PRIVATE_NETWORKS'] = 'true';

const allowPrivate = (on: boolean) => {
  process.env['LEASEHOLD_WEBHOOKS_ALLOW_PRIVATE_NETWORKS'] = on ? 'true' : 'false';
};

describe.each(await storeKinds())('webhook endpoints on %s', (kind) => {
  let h: Harness;
  let rx: Receiver;

  beforeAll(async () => {
    h = await createHarness(kind);
    rx = await startReceiver();
  });
  afterAll(async () => {
    await rx.close();
    await h.close();
  });
  afterEach(async () => {
    allowPrivate(true);
    rx.behaviour = () => ({ status: 200 });
    rx.received.length = 0;
    // Each test starts without endpoints, so one test's deliveries never reach another's receiver.
    const list = await h.call('GET', '/v1/webhook-endpoints?limit=500');
    for (const e of list.body.data) await h.call('DELETE', `/v1/webhook-endpoints/${e.id}`);
  });

  it('shows the whsec_ secret once, at creation, and stores it sealed, never in plain text', async () => {
    const res = await h.call('POST', '/v1/webhook-endpoints', { url: `${rx.url}/a`, description: 'CRM' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ url: `${rx.url}/a`, events: ['*'], enabled: true, state: 'active', productId: null, backlog: 0 });
    expect(res.body.id).toMatch(/^whk_[0-9a-z]{26}$/);
    expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const read = await h.call('GET', `/v1/webhook-endpoints/${res.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body.secret).toBeUndefined();
    expect(JSON.stringify((await h.call('GET', '/v1/webhook-endpoints')).body)).not.toContain('whsec_');
    const rows = await sql<{ secret: string }>`select secret from webhook_endpoints where id = ${res.body.id}`.execute(
      h.services.store.database.db,
    );
    const stored = rows.rows[0]!.secret;
    expect(stored.startsWith('v1.')).toBe(true);
    expect(stored).not.toContain(res.body.secret.slice(6));
    const events = await h.call('GET', `/v1/events?subject=${res.body.id}`);
    expect(events.body.data.map((e: { type: string }) => e.type)).toEqual(['webhook_endpoint.created']);
    expect(JSON.stringify(events.body)).not.toContain(res.body.secret.slice(6, 20));
  });

  it('signs every delivery so the standardwebhooks verifier accepts it, and refuses a tampered body or an old timestamp', async () => {
    h.clock.set(Date.now());
    const ep = await createEndpoint(h, { url: `${rx.url}/signed` });
    const customer = await h.call('POST', '/v1/customers', { name: 'Initech' });
    await dispatcherFor(h.services).drain();
    expect(rx.received).toHaveLength(1);
    const { headers, body } = rx.received[0]!;
    const verifier = new Webhook(ep.secret);
    const payload = verifier.verify(body, headers) as { type: string; timestamp: string; data: Record<string, unknown> };
    expect(payload.type).toBe('customer.created');
    expect(payload.data).toMatchObject({ type: 'customer.created', subjectId: customer.body.id, after: { name: 'Initech' } });
    expect(headers['webhook-id']).toBe(payload.data['id']);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(() => verifier.verify(body.replace('Initech', 'Initech!'), headers)).toThrow();
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`).verify(body, headers)).toThrow();
    // Ten minutes old: outside the verifier's tolerance.
    h.clock.set(Date.now() - 10 * 60_000);
    await h.call('POST', '/v1/customers', { name: 'Old news' });
    await dispatcherFor(h.services).drain();
    expect(rx.received).toHaveLength(2);
    expect(() => verifier.verify(rx.received[1]!.body, rx.received[1]!.headers)).toThrow(/timestamp/i);
  });

  it('rotating the secret sends both signatures during the overlap, then only the new one', async () => {
    h.clock.set(Date.now());
    const ep = await createEndpoint(h, { url: `${rx.url}/rotate` });
    const rotated = await h.call('POST', `/v1/webhook-endpoints/${ep.id}/rotate-secret`, { overlap: 'PT1H' });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(ep.secret);
    expect(rotated.body.previousSecretExpiresAt).not.toBeNull();
    await h.call('POST', '/v1/customers', { name: 'During overlap' });
    await dispatcherFor(h.services).drain();
    const during = rx.received[0]!;
    expect(during.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(new Webhook(ep.secret).verify(during.body, during.headers)).toBeTruthy();
    expect(new Webhook(rotated.body.secret).verify(during.body, during.headers)).toBeTruthy();
    // After the overlap: the old secret no longer verifies.
    h.clock.advance(61 * 60_000);
    await h.call('POST', '/v1/customers', { name: 'After overlap' });
    await dispatcherFor(h.services).drain();
    const after = rx.received[1]!;
    expect(after.headers['webhook-signature']!.split(' ')).toHaveLength(1);
    const ts = Number(after.headers['webhook-timestamp']);
    const wh = (s: string) => new Webhook(s);
    // The verifier checks the timestamp against the real clock; check the signature alone here.
    expect(wh(rotated.body.secret).sign(after.headers['webhook-id']!, new Date(ts * 1000), after.body)).toBe(
      after.headers['webhook-signature'],
    );
    expect(wh(ep.secret).sign(after.headers['webhook-id']!, new Date(ts * 1000), after.body)).not.toBe(after.headers['webhook-signature']);
    expect((await h.call('POST', `/v1/webhook-endpoints/${ep.id}/rotate-secret`, { overlap: 'P90D' })).status).toBe(400);
  });

  it('delivers only the event types and the product an endpoint asks for', async () => {
    const product = await h.call('POST', '/v1/products', { code: 'wh-prod', name: 'Webhook product' });
    const other = await h.call('POST', '/v1/products', { code: 'wh-other', name: 'Other product' });
    await createEndpoint(h, { url: `${rx.url}/created-only`, events: ['customer.created'] });
    await createEndpoint(h, { url: `${rx.url}/product`, productId: 'wh-prod', events: ['*'] });
    const c = await h.call('POST', '/v1/customers', { name: 'Filtered' });
    await h.call('PATCH', `/v1/customers/${c.body.id}`, { name: 'Filtered 2' });
    await h.call('PATCH', `/v1/products/${product.body.id}`, { name: 'Renamed' });
    await h.call('PATCH', `/v1/products/${other.body.id}`, { name: 'Renamed other' });
    await dispatcherFor(h.services).drain();
    const by = (path: string) => rx.received.filter((r) => r.path === path).map((r) => JSON.parse(r.body).type);
    expect(by('/created-only')).toEqual(['customer.created']);
    expect(by('/product')).toEqual(['product.updated']);
    expect(JSON.parse(rx.received.find((r) => r.path === '/product')!.body).data.subjectId).toBe(product.body.id);
  });

  it('POST …/test sends a webhook.test event to that endpoint only', async () => {
    const a = await createEndpoint(h, { url: `${rx.url}/test-a` });
    await createEndpoint(h, { url: `${rx.url}/test-b` });
    const res = await h.call('POST', `/v1/webhook-endpoints/${a.id}/test`);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ endpointId: a.id, eventType: 'webhook.test', status: 'pending', attempts: 0 });
    await dispatcherFor(h.services).drain();
    const tests = rx.received.filter((r) => JSON.parse(r.body).type === 'webhook.test');
    expect(tests.map((r) => r.path)).toEqual(['/test-a']);
    const log = await h.call('GET', `/v1/webhook-endpoints/${a.id}/deliveries`);
    expect(log.body.data[0]).toMatchObject({ id: res.body.id, status: 'delivered', attempts: 1 });
  });

  it('the delivery log shows each attempt: status, a bounded excerpt of the answer, the duration', async () => {
    const ep = await createEndpoint(h, { url: `${rx.url}/log` });
    rx.behaviour = (_r, n) => (n === 1 ? { status: 500, body: 'x'.repeat(5000) } : { status: 204 });
    await h.call('POST', '/v1/customers', { name: 'Logged' });
    const d = dispatcherFor(h.services);
    await d.drain();
    let log = await h.call('GET', `/v1/webhook-endpoints/${ep.id}/deliveries`);
    expect(log.status).toBe(200);
    const first = log.body.data[0];
    expect(first).toMatchObject({ status: 'pending', attempts: 1, eventType: 'customer.created' });
    expect(Date.parse(first.nextAttemptAt) - h.clock.now()).toBe(5_000);
    expect(first.attemptLog).toHaveLength(1);
    expect(first.attemptLog[0]).toMatchObject({ n: 1, status: 500, error: null });
    expect(first.attemptLog[0].responseExcerpt).toHaveLength(1024);
    expect(first.attemptLog[0].durationMs).toBeGreaterThanOrEqual(0);
    h.clock.advance(5_000);
    await d.drain();
    log = await h.call('GET', `/v1/webhook-endpoints/${ep.id}/deliveries?status=delivered`);
    expect(log.body.data).toHaveLength(1);
    expect(log.body.data[0].attemptLog.map((a: { status: number }) => a.status)).toEqual([500, 204]);
    expect((await h.call('GET', `/v1/webhook-endpoints/${ep.id}/deliveries?status=failed`)).body.data).toEqual([]);
    expect((await h.call('GET', `/v1/webhook-endpoints/${ep.id}/deliveries?nope=1`)).status).toBe(400);
  });

  it('retry queues a finished delivery again with the same webhook-id; replay re-sends a time range in order', async () => {
    const ep = await createEndpoint(h, { url: `${rx.url}/again` });
    h.clock.advance(1);
    const from = h.clock.now();
    const c = await h.call('POST', '/v1/customers', { name: 'Again' });
    h.clock.advance(1);
    await h.call('PATCH', `/v1/customers/${c.body.id}`, { name: 'Again 2' });
    h.clock.advance(1);
    const d = dispatcherFor(h.services);
    await d.drain();
    expect(rx.received).toHaveLength(2);
    const ids = rx.received.map((r) => r.headers['webhook-id']);
    const log = await h.call('GET', `/v1/webhook-endpoints/${ep.id}/deliveries`);
    const delivered = log.body.data[0];
    expect((await h.call('POST', `/v1/webhook-deliveries/${delivered.id}/retry`)).status).toBe(202);
    await d.drain();
    expect(rx.received[2]!.headers['webhook-id']).toBe(delivered.eventId);

    const replay = await h.call('POST', `/v1/webhook-endpoints/${ep.id}/replay`, {
      from: new Date(from).toISOString(),
      to: new Date(h.clock.now()).toISOString(),
    });
    expect(replay.status).toBe(202);
    expect(replay.body).toEqual({ queued: 2 });
    await d.drain();
    expect(rx.received.slice(3).map((r) => r.headers['webhook-id'])).toEqual(ids);
    const pending = await h.call('POST', `/v1/webhook-endpoints/${ep.id}/test`);
    expect((await h.call('POST', `/v1/webhook-deliveries/${pending.body.id}/retry`)).body.error.code).toBe('INVALID_STATE');
    expect((await h.call('POST', '/v1/webhook-deliveries/whd_00000000000000000000000000/retry')).status).toBe(404);
    const backwards = await h.call('POST', `/v1/webhook-endpoints/${ep.id}/replay`, {
      from: '2026-03-02T00:00:00Z',
      to: '2026-03-01T00:00:00Z',
    });
    expect(backwards.status).toBe(400);
  });

  it('refuses URLs that are not https or reach loopback, private, link-local or metadata addresses (and writes nothing)', async () => {
    allowPrivate(false);
    const before = (await h.call('GET', '/v1/events?limit=500')).body.data.length;
    for (const url of [
      `${rx.url}/plain-http`,
      'https://127.0.0.1/hook',
      'https://[::1]/hook',
      'https://10.1.2.3/hook',
      'https://172.20.0.5/hook',
      'https://192.168.1.1/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://[fd00:ec2::254]/hook',
      'https://[::ffff:127.0.0.1]/hook',
      'https://[::ffff:a9fe:a9fe]/hook',
      'https://100.64.0.1/hook',
      'https://0.0.0.0/hook',
      'https://localhost/hook',
      'https://user:pw@93.184.216.34/hook',
      'not a url at all',
    ]) {
      const res = await h.call('POST', '/v1/webhook-endpoints', { url });
      expect(res.status, url).toBe(url === 'not a url at all' ? 422 : 422);
      expect(res.body.error.code, url).toBe('WEBHOOK_URL_REFUSED');
    }
    expect((await h.call('GET', '/v1/events?limit=500')).body.data.length).toBe(before);
    expect((await h.call('GET', '/v1/webhook-endpoints')).body.data).toEqual([]);
    // A public address literal needs no DNS and is accepted.
    expect((await h.call('POST', '/v1/webhook-endpoints', { url: 'https://93.184.216.34/hook', enabled: false })).status).toBe(201);
    // The same refusal on PATCH.
    const ep = (await h.call('GET', '/v1/webhook-endpoints')).body.data[0];
    expect((await h.call('PATCH', `/v1/webhook-endpoints/${ep.id}`, { url: 'https://127.0.0.1/x' })).body.error.code).toBe(
      'WEBHOOK_URL_REFUSED',
    );
  });

  it('refuses private addresses again at delivery time, on the addresses the connection uses (DNS rebinding)', async () => {
    // Created while private networks were allowed; the name resolves to loopback when the attempt is made.
    const viaName = await createEndpoint(h, { url: `${rx.url.replace('127.0.0.1', 'localhost').replace('http:', 'https:')}/rebound` });
    const viaHttp = await createEndpoint(h, { url: `${rx.url}/plain` });
    allowPrivate(false);
    await h.call('POST', '/v1/customers', { name: 'Rebinding' });
    await dispatcherFor(h.services).drain();
    expect(rx.received).toEqual([]);
    const attemptOf = async (id: string) => (await h.call('GET', `/v1/webhook-endpoints/${id}/deliveries`)).body.data[0].attemptLog[0];
    expect((await attemptOf(viaName.id)).error).toMatch(/^refused address (127\.0\.0\.1|::1)$/);
    expect((await attemptOf(viaHttp.id)).error).toBe('refused: not https');
  });

  it('bad input is refused with a stable code and changes nothing; only admins manage endpoints', async () => {
    const bad = [
      { url: `${rx.url}/x`, events: ['customer.exploded'] },
      { url: `${rx.url}/x`, events: [] },
      { events: ['*'] },
      { url: `${rx.url}/x`, secret: 'whsec_mine' },
    ];
    for (const body of bad) {
      const res = await h.call('POST', '/v1/webhook-endpoints', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('INVALID_REQUEST');
    }
    expect((await h.call('POST', '/v1/webhook-endpoints', { url: `${rx.url}/x`, productId: 'no-such-product' })).body.error.code).toBe(
      'UNKNOWN_REFERENCE',
    );
    expect((await h.call('GET', '/v1/webhook-endpoints')).body.data).toEqual([]);
    const readonly = (await h.call('POST', '/v1/api-keys', { name: 'ro', role: 'readonly' })).body.key;
    const denied = await h.call('GET', '/v1/webhook-endpoints', undefined, { key: readonly });
    expect(denied.status).toBe(403);
    const other = await h.newAccount();
    const mine = await createEndpoint(h, { url: `${rx.url}/mine` });
    expect((await h.call('GET', `/v1/webhook-endpoints/${mine.id}`, undefined, { key: other.adminKey })).status).toBe(404);
    expect((await h.call('GET', `/v1/webhook-endpoints/${mine.id}/deliveries`, undefined, { key: other.adminKey })).status).toBe(404);
  });

  it('PATCH changes an endpoint; DELETE removes it with its deliveries; the backlog shows on /metrics', async () => {
    const ep = await createEndpoint(h, { url: `${rx.url}/patch` });
    const patched = await h.call('PATCH', `/v1/webhook-endpoints/${ep.id}`, { enabled: false, description: 'paused' });
    expect(patched.body).toMatchObject({ enabled: false, state: 'disabled', description: 'paused' });
    await h.call('PATCH', `/v1/webhook-endpoints/${ep.id}`, { enabled: true });
    await h.call('POST', '/v1/customers', { name: 'Backlogged' });
    expect((await h.call('GET', `/v1/webhook-endpoints/${ep.id}`)).body.backlog).toBe(1);
    const metrics = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/^leasehold_webhook_backlog\{[^}]*\} 1$/m);
    expect((await h.call('DELETE', `/v1/webhook-endpoints/${ep.id}`)).status).toBe(204);
    expect((await h.call('GET', `/v1/webhook-endpoints/${ep.id}`)).status).toBe(404);
    const left = await sql<{ n: number }>`select count(*) as n from webhook_deliveries where endpoint_id = ${ep.id}`.execute(
      h.services.store.database.db,
    );
    expect(Number(left.rows[0]!.n)).toBe(0);
  });
});
