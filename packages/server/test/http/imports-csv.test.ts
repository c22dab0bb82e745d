import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, seedCatalog, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { asLicense, fp } from '../support/client.js';

const CUSTOMERS = `externalRef,name,email,metadata.tier
crm-100,Initech,it@initech.test,gold
crm-101,Umbrella,,silver
,No Ref Ltd,x@y.test,
crm-102,Bad Mail,not-an-email,
crm-103,"Hooli, Inc.",ops@hooli.test,
`;

/** Rows of the streamed file; LEASEHOLD_STRESS sends 100,000. */
const LARGE = process.env['LEASEHOLD_STRESS'] ? 100_000 : 1_000;

describe.each(await storeKinds())('CSV imports on %s', (kind) => {
  let h: Harness;
  const upload = (what: string, csv: string, dryRun = false) =>
    h.call('POST', `/v1/imports?kind=${what}${dryRun ? '&dryRun=true' : ''}`, csv, { headers: { 'content-type': 'text/csv' } });
  const counts = async () => ({
    customers: (await h.call('GET', '/v1/customers?limit=500')).body.data.length as number,
    entitlements: (await h.call('GET', '/v1/entitlements?limit=500')).body.data.length as number,
    events: (await h.call('GET', '/v1/events?limit=500')).body.data.length as number,
  });

  beforeAll(async () => {
    h = await createHarness(kind);
    await seedCatalog(h);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a dry run says what would be created and refused, with line numbers and codes, and changes nothing', async () => {
    const before = await counts();
    const r = await upload('customers', CUSTOMERS, true);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.dryRun).toBe(true);
    expect(r.body.counts).toEqual({ rows: 5, created: 3, updated: 0, unchanged: 0, refused: 2 });
    const refused = r.body.results.filter((x: { outcome: string }) => x.outcome === 'refused');
    expect(refused).toMatchObject([
      { line: 4, code: 'INVALID_REQUEST', field: 'externalRef' },
      { line: 5, code: 'INVALID_REQUEST', field: 'email', ref: 'crm-102' },
    ]);
    expect(await counts()).toEqual(before);
  });

  it('applies good rows and refuses bad ones per row; a second run creates nothing', async () => {
    const first = await upload('customers', CUSTOMERS);
    expect(first.body.counts).toEqual({ rows: 5, created: 3, updated: 0, unchanged: 0, refused: 2 });
    const hooli = (await h.call('GET', '/v1/customers/crm-103')).body;
    expect(hooli).toMatchObject({ name: 'Hooli, Inc.', email: 'ops@hooli.test' });
    expect((await h.call('GET', '/v1/customers/crm-100')).body.metadata).toEqual({ tier: 'gold' });

    const before = await counts();
    const second = await upload('customers', CUSTOMERS);
    expect(second.body.counts).toEqual({ rows: 5, created: 0, updated: 0, unchanged: 3, refused: 2 });
    expect(await counts()).toEqual(before);

    // A changed cell is an update, naming the column.
    const changed = await upload('customers', 'externalRef,name\ncrm-101,Umbrella Corp\n');
    expect(changed.body.results).toEqual([expect.objectContaining({ line: 2, outcome: 'updated', changes: ['name'] })]);
  });

  it('imports entitlements with their legacy keys, then devices; seat limits refuse per row', async () => {
    const entitlements = [
      'externalRef,customer,offering,key,orderRef,endsAt,seats,metadata.source',
      'ent-1,crm-100,studio-pro,LEGACY-AAAA-0001,SO-1,2027-06-30T00:00:00Z,2,old-crm',
      'ent-2,crm-101,studio-pro,,SO-2,,,',
      'ent-3,crm-999,studio-pro,,,,,',
      'ent-4,crm-100,no-such-offering,,,,,',
      'ent-5,crm-100,studio-pro,LEGACY-AAAA-0001,,,,',
      'ent-6,crm-100,studio-pro,,,,lots,',
    ].join('\n');
    const dry = await upload('entitlements', entitlements, true);
    expect(dry.body.counts).toMatchObject({ created: 2, refused: 4 });
    const r = await upload('entitlements', entitlements);
    expect(r.body.counts).toMatchObject({ rows: 6, created: 2, refused: 4 });
    expect(r.body.results.filter((x: { outcome: string }) => x.outcome === 'refused')).toMatchObject([
      { line: 4, code: 'UNKNOWN_REFERENCE', field: 'customer' },
      { line: 5, code: 'UNKNOWN_REFERENCE', field: 'offering' },
      { line: 6, code: 'DUPLICATE_CODE', field: 'key' },
      { line: 7, code: 'INVALID_REQUEST', field: 'seats' },
    ]);
    const e1 = (await h.call('GET', '/v1/entitlements/ent-1')).body;
    expect(e1).toMatchObject({ key: 'LEGACY-AAAA-0001', orderRef: 'SO-1', metadata: { source: 'old-crm' } });
    expect(e1.effective.seats).toBe(2);

    const devices = ['entitlement,fingerprint,name,platform', ...[1, 2, 3].map((i) => `ent-1,${fp(`imp-${i}`)},host-${i},linux`)].join(
      '\n',
    );
    const activated = await upload('activations', devices);
    expect(activated.body.counts).toMatchObject({ created: 2, refused: 1 });
    expect(activated.body.results[2]).toMatchObject({ line: 4, outcome: 'refused', code: 'SEAT_LIMIT_REACHED' });
    // The legacy key validates through the client API on an imported device.
    expect((await asLicense(h, 'LEGACY-AAAA-0001')('validate', { fingerprint: fp('imp-1') })).body).toMatchObject({
      valid: true,
      code: 'VALID',
    });
    const again = await upload('activations', devices);
    expect(again.body.counts).toMatchObject({ created: 0, unchanged: 2, refused: 1 });
  });

  it('a key limited to one product imports nothing of another: such rows are refused as unknown', async () => {
    await h.call('POST', '/v1/products', { code: 'other', name: 'Other' });
    await h.call('POST', '/v1/offerings', { productId: 'other', code: 'other-std', name: 'Other', licenseModel: 'perpetual' });
    await h.call('POST', '/v1/entitlements', { customerId: 'crm-100', offeringId: 'other-std', externalRef: 'ent-other' });
    const key = (await h.call('POST', '/v1/api-keys', { name: 'studio only', role: 'admin', productId: 'studio' })).body.key;
    const r = await h.call('POST', '/v1/imports?kind=activations', `entitlement,fingerprint\nent-other,${fp('scoped-1')}\n`, {
      key,
      headers: { 'content-type': 'text/csv' },
    });
    expect(r.body.results).toEqual([expect.objectContaining({ line: 2, outcome: 'refused', code: 'UNKNOWN_REFERENCE' })]);
    const e = await h.call('POST', '/v1/imports?kind=entitlements', 'externalRef,customer,offering\nent-x,crm-100,other-std\n', {
      key,
      headers: { 'content-type': 'text/csv' },
    });
    expect(e.body.results).toEqual([expect.objectContaining({ outcome: 'refused', code: 'UNKNOWN_REFERENCE', field: 'offering' })]);
    // An externalRef another product's entitlement has: the database's unique index refuses it (on
    // PostgreSQL that ends the dry run's transaction), and the rows after it are still tried.
    const clash = 'externalRef,customer,offering\nent-other,crm-100,studio-pro\nent-y,crm-100,studio-pro\n';
    for (const dryRun of [true, false]) {
      const r = await h.call('POST', `/v1/imports?kind=entitlements${dryRun ? '&dryRun=true' : ''}`, clash, {
        key,
        headers: { 'content-type': 'text/csv' },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.results.map((x: { outcome: string; code: string | null }) => x.code ?? x.outcome)).toEqual([
        'DUPLICATE_EXTERNAL_REF',
        'created',
      ]);
    }
  });

  it('refuses a file with unknown or missing columns before any row, changing nothing', async () => {
    const before = await counts();
    const unknown = await upload('customers', 'externalRef,name,phone\ncrm-900,X,123\n');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: 'INVALID_REQUEST', details: { columns: ['phone'] } });
    const missing = await upload('entitlements', 'externalRef,customer\nent-9,crm-100\n');
    expect(missing.status).toBe(400);
    expect(missing.body.error.details).toMatchObject({ columns: ['offering'] });
    const json = await h.call('POST', '/v1/imports?kind=customers', { externalRef: 'x' });
    expect(json.status).toBe(400);
    expect((await h.call('POST', '/v1/imports?kind=customers&extra=1', 'a', { headers: { 'content-type': 'text/csv' } })).status).toBe(400);
    expect(await counts()).toEqual(before);
  });

  it('an unreadable row (a wrong number of cells, a broken quote) is refused at its line; the others go on', async () => {
    const r = await upload('customers', 'externalRef,name\ncrm-200,Fine\ncrm-202,a,b\ncrm-203,Also fine\ncrm-201,"Broken\n');
    expect(r.status).toBe(200);
    expect(r.body.counts).toMatchObject({ created: 2, refused: 2 });
    expect(r.body.results.map((x: { line: number; outcome: string }) => [x.line, x.outcome])).toEqual([
      [2, 'created'],
      [3, 'refused'],
      [4, 'created'],
      [5, 'refused'],
    ]);
    expect(r.body.results[1]).toMatchObject({ code: 'INVALID_REQUEST', field: 'csv' });
  });

  it(`streams a file of ${LARGE} rows: read and applied as it arrives, never held whole`, { timeout: 600_000 }, async () => {
    let sent = 0;
    async function* file() {
      yield 'externalRef,name,email\n';
      // Chunks of 500 rows, as a socket would deliver them.
      for (let i = 0; i < LARGE; i += 500) {
        let chunk = '';
        for (let j = i; j < Math.min(LARGE, i + 500); j++) chunk += `big-${j},Big ${j},big${j}@example.test\n`;
        sent += chunk.length;
        yield chunk;
      }
    }
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
    const started = performance.now();
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/imports?kind=customers',
      headers: { authorization: `Bearer ${h.adminKey}`, 'content-type': 'text/csv' },
      payload: Readable.from(file()),
    });
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const report = JSON.parse(res.body);
    expect(report.counts).toEqual({ rows: LARGE, created: LARGE, updated: 0, unchanged: 0, refused: 0 });
    // Only the first 1,000 non-refused rows are listed; the counts count them all.
    expect(report.results.length).toBe(Math.min(LARGE, 1_000));
    expect(report.truncated).toBe(LARGE > 1_000);
    console.log(
      `${kind}: ${LARGE} customer rows (${(sent / 1e6).toFixed(2)} MB) in ${seconds.toFixed(1)} s, ${Math.round(LARGE / seconds)} rows/s, RSS +${Math.round((rssPeak - rssBefore) / 1e6)} MB at peak`,
    );
  });
});
