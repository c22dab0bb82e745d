import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, T0, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { startReceiver, type Receiver } from '../support/webhook-receiver.js';
import { createEndpoint, dispatcherFor, runUntil } from '../support/webhooks.js';
import { WebhookDispatchRepository } from '../../src/capabilities/webhooks/store/dispatch.js';
import { MAX_ATTEMPTS, RETRY_SCHEDULE_MS } from '../../src/capabilities/webhooks/schedule.js';

/**
 * How deliveries behave: only 2xx succeeds, redirects are not followed, 410 disables, 429/503's
 * Retry-After is honoured, attempts are bounded in time; the retry schedule over a simulated day
 * (the harness's clock, no sleeping), the circuit breaker, order per subject, the per-endpoint cap,
 * and two dispatchers sharing the work.
 */
process.env['LEASEHOLD_WEBHOOKS_ALLOW_PRIVATE_NETWORKS'] = 'true';
process.env['LEASEHOLD_WEBHOOKS_TIMEOUT_MS'] = '400';

const H = 3_600_000;
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

describe.each(await storeKinds())('webhook delivery on %s', (kind) => {
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
    rx.behaviour = () => ({ status: 200 });
    rx.received.length = 0;
    rx.maxOpen = 0;
    const list = await h.call('GET', '/v1/webhook-endpoints?limit=500');
    for (const e of list.body.data) await h.call('DELETE', `/v1/webhook-endpoints/${e.id}`);
  });

  const deliveries = async (id: string): Promise<Json[]> =>
    (await h.call('GET', `/v1/webhook-endpoints/${id}/deliveries?limit=500`)).body.data;
  const customers = async (n: number, prefix: string) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await h.call('POST', '/v1/customers', { name: `${prefix} ${i}` })).body.id);
    return ids;
  };

  it('a dead endpoint for a simulated day gets one delivery’s schedule, not one per event (the breaker parks it)', async () => {
    h.clock.set(T0);
    rx.behaviour = () => ({ status: 500 });
    const ep = await createEndpoint(h, { url: `${rx.url}/dead`, events: ['customer.created'] });
    await customers(20, 'Dead');
    const start = h.clock.now();
    await runUntil(h, dispatcherFor(h.services), start + 24 * H);
    // At the start: 4 at once (the cap), 4 more, and the fifth failure in a row parks the endpoint.
    // Then one probe at a time, on the first delivery's schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h.
    const log = await deliveries(ep.id);
    const attempts = log.flatMap((d) => d.attemptLog.map((a: Json) => ({ at: Date.parse(a.at) - start, id: d.id })));
    expect(attempts).toHaveLength(14);
    expect(rx.received).toHaveLength(14);
    const oldest = log[log.length - 1];
    let at = 0;
    const expected = [0];
    for (let n = 1; n < 7; n++) expected.push((at += RETRY_SCHEDULE_MS[n]!));
    expect(oldest.attemptLog.map((a: Json) => Date.parse(a.at) - start)).toEqual(expected);
    expect(log.filter((d) => d.attempts === 0)).toHaveLength(12);
    const endpoint = (await h.call('GET', `/v1/webhook-endpoints/${ep.id}`)).body;
    expect(endpoint).toMatchObject({ state: 'parked', backlog: 20, failingSince: null });

    // The rest of the schedule: the tenth attempt fails the delivery and flags the endpoint.
    const d = dispatcherFor(h.services);
    await runUntil(h, d, start + 4 * 24 * H);
    await d.sweep();
    const after = await deliveries(ep.id);
    expect(after.find((x) => x.id === oldest.id)).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS });
    expect(after.every((x) => x.status === 'failed')).toBe(true);
    expect(rx.received).toHaveLength(14 + MAX_ATTEMPTS - 7);
    expect((await h.call('GET', `/v1/webhook-endpoints/${ep.id}`)).body.failingSince).not.toBeNull();
    const notices = (await h.call('GET', `/v1/events?subject=${ep.id}&type=webhook_endpoint.failing`)).body.data;
    expect(notices.length).toBeGreaterThanOrEqual(1);
  });

  it('when a parked endpoint answers again, its backlog goes out in order, each event once', async () => {
    h.clock.set(T0);
    let up = false;
    rx.behaviour = () => ({ status: up ? 200 : 503 });
    const ep = await createEndpoint(h, { url: `${rx.url}/recovers`, events: ['customer.created', 'customer.updated'] });
    const ids = await customers(5, 'Flaky');
    for (const id of ids) for (let v = 1; v <= 3; v++) await h.call('PATCH', `/v1/customers/${id}`, { name: `Flaky ${id} v${v}` });
    const d = dispatcherFor(h.services);
    await runUntil(h, d, T0 + H);
    expect((await h.call('GET', `/v1/webhook-endpoints/${ep.id}`)).body.state).toBe('parked');
    up = true;
    await runUntil(h, d, T0 + 24 * H);
    const log = await deliveries(ep.id);
    expect(log).toHaveLength(20);
    expect(log.every((x) => x.status === 'delivered')).toBe(true);
    // The receiver answered 2xx to the last 20 requests: each event once, in order per subject.
    const successes = rx.received.slice(-20);
    expect(new Set(successes.map((r) => r.headers['webhook-id'])).size).toBe(20);
    for (const id of ids) {
      const names = successes.map((r) => JSON.parse(r.body).data).filter((e: Json) => e.subjectId === id);
      expect(names.map((e: Json) => e.type)).toEqual(['customer.created', 'customer.updated', 'customer.updated', 'customer.updated']);
      expect(names.slice(1).map((e: Json) => e.after.name)).toEqual([1, 2, 3].map((v) => `Flaky ${id} v${v}`));
    }
  });

  it('a later event of a subject waits while an earlier one is being retried', async () => {
    h.clock.set(T0);
    rx.behaviour = (_r, n) => ({ status: n === 1 ? 500 : 200 });
    await createEndpoint(h, { url: `${rx.url}/order`, events: ['customer.created', 'customer.updated'] });
    const [id] = await customers(1, 'Ordered');
    await h.call('PATCH', `/v1/customers/${id}`, { name: 'Ordered v2' });
    const d = dispatcherFor(h.services);
    await d.drain();
    expect(rx.received.map((r) => JSON.parse(r.body).type)).toEqual(['customer.created']);
    h.clock.advance(5_000);
    await d.drain();
    expect(rx.received.map((r) => JSON.parse(r.body).type)).toEqual(['customer.created', 'customer.created', 'customer.updated']);
  });

  it('a claim lapsed by a dead process gives its attempt back: the next failure waits 5 s, not 5 min', async () => {
    h.clock.set(T0);
    rx.behaviour = (_r, n) => ({ status: n === 1 ? 500 : 200 });
    const ep = await createEndpoint(h, { url: `${rx.url}/lapsed`, events: ['customer.created'] });
    await customers(1, 'Lapsed');
    // A process claims the delivery and dies before its attempt is written.
    const port = new WebhookDispatchRepository(h.services.store.database);
    const claims = await port.claim('dead-worker', h.clock.now(), { cap: 4, breakerAfter: 5, claimMs: 2_000, limit: 10 });
    expect(claims.map((c) => c.attempt)).toEqual([1]);
    h.clock.advance(2_000);
    const d = dispatcherFor(h.services);
    await d.drain();
    expect(rx.received).toHaveLength(1);
    const [first] = await deliveries(ep.id);
    expect(first.attempts).toBe(1);
    expect(first.attemptLog.map((a: Json) => [a.n, a.status])).toEqual([[1, 500]]);
    expect(Date.parse(first.nextAttemptAt) - h.clock.now()).toBe(RETRY_SCHEDULE_MS[1]);
    h.clock.advance(RETRY_SCHEDULE_MS[1]!);
    await d.drain();
    const [after] = await deliveries(ep.id);
    expect([after.status, after.attempts, rx.received.length]).toEqual(['delivered', 2, 2]);
  });

  it('no more than the per-endpoint cap are in flight at once, across two dispatchers; each delivery is sent once', async () => {
    h.clock.set(T0);
    rx.behaviour = () => ({ status: 200, delayMs: 60 });
    const ep = await createEndpoint(h, { url: `${rx.url}/capped`, events: ['customer.created'] });
    await customers(24, 'Capped');
    // On PostgreSQL the second dispatcher is another server on the same database. On SQLite two
    // connections in one process would block each other's thread (the e2e test runs real processes).
    const other = kind === 'postgres' ? (await h.peer()).services : h.services;
    const a = dispatcherFor(h.services, 'worker-a');
    const b = dispatcherFor(other, 'worker-b');
    for (let i = 0; i < 40 && rx.received.length < 24; i++) {
      await Promise.all([a.tick(), b.tick()]);
      await new Promise((r) => setTimeout(r, 15));
    }
    await Promise.all([a.drain(), b.drain()]);
    expect(rx.received).toHaveLength(24);
    expect(new Set(rx.received.map((r) => r.headers['webhook-id'])).size).toBe(24);
    expect(rx.maxOpen).toBeLessThanOrEqual(4);
    expect(rx.maxOpen).toBeGreaterThanOrEqual(2);
    expect((await deliveries(ep.id)).every((x) => x.status === 'delivered' && x.attempts === 1)).toBe(true);
  });

  it('only 2xx succeeds: a redirect is not followed, a reset and a timeout are failed attempts', async () => {
    h.clock.set(T0);
    const ep = await createEndpoint(h, { url: `${rx.url}/odd`, events: ['customer.created'] });
    rx.behaviour = (r) =>
      r.body.includes('"Redirect"')
        ? { status: 302, headers: { location: `${rx.url}/elsewhere` } }
        : r.body.includes('"Reset"')
          ? { reset: true }
          : r.body.includes('"Slow"')
            ? { status: 200, delayMs: 1_500 }
            : { status: 200 };
    for (const name of ['Redirect', 'Reset', 'Slow']) await h.call('POST', '/v1/customers', { name });
    const started = Date.now();
    await dispatcherFor(h.services).drain();
    expect(Date.now() - started).toBeLessThan(1_400);
    expect(rx.received.some((r) => r.path === '/elsewhere')).toBe(false);
    const log = await deliveries(ep.id);
    const byName = (name: string) =>
      log.find(
        (x) => x.subjectId && rx.received.some((r) => r.body.includes(`"${name}"`) && JSON.parse(r.body).data.subjectId === x.subjectId),
      );
    expect(byName('Redirect')).toMatchObject({ status: 'pending', attempts: 1 });
    expect(byName('Redirect').attemptLog[0]).toMatchObject({ status: 302 });
    expect(byName('Reset').attemptLog[0]).toMatchObject({ status: null, error: 'connection reset' });
    expect(byName('Slow').attemptLog[0]).toMatchObject({ status: null, error: 'timeout' });
    expect(byName('Slow').attemptLog[0].durationMs).toBeGreaterThanOrEqual(390);
  });

  it('410 Gone disables the endpoint and records an event; enabling it again resumes the backlog', async () => {
    h.clock.set(T0);
    rx.behaviour = () => ({ status: 410 });
    const ep = await createEndpoint(h, { url: `${rx.url}/gone`, events: ['customer.created'] });
    await customers(2, 'Gone');
    const d = dispatcherFor(h.services);
    await d.drain();
    // Both were in flight together (the cap is 4); nothing is sent after the endpoint is disabled.
    const gone = rx.received.length;
    expect(gone).toBeGreaterThanOrEqual(1);
    expect(gone).toBeLessThanOrEqual(2);
    const read = (await h.call('GET', `/v1/webhook-endpoints/${ep.id}`)).body;
    expect(read).toMatchObject({ enabled: false, state: 'disabled', disabledReason: 'gone', backlog: 2 });
    expect((await h.call('GET', `/v1/events?subject=${ep.id}&type=webhook_endpoint.disabled`)).body.data).toHaveLength(1);
    await customers(1, 'While disabled');
    rx.behaviour = () => ({ status: 200 });
    await h.call('PATCH', `/v1/webhook-endpoints/${ep.id}`, { enabled: true });
    await d.drain();
    expect(rx.received.slice(gone).map((r) => JSON.parse(r.body).data.after.name)).toEqual(['Gone 0', 'Gone 1']);
  });

  it('finished deliveries leave the log after the retention period; waiting ones stay', async () => {
    h.clock.set(T0);
    process.env['LEASEHOLD_WEBHOOKS_RETENTION_DAYS'] = '1';
    try {
      const ep = await createEndpoint(h, { url: `${rx.url}/kept`, events: ['customer.created'] });
      await customers(1, 'Delivered');
      const d = dispatcherFor(h.services);
      await d.drain();
      rx.behaviour = () => ({ status: 500 });
      h.clock.advance(47 * H);
      await customers(1, 'Waiting');
      await d.drain();
      h.clock.advance(H + 1);
      await d.sweep();
      const log = await deliveries(ep.id);
      expect(log.map((x) => x.status)).toEqual(['pending']);
    } finally {
      delete process.env['LEASEHOLD_WEBHOOKS_RETENTION_DAYS'];
    }
  });

  it('429 with Retry-After holds the endpoint at least that long', async () => {
    h.clock.set(T0);
    rx.behaviour = (_r, n) => (n === 1 ? { status: 429, headers: { 'retry-after': '120' } } : { status: 200 });
    const ep = await createEndpoint(h, { url: `${rx.url}/slow-down`, events: ['customer.created'] });
    await customers(1, 'Limited');
    const d = dispatcherFor(h.services);
    await d.drain();
    await customers(1, 'Limited later');
    await d.drain();
    expect(rx.received).toHaveLength(1);
    const first = (await deliveries(ep.id)).find((x) => x.attempts === 1);
    expect(Date.parse(first.nextAttemptAt) - h.clock.now()).toBe(120_000);
    expect((await h.call('GET', `/v1/webhook-endpoints/${ep.id}`)).body.state).toBe('parked');
    h.clock.advance(119_000);
    await d.drain();
    expect(rx.received).toHaveLength(1);
    h.clock.advance(1_000);
    await d.drain();
    expect(rx.received).toHaveLength(3);
  });

  it('a hanging endpoint does not delay another endpoint’s deliveries', async () => {
    h.clock.set(T0);
    const hang = await startReceiver(() => ({ status: 200, delayMs: 6_000 }));
    // Attempts to the hanging receiver run for their whole timeout (4 s) while the other is served.
    process.env['LEASEHOLD_WEBHOOKS_TIMEOUT_MS'] = '4000';
    try {
      await createEndpoint(h, { url: `${hang.url}/hang`, events: ['customer.created'] });
      await createEndpoint(h, { url: `${rx.url}/fast`, events: ['customer.created'] });
      await customers(6, 'Both');
      const d = dispatcherFor(h.services);
      const started = Date.now();
      await d.tick();
      await d.tick();
      while (rx.received.length < 6 && Date.now() - started < 3_500) {
        await d.tick();
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(rx.received).toHaveLength(6);
      expect(Date.now() - started).toBeLessThan(3_500);
      expect(hang.open).toBe(4);
      await d.idle();
    } finally {
      process.env['LEASEHOLD_WEBHOOKS_TIMEOUT_MS'] = '400';
      await hang.close();
    }
  });
});
