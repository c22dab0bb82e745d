import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { parse } from 'csv-parse/sync';
import { Webhook } from 'standardwebhooks';
import { createHarness, T0, type Harness, type Peer } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { startReceiver, type Receiver } from '../support/webhook-receiver.js';
import { smtpSink } from '../portal/support.js';
import { fp, licensed } from '../support/client.js';
import { projectAll } from './support.js';
import { exportRunnerOf } from '../../src/capabilities/reports/routes/export-runner.js';
import { systemContext } from '../../src/capabilities/webhooks/dispatcher.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The saved report's own run over [from, to), as the strings a CSV holds. */
async function savedRun(h: Harness, id: string, from: number, to: number): Promise<Array<Record<string, string>>> {
  const res = await h.call('GET', `/v1/saved-reports/${id}/run?from=${iso(from)}&to=${iso(to)}`);
  expect(res.status).toBe(200);
  return res.body.rows.map((r: Json) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? '' : String(v)])));
}

const csvRows = (text: string): Array<Record<string, string>> => parse(text, { columns: true }) as Array<Record<string, string>>;

/**
 * The attachment of a raw MIME message as the SMTP sink keeps it, decoded (the sink reads the whole
 * message as quoted-printable, which takes a base64 line's final `=` and line break: the part is
 * cut at its boundary and decoded without needing its padding).
 */
function attachmentOf(raw: string, filename: string): string {
  const boundary = /boundary="([^"]+)"/.exec(raw)![1]!;
  const at = raw.indexOf(`filename=${filename}`);
  expect(at).toBeGreaterThan(0);
  const start = raw.indexOf('\r\n\r\n', at) + 4;
  const body = raw.slice(start, raw.indexOf(`--${boundary}`, start));
  const headers = raw.slice(raw.lastIndexOf(`--${boundary}`, at), start);
  return /content-transfer-encoding: base64/i.test(headers) ? Buffer.from(body.replace(/[\s=]+/g, ''), 'base64').toString('utf8') : body;
}

/**
 * Scheduled exports of saved reports: the schedule run by the job on the injected clock, CSV to a
 * real HTTP receiver (signed per Standard Webhooks) and to a real SMTP server, the run log,
 * retries, refusals, product scope, and one run among two servers on one database.
 */
