import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { createHarness, seedCatalog, T0, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';

const DAY = 24 * 3600_000;

describe.each(await storeKinds())('audit export on %s', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(kind);
    await seedCatalog(h);
  });
  afterAll(() => h.close());

  it('exports the filtered audit log as CSV that a spreadsheet reads back exactly', async () => {
    const e = (await h.call('POST', '/v1/entitlements', { customerId: 'crm-1', offeringId: 'studio-pro', externalRef: 'sub-csv' })).body;
    h.clock.set(T0 + DAY);
    await h.call('PATCH', `/v1/entitlements/${e.id}`, { metadata: { note: 'quoted "text", with commas\nand a newline' } });
    await h.call('POST', `/v1/entitlements/${e.id}/suspend`);
    h.clock.set(T0);

    const res = await h.call('GET', `/v1/events/export?entitlement=sub-csv`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const rows: Array<Record<string, string>> = parse(res.raw.body, { columns: true });
    expect(rows.map((r) => r['type'])).toEqual(['entitlement.suspended', 'entitlement.updated', 'entitlement.created']);
    const updated = rows[1]!;
    expect(JSON.parse(updated['after']!).metadata.note).toBe('quoted "text", with commas\nand a newline');
    expect(updated['actorType']).toBe('api_key');
    expect(updated['at']).toBe(new Date(T0 + DAY).toISOString());

    const ranged: Array<Record<string, string>> = parse(
      (await h.call('GET', `/v1/events/export?entitlement=sub-csv&from=${new Date(T0 + DAY / 2).toISOString()}`)).raw.body,
      { columns: true },
    );
    expect(ranged).toHaveLength(2);
  });

  it('the subject filter takes codes and external references like ids', async () => {
    const byCode = (await h.call('GET', '/v1/events?subject=studio-pro')).body.data;
    expect(byCode.map((ev: { type: string }) => ev.type)).toEqual(['offering.created']);
    const byRef = (await h.call('GET', '/v1/events?subject=crm-1')).body.data;
    expect(byRef.map((ev: { type: string }) => ev.type)).toEqual(['customer.created']);
  });

  it('a readonly key can export; no key cannot', async () => {
    const ro = (await h.call('POST', '/v1/api-keys', { name: 'auditor', role: 'readonly' })).body.key;
    expect((await h.call('GET', '/v1/events/export', undefined, { key: ro })).status).toBe(200);
    expect((await h.call('GET', '/v1/events/export', undefined, { key: null })).status).toBe(401);
  });
});