describe.each(await storeKinds())('scheduled report exports on %s', (kind) => {
  let h: Harness;
  let peer: Peer;
  let rx: Receiver;
  let sink: Awaited<ReturnType<typeof smtpSink>>;
  let savedId: string;
  let cad: string;

  beforeAll(async () => {
    process.env['LEASEHOLD_WEBHOOKS_ALLOW_PRIVATE_NETWORKS'] = 'true';
    sink = await smtpSink();
    process.env['LEASEHOLD_SMTP_URL'] = sink.url;
    process.env['LEASEHOLD_PUBLIC_URL'] = 'https://licensing.example.com';
    rx = await startReceiver();
    h = await createHarness(kind);
    peer = await h.peer();
    // Sunday 1 March and Monday 2 March 2026: activations of two products on both days.
    let n = 0;
    const licenses = [await licensed(h, { seats: 20 }, { product: 'cad' }), await licensed(h, { seats: 20 }, { product: 'viewer' })];
    cad = licenses[0]!.product.id;
    for (const offset of [2 * HOUR, 5 * HOUR, 26 * HOUR, 27 * HOUR]) {
      for (const lic of licenses) {
        h.clock.set(T0 + offset + n);
        expect((await lic.client('activate', { fingerprint: fp(n++), platform: 'linux', meta: {} })).status).toBe(201);
      }
    }
    h.clock.set(T0 + 30 * HOUR);
    const saved = await h.call('POST', '/v1/saved-reports', {
      name: 'Activations by product',
      query: { measures: ['activations', 'events'], dimensions: ['product'], granularity: 'day' },
    });
    expect(saved.status).toBe(201);
    savedId = saved.body.id;
  });
  afterAll(async () => {
    await h?.close();
    await rx?.close();
    await sink?.close();
    delete process.env['LEASEHOLD_WEBHOOKS_ALLOW_PRIVATE_NETWORKS'];
    delete process.env['LEASEHOLD_SMTP_URL'];
    delete process.env['LEASEHOLD_PUBLIC_URL'];
  });

  const count = async (table: 'report_exports' | 'report_export_runs') =>
    Number((await sql<{ n: number }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(h.services.store.database.db)).rows[0]!.n);

  it('posts yesterday as CSV to the URL once its hour has come, signed per Standard Webhooks, equal to the saved report run', async () => {
    const res = await h.call('POST', '/v1/report-exports', {
      savedReportId: savedId,
      cadence: 'daily',
      hour: 3,
      destination: { kind: 'url', url: `${rx.url}/daily` },
    });
    expect(res.status).toBe(201);
    const { secret } = res.body;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(res.body.export).toMatchObject({ cadence: 'daily', hour: 3, nextRunAt: iso(T0 + 2 * DAY + 3 * HOUR), productId: null });
    const id = res.body.export.id;
    // The secret is shown once and kept sealed.
    expect(JSON.stringify((await h.call('GET', `/v1/report-exports/${id}`)).body)).not.toContain('whsec_');
    const stored = await sql<{ s: string }>`SELECT secret_sealed AS s FROM report_exports WHERE id = ${id}`.execute(
      h.services.store.database.db,
    );
    expect(stored.rows[0]!.s).not.toContain(secret.slice(6, 20));

    // Not due yet: nothing is sent.
    h.clock.set(T0 + 2 * DAY + 3 * HOUR - 1);
    await projectAll(h);
    expect(await exportRunnerOf(h.services).tick()).toBe(0);
    expect(rx.received).toHaveLength(0);

    h.clock.set(T0 + 2 * DAY + 3 * HOUR + 10);
    expect(await exportRunnerOf(h.services).tick()).toBe(1);
    expect(rx.received).toHaveLength(1);
    const got = rx.received[0]!;
    expect(got.path).toBe('/daily');
    expect(got.headers['content-type']).toMatch(/^text\/csv/);
    const ts = Number(got.headers['webhook-timestamp']);
    expect(new Webhook(secret).sign(got.headers['webhook-id']!, new Date(ts * 1000), got.body)).toBe(got.headers['webhook-signature']);
    expect(new Webhook(secret).sign(got.headers['webhook-id']!, new Date(ts * 1000), `${got.body} `)).not.toBe(
      got.headers['webhook-signature'],
    );
    const rows = csvRows(got.body);
    expect(rows.length).toBeGreaterThanOrEqual(2); // cad and viewer (and the events of no product) on Monday 2 March
    expect(rows).toEqual(await savedRun(h, savedId, T0 + DAY, T0 + 2 * DAY));
    expect(rows.every((r) => r['period'] === iso(T0 + DAY))).toBe(true);

    const runs = await h.call('GET', `/v1/report-exports/${id}/runs`);
    expect(runs.status).toBe(200);
    expect(runs.body.data).toEqual([
      expect.objectContaining({
        trigger: 'schedule',
        at: iso(T0 + 2 * DAY + 3 * HOUR),
        from: iso(T0 + DAY),
        to: iso(T0 + 2 * DAY),
        rows: rows.length,
        status: 'delivered',
        attempts: 1,
        error: null,
      }),
    ]);
    expect((await h.call('GET', `/v1/report-exports/${id}`)).body.nextRunAt).toBe(iso(T0 + 3 * DAY + 3 * HOUR));

    // The job again, on this server and on another one: the run is not made twice.
    expect(await exportRunnerOf(h.services).tick()).toBe(0);
    expect(await exportRunnerOf(peer.services).tick()).toBe(0);
    expect(rx.received).toHaveLength(1);

    // The next day's run, with both servers' jobs at once: exactly one of them makes it.
    h.clock.set(T0 + 3 * DAY + 3 * HOUR);
    // (On SQLite two servers in one test process cannot write at the same instant: one after the other.)
    const done =
      kind === 'postgres'
        ? await Promise.all([exportRunnerOf(h.services).tick(), exportRunnerOf(peer.services).tick()])
        : [await exportRunnerOf(peer.services).tick(), await exportRunnerOf(h.services).tick()];
    expect(done[0]! + done[1]!).toBe(1);
    expect(rx.received).toHaveLength(2);
    expect((await h.call('GET', `/v1/report-exports/${id}/runs`)).body.data).toHaveLength(2);
    expect(await h.call('DELETE', `/v1/report-exports/${id}`)).toMatchObject({ status: 204 });
  });

  it('verifies with the standardwebhooks verifier when run now, and covers the last ISO week', async () => {
    h.clock.set(Date.now());
    const res = await h.call('POST', '/v1/report-exports', {
      savedReportId: savedId,
      cadence: 'weekly',
      hour: 0,
      destination: { kind: 'url', url: `${rx.url}/weekly` },
    });
    expect(res.status).toBe(201);
    const before = rx.received.length;
    const run = await h.call('POST', `/v1/report-exports/${res.body.export.id}/run`);
    expect(run.status).toBe(201);
    expect(run.body).toMatchObject({ trigger: 'manual', status: 'delivered', attempts: 1 });
    // The week before this one: Monday to Monday.
    expect(new Date(run.body.from).getUTCDay()).toBe(1);
    expect(Date.parse(run.body.to) - Date.parse(run.body.from)).toBe(7 * DAY);
    expect(Date.parse(run.body.to)).toBeLessThanOrEqual(Date.now());
    expect(rx.received).toHaveLength(before + 1);
    const got = rx.received[before]!;
    expect(() => new Webhook(res.body.secret).verify(got.body, got.headers, { jsonParse: false })).not.toThrow();
    expect(() => new Webhook(res.body.secret).verify(`${got.body}x`, got.headers, { jsonParse: false })).toThrow();
    expect(await h.call('DELETE', `/v1/report-exports/${res.body.export.id}`)).toMatchObject({ status: 204 });
  });

  it('emails last month as an attached CSV through the SMTP server', async () => {
    h.clock.set(Date.parse('2026-04-01T05:00:00Z') - 1);
    const res = await h.call('POST', '/v1/report-exports', {
      savedReportId: savedId,
      cadence: 'monthly',
      hour: 5,
      destination: { kind: 'email', to: 'finance@example.com' },
    });
    expect(res.status).toBe(201);
    expect(res.body.secret).toBeNull();
    expect(res.body.export.nextRunAt).toBe('2026-04-01T05:00:00.000Z');
    h.clock.set(Date.parse('2026-04-01T05:00:00Z'));
    await projectAll(h);
    expect(await exportRunnerOf(h.services).tick()).toBe(1);
    const raw = await sink.next('finance@example.com');
    expect(raw).toContain('Activations by product');
    const csv = attachmentOf(raw, 'Activations-by-product-2026-03-01.csv');
    const rows = csvRows(csv);
    expect(rows.length).toBeGreaterThanOrEqual(4); // two products on two days of March
    expect(rows).toEqual(await savedRun(h, savedId, Date.parse('2026-03-01T00:00:00Z'), Date.parse('2026-04-01T00:00:00Z')));
    const runs = (await h.call('GET', `/v1/report-exports/${res.body.export.id}/runs`)).body.data;
    expect(runs).toEqual([
      expect.objectContaining({ from: '2026-03-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z', rows: rows.length, status: 'delivered' }),
    ]);
    expect((await h.call('GET', `/v1/report-exports/${res.body.export.id}`)).body.nextRunAt).toBe('2026-05-01T05:00:00.000Z');
    expect(await h.call('DELETE', `/v1/report-exports/${res.body.export.id}`)).toMatchObject({ status: 204 });
  });

  it('tries a failed delivery again with backoff, recording each attempt, until the receiver takes it', async () => {
    h.clock.set(T0 + 10 * DAY);
    let failing = 2;
    rx.behaviour = () => (failing-- > 0 ? { status: 503 } : { status: 200 });
    const res = await h.call('POST', '/v1/report-exports', {
      savedReportId: savedId,
      cadence: 'daily',
      hour: 1,
      destination: { kind: 'url', url: `${rx.url}/flaky` },
    });
    const id = res.body.export.id;
    const first = await h.call('POST', `/v1/report-exports/${id}/run`);
    expect(first.body).toMatchObject({ status: 'pending', attempts: 1, error: 'the receiver answered 503', rows: 0 });
    const retryAt = Date.parse(first.body.nextAttemptAt);
    expect(retryAt - h.clock.now()).toBeGreaterThanOrEqual(4_500);
    expect(retryAt - h.clock.now()).toBeLessThanOrEqual(5_500);
    // Before the backoff has passed nothing is tried.
    expect(await exportRunnerOf(h.services).tick()).toBe(0);
    h.clock.set(retryAt);
    expect(await exportRunnerOf(h.services).tick()).toBe(1);
    let run = (await h.call('GET', `/v1/report-exports/${id}/runs`)).body.data[0];
    expect(run).toMatchObject({ status: 'pending', attempts: 2 });
    const second = Date.parse(run.nextAttemptAt) - h.clock.now();
    expect(second).toBeGreaterThan(4 * 60_000); // 5 min, ±10 %
    h.clock.set(Date.parse(run.nextAttemptAt));
    expect(await exportRunnerOf(peer.services).tick()).toBe(1);
    run = (await h.call('GET', `/v1/report-exports/${id}/runs`)).body.data[0];
    expect(run).toMatchObject({ status: 'delivered', attempts: 3, error: null, nextAttemptAt: null });
    expect(rx.received.filter((r) => r.path === '/flaky')).toHaveLength(3);
    rx.behaviour = () => ({ status: 200 });
    expect(await h.call('DELETE', `/v1/report-exports/${id}`)).toMatchObject({ status: 204 });
  });

  it('refuses again at delivery a URL that is no longer allowed (the SSRF guard at each attempt), sending nothing', async () => {
    h.clock.set(T0 + 12 * DAY);
    const res = await h.call('POST', '/v1/report-exports', {
      savedReportId: savedId,
      cadence: 'daily',
      hour: 1,
      destination: { kind: 'url', url: `${rx.url}/guarded` },
    });
    expect(res.status).toBe(201);
    delete process.env['LEASEHOLD_WEBHOOKS_ALLOW_PRIVATE_NETWORKS'];
    try {
      const run = await h.call('POST', `/v1/report-exports/${res.body.export.id}/run`);
      expect(run.status).toBe(201);
      expect(run.body).toMatchObject({ status: 'pending', attempts: 1, error: 'refused: not https' });
    } finally {
      process.env['LEASEHOLD_WEBHOOKS_ALLOW_PRIVATE_NETWORKS'] = 'true';
    }
    expect(rx.received.filter((r) => r.path === '/guarded')).toHaveLength(0);
    expect(await h.call('DELETE', `/v1/report-exports/${res.body.export.id}`)).toMatchObject({ status: 204 });
  });

  it('refuses an unknown saved report, a bad cadence or hour, a private URL and email without SMTP, creating nothing', async () => {
    const exportsBefore = await count('report_exports');
    const runsBefore = await count('report_export_runs');
    const base = { savedReportId: savedId, cadence: 'daily', hour: 3, destination: { kind: 'url', url: `${rx.url}/x` } };
    const refused = async (body: unknown, status: number, code: string) => {
      const res = await h.call('POST', '/v1/report-exports', body);
      expect(res.status, JSON.stringify(res.body)).toBe(status);
      expect(res.body.error.code).toBe(code);
      return res;
    };
    expect(
      (await refused({ ...base, savedReportId: 'srp_nope' }, 422, 'UNKNOWN_REFERENCE')).body.error.details?.field ?? 'savedReportId',
    ).toBe('savedReportId');
    await refused({ ...base, cadence: 'hourly' }, 400, 'INVALID_REQUEST');
    await refused({ ...base, hour: 24 }, 400, 'INVALID_REQUEST');
    await refused({ ...base, hour: -1 }, 400, 'INVALID_REQUEST');
    await refused({ ...base, hour: 2.5 }, 400, 'INVALID_REQUEST');
    await refused({ ...base, destination: { kind: 'ftp', url: 'ftp://x' } }, 400, 'INVALID_REQUEST');
    await refused({ ...base, destination: { kind: 'email', to: 'not an address' } }, 400, 'INVALID_REQUEST');
    delete process.env['LEASEHOLD_WEBHOOKS_ALLOW_PRIVATE_NETWORKS'];
    try {
      await refused({ ...base, destination: { kind: 'url', url: 'https://127.0.0.1/hook' } }, 422, 'WEBHOOK_URL_REFUSED');
      await refused({ ...base, destination: { kind: 'url', url: 'https://169.254.169.254/latest' } }, 422, 'WEBHOOK_URL_REFUSED');
      await refused({ ...base, destination: { kind: 'url', url: `${rx.url}/plain-http` } }, 422, 'WEBHOOK_URL_REFUSED');
    } finally {
      process.env['LEASEHOLD_WEBHOOKS_ALLOW_PRIVATE_NETWORKS'] = 'true';
    }
    expect(await count('report_exports')).toBe(exportsBefore);
    expect(await count('report_export_runs')).toBe(runsBefore);

    // A server without SMTP: an email export is refused with its own code.
    const bare = await createHarness(kind);
    try {
      delete process.env['LEASEHOLD_SMTP_URL'];
      const s = await bare.call('POST', '/v1/saved-reports', { name: 'x', query: { measures: ['events'] } });
      const res = await bare.call('POST', '/v1/report-exports', {
        savedReportId: s.body.id,
        cadence: 'daily',
        hour: 0,
        destination: { kind: 'email', to: 'a@example.com' },
      });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('MAIL_NOT_CONFIGURED');
      expect((await bare.call('GET', '/v1/report-exports')).body.data).toEqual([]);
    } finally {
      process.env['LEASEHOLD_SMTP_URL'] = sink.url;
      await bare.close();
    }
  });

  it('skips a paused export when due; resumed, it is delivered at the next scheduled time after the resume, not for the missed ones', async () => {
    // Saturday 21 March 2026, 00:00: a daily export at 04:00.
    const start = T0 + 20 * DAY;
    h.clock.set(start);
    const res = await h.call('POST', '/v1/report-exports', {
      savedReportId: savedId,
      cadence: 'daily',
      hour: 4,
      destination: { kind: 'url', url: `${rx.url}/paused` },
    });
    expect(res.status).toBe(201);
    expect(res.body.export).toMatchObject({ paused: false, pausedAt: null, nextRunAt: iso(start + 4 * HOUR) });
    const id = res.body.export.id;
    const delivered = () => rx.received.filter((r) => r.path === '/paused');

    h.clock.set(start + HOUR);
    const paused = await h.call('PATCH', `/v1/report-exports/${id}`, { paused: true });
    expect(paused.status).toBe(200);
    expect(paused.body.export).toMatchObject({ paused: true, pausedAt: iso(start + HOUR), nextRunAt: iso(start + 4 * HOUR) });
    expect(paused.body.secret).toBeNull();
    // Pausing again keeps the first pause's time.
    h.clock.set(start + 2 * HOUR);
    expect((await h.call('PATCH', `/v1/report-exports/${id}`, { paused: true })).body.export.pausedAt).toBe(iso(start + HOUR));
    expect((await h.call('GET', `/v1/report-exports/${id}`)).body).toMatchObject({ paused: true, pausedAt: iso(start + HOUR) });
    expect((await h.call('GET', '/v1/report-exports')).body.data.find((e: Json) => e.id === id)).toMatchObject({ paused: true });

    // Due, and three days of runs missed: neither server's job makes one.
    for (const t of [start + 4 * HOUR, start + 4 * HOUR + 10, start + 3 * DAY + 5 * HOUR]) {
      h.clock.set(t);
      expect(await exportRunnerOf(h.services).tick()).toBe(0);
      expect(await exportRunnerOf(peer.services).tick()).toBe(0);
    }
    expect(delivered()).toHaveLength(0);
    expect((await h.call('GET', `/v1/report-exports/${id}/runs`)).body.data).toEqual([]);
    // A job that saw the export due before the pause committed loses its claim: the pause wins.
    const claimed = await systemContext(h.services, h.accountId).store.write((tx) =>
      tx.reportExports.advance(id, start + 4 * HOUR, start + DAY + 4 * HOUR),
    );
    expect(claimed).toBe(false);

    // Run now on a paused export runs it once, and it stays paused.
    const manual = await h.call('POST', `/v1/report-exports/${id}/run`);
    expect(manual.status).toBe(201);
    expect(manual.body).toMatchObject({ trigger: 'manual', status: 'delivered' });
    expect(delivered()).toHaveLength(1);
    expect((await h.call('GET', `/v1/report-exports/${id}`)).body).toMatchObject({ paused: true, nextRunAt: iso(start + 4 * HOUR) });
    expect(await exportRunnerOf(h.services).tick()).toBe(0);

    // Resumed on Tuesday 05:00: the next run is Wednesday 04:00, computed from now.
    const resumed = await h.call('PATCH', `/v1/report-exports/${id}`, { paused: false });
    expect(resumed.status).toBe(200);
    expect(resumed.body.export).toMatchObject({ paused: false, pausedAt: null, nextRunAt: iso(start + 4 * DAY + 4 * HOUR) });
    expect(await exportRunnerOf(h.services).tick()).toBe(0);
    expect(await exportRunnerOf(peer.services).tick()).toBe(0);
    expect(delivered()).toHaveLength(1);
    h.clock.set(start + 4 * DAY + 4 * HOUR - 1);
    expect(await exportRunnerOf(h.services).tick()).toBe(0);
    h.clock.set(start + 4 * DAY + 4 * HOUR);
    expect(await exportRunnerOf(h.services).tick()).toBe(1);
    expect(delivered()).toHaveLength(2);
    expect(delivered()[1]!.headers['x-leasehold-period']).toBe(`${iso(start + 3 * DAY)}/${iso(start + 4 * DAY)}`);
    const runs = (await h.call('GET', `/v1/report-exports/${id}/runs`)).body.data;
    expect(runs.map((r: Json) => [r.trigger, r.at, r.status])).toEqual([
      ['schedule', iso(start + 4 * DAY + 4 * HOUR), 'delivered'],
      ['manual', iso(start + 3 * DAY + 5 * HOUR), 'delivered'],
    ]);
    // Resuming an export that runs changes nothing.
    const again = await h.call('PATCH', `/v1/report-exports/${id}`, { paused: false });
    expect(again.body.export).toMatchObject({ paused: false, nextRunAt: iso(start + 5 * DAY + 4 * HOUR) });
    expect(await h.call('DELETE', `/v1/report-exports/${id}`)).toMatchObject({ status: 204 });
  });

  it('keeps trying a run started before the pause until it is delivered, and starts no new one', async () => {
    const start = T0 + 26 * DAY;
    h.clock.set(start);
    const res = await h.call('POST', '/v1/report-exports', {
      savedReportId: savedId,
      cadence: 'daily',
      hour: 2,
      destination: { kind: 'url', url: `${rx.url}/paused-retry` },
    });
    const id = res.body.export.id;
    let failing = 1;
    rx.behaviour = () => (failing-- > 0 ? { status: 503 } : { status: 200 });
    try {
      h.clock.set(start + 2 * HOUR);
      expect(await exportRunnerOf(h.services).tick()).toBe(1);
      const [run] = (await h.call('GET', `/v1/report-exports/${id}/runs`)).body.data;
      expect(run).toMatchObject({ status: 'pending', attempts: 1 });
      expect((await h.call('PATCH', `/v1/report-exports/${id}`, { paused: true })).status).toBe(200);
      // The retry is due after the backoff, and the next day's run is due too: only the retry happens.
      h.clock.set(start + DAY + 2 * HOUR);
      expect(await exportRunnerOf(h.services).tick()).toBe(1);
      const runs = (await h.call('GET', `/v1/report-exports/${id}/runs`)).body.data;
      expect(runs).toEqual([expect.objectContaining({ id: run.id, status: 'delivered', attempts: 2 })]);
      expect(rx.received.filter((r) => r.path === '/paused-retry')).toHaveLength(2);
    } finally {
      rx.behaviour = () => ({ status: 200 });
    }
    expect(await h.call('DELETE', `/v1/report-exports/${id}`)).toMatchObject({ status: 204 });
  });

  it('refuses a paused that is not a boolean, an unknown id and another account’s export, changing nothing', async () => {
    h.clock.set(T0 + 28 * DAY);
    const res = await h.call('POST', '/v1/report-exports', {
      savedReportId: savedId,
      cadence: 'weekly',
      hour: 6,
      destination: { kind: 'url', url: `${rx.url}/validated` },
    });
    const id = res.body.export.id;
    const before = (await h.call('GET', `/v1/report-exports/${id}`)).body;
    h.clock.set(T0 + 28 * DAY + HOUR);
    for (const body of [
      { paused: 'true' },
      { paused: 1 },
      { paused: 0 },
      { paused: null },
      { paused: 'yes' },
      { paused: true, hour: 24 },
    ]) {
      const refused = await h.call('PATCH', `/v1/report-exports/${id}`, body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body.error.code).toBe('INVALID_REQUEST');
    }
    const unknown = await h.call('PATCH', '/v1/report-exports/rex_nope', { paused: true });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('NOT_FOUND');

    // Another vendor can neither pause this export nor see it; its own pause does not touch ours.
    const other = await h.newAccount('Pausing vendor');
    const theirs = await h.call('PATCH', `/v1/report-exports/${id}`, { paused: true }, { key: other.adminKey });
    expect(theirs.status).toBe(404);
    expect(theirs.body.error.code).toBe('NOT_FOUND');
    const readonly = (await h.call('POST', '/v1/api-keys', { name: 'pause reader', role: 'readonly' })).body.key;
    expect((await h.call('PATCH', `/v1/report-exports/${id}`, { paused: true }, { key: readonly })).status).toBe(403);

    expect((await h.call('GET', `/v1/report-exports/${id}`)).body).toEqual(before);
    const row = await sql<{ p: number | null }>`SELECT paused_at AS p FROM report_exports WHERE id = ${id}`.execute(
      h.services.store.database.db,
    );
    expect(row.rows[0]!.p).toBeNull();
    expect(await h.call('DELETE', `/v1/report-exports/${id}`)).toMatchObject({ status: 204 });
  });

  it('lets a product-limited key reach only exports of its product’s saved reports; reading needs reports:read, managing reports:write', async () => {
    const support = (await h.call('POST', '/v1/api-keys', { name: 'cad support', role: 'support', productId: cad })).body.key;
    const readonly = (await h.call('POST', '/v1/api-keys', { name: 'reader', role: 'readonly' })).body.key;
    const mine = await h.call('POST', '/v1/saved-reports', { name: 'Cad', query: { measures: ['activations'] } }, { key: support });
    const dest = { kind: 'url', url: `${rx.url}/scoped` };
    // The account-wide saved report is not the cad key's to export.
    const other = await h.call(
      'POST',
      '/v1/report-exports',
      { savedReportId: savedId, cadence: 'daily', hour: 1, destination: dest },
      { key: support },
    );
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('UNKNOWN_REFERENCE');
    const own = await h.call(
      'POST',
      '/v1/report-exports',
      { savedReportId: mine.body.id, cadence: 'daily', hour: 1, destination: dest },
      { key: support },
    );
    expect(own.status).toBe(201);
    expect(own.body.export.productId).toBe(cad);
    const wide = await h.call('POST', '/v1/report-exports', { savedReportId: savedId, cadence: 'daily', hour: 1, destination: dest });
    expect(wide.status).toBe(201);

    const seen = (await h.call('GET', '/v1/report-exports', undefined, { key: support })).body.data.map((e: Json) => e.id);
    expect(seen).toEqual([own.body.export.id]);
    expect((await h.call('GET', `/v1/report-exports/${wide.body.export.id}`, undefined, { key: support })).status).toBe(404);
    expect((await h.call('POST', `/v1/report-exports/${wide.body.export.id}/run`, undefined, { key: support })).status).toBe(404);
    expect((await h.call('DELETE', `/v1/report-exports/${wide.body.export.id}`, undefined, { key: support })).status).toBe(404);
    expect((await h.call('GET', `/v1/report-exports/${wide.body.export.id}/runs`, undefined, { key: support })).status).toBe(404);

    // The cad key's run covers cad only.
    h.clock.set(T0 + 2 * DAY + 12 * HOUR);
    const run = await h.call('POST', `/v1/report-exports/${own.body.export.id}/run`, undefined, { key: support });
    expect(run.body).toMatchObject({ status: 'delivered', rows: 1 });

    expect((await h.call('GET', '/v1/report-exports', undefined, { key: readonly })).status).toBe(200);
    expect((await h.call('GET', `/v1/report-exports/${wide.body.export.id}/runs`, undefined, { key: readonly })).status).toBe(200);
    expect(
      (
        await h.call(
          'POST',
          '/v1/report-exports',
          { savedReportId: savedId, cadence: 'daily', hour: 1, destination: dest },
          { key: readonly },
        )
      ).status,
    ).toBe(403);
    expect((await h.call('POST', `/v1/report-exports/${wide.body.export.id}/run`, undefined, { key: readonly })).status).toBe(403);
    expect((await h.call('PATCH', `/v1/report-exports/${wide.body.export.id}`, { hour: 2 }, { key: readonly })).status).toBe(403);

    const patched = await h.call('PATCH', `/v1/report-exports/${wide.body.export.id}`, { cadence: 'monthly', hour: 2 });
    expect(patched.status).toBe(200);
    expect(patched.body.export).toMatchObject({ cadence: 'monthly', hour: 2, nextRunAt: '2026-04-01T02:00:00.000Z' });
    expect(patched.body.secret).toBeNull();
  });
});
