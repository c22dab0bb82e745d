import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, seedCatalog, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { asLicense, fp } from '../support/client.js';
import { exportAccount, identityOf, importAccount, openExport, type ExportLine } from '../../src/capabilities/transfer/account-transfer.js';
import { generateCodes } from '../../src/capabilities/partners/generate.js';
import type { Context } from '../../src/platform/domain/context.js';

const contextFor = (h: Harness, accountId = h.accountId): Context => ({
  store: h.services.store.forAccount({ accountId, productId: null }),
  clock: h.clock,
  ids: h.services.ids,
  secrets: h.services.secrets,
  actor: { type: 'system', id: 'transfer' },
  requestId: null,
});

const PASSPHRASE = 'correct horse battery staple';

async function exported(ctx: Context): Promise<ExportLine[]> {
  const lines: ExportLine[] = [];
  for await (const line of exportAccount(ctx, { passphrase: PASSPHRASE })) lines.push(JSON.parse(JSON.stringify(line)) as ExportLine);
  return lines;
}

const kinds = await storeKinds();
// From each store to the other (or to the same one, where only one runs).
const pairs = kinds.map((from, i) => [from, kinds[(i + 1) % kinds.length]!] as const);

describe.each(pairs)('an account exported from %s and imported into %s', (from, to) => {
  let source: Harness;
  let target: Harness;
  let codes: string[] = [];

  beforeAll(async () => {
    source = await createHarness(from);
    target = await createHarness(to);
    const { customer } = await seedCatalog(source);
    await source.call('POST', '/v1/customers', {
      name: 'Globex',
      email: 'ops@globex.test',
      externalRef: 'crm-2',
      metadata: { tier: 'gold' },
    });
    for (let i = 0; i < 3; i++) {
      const e = (
        await source.call('POST', '/v1/entitlements', {
          customerId: i === 2 ? 'crm-2' : customer.id,
          offeringId: 'studio-pro',
          orderRef: `SO-${i}`,
          ...(i === 1 ? { overrides: { seats: 9, features: { projects: 50 } } } : {}),
        })
      ).body;
      await asLicense(source, e.key)('activate', { fingerprint: fp(`transfer-${i}`), platform: 'linux' });
      if (i === 2) await source.call('POST', `/v1/entitlements/${e.id}/suspend`, { reason: 'unpaid' });
    }
    // Partners with a batch of codes, one redeemed; a key generator for the product.
    await source.call('POST', '/v1/offerings', { productId: 'studio', code: 'boxed', name: 'Boxed', licenseModel: 'perpetual' });
    await source.call('POST', '/v1/partners', { name: 'Box Shop', kind: 'reseller', externalRef: 'box-shop' });
    const batch = (await source.call('POST', '/v1/code-batches', { offeringId: 'boxed', partnerId: 'box-shop', quantity: 5 })).body;
    while (await generateCodes(source.services, { worker: 'test', chunk: 100 })) {
      /* until generated */
    }
    codes = (await source.call('GET', `/v1/code-batches/${batch.id}/codes?limit=10`)).body.data.map((c: { code: string }) => c.code);
    const redeemed = await source.call(
      'POST',
      '/v1/client/redeem',
      { code: codes[0], customer: { name: 'Jo', email: 'jo@example.test' } },
      { key: null },
    );
    expect(redeemed.status, JSON.stringify(redeemed.body)).toBe(201);
    await source.call('POST', '/v1/key-generators', { productId: 'studio', kind: 'pattern', pattern: { pattern: 'STU-XXXX-XXXX-####' } });
  });
  afterAll(async () => {
    await source?.close();
    await target?.close();
  });

  it('reproduces every record: catalog, customers, entitlements with overrides, keys and history, activations, leases, partners and codes, generators, events', async () => {
    const lines = await exported(contextFor(source));
    const byKind = (ls: ExportLine[], kind: string) => ls.filter((l) => l.kind === kind);
    expect(lines[0]).toMatchObject({ kind: 'header', format: 'leasehold-export', version: 2 });
    expect(byKind(lines, 'entitlement')).toHaveLength(4);
    expect(byKind(lines, 'activation')).toHaveLength(3);
    expect(byKind(lines, 'lease').length).toBeGreaterThanOrEqual(3);
    expect(byKind(lines, 'entitlement_version').length).toBeGreaterThanOrEqual(5);
    expect(byKind(lines, 'partner_code')).toHaveLength(5);
    expect(byKind(lines, 'event').length).toBeGreaterThan(10);
    // No secret in clear: not a license key, not a partner code.
    const text = JSON.stringify(lines);
    for (const l of openExport(lines, PASSPHRASE).filter((l) => l.kind === 'entitlement'))
      expect(text).not.toContain((l as { key: string }).key);
    for (const c of codes) expect(text).not.toContain(c);

    await expect(importAccount(contextFor(target), lines, { passphrase: 'not the passphrase' })).rejects.toThrow(/passphrase/);
    const counts = await importAccount(contextFor(target), lines, { passphrase: PASSPHRASE });
    expect(counts).toMatchObject({
      product: 1,
      feature: 2,
      offering: 2,
      customer: 3,
      entitlement: 4,
      activation: 3,
      partner: 1,
      code_batch: 1,
      partner_code: 5,
      key_generator: 1,
    });
    const again = await exported(contextFor(target));
    // The target account had its own events before the import (its creation); every imported record is there as it was.
    const ids = new Set(lines.map(identityOf));
    expect(openExport(again, PASSPHRASE).filter((l) => ids.has(identityOf(l)))).toEqual(openExport(lines, PASSPHRASE));

    // The keys work on the new server: a device activated before validates after the move.
    const opened = openExport(lines, PASSPHRASE).filter((l) => l.kind === 'entitlement') as Array<
      Extract<ExportLine, { kind: 'entitlement' }>
    >;
    const validated = await asLicense(target, opened[0]!.key)('validate', { fingerprint: fp('transfer-0') });
    expect(validated.body).toMatchObject({ valid: true, code: 'VALID' });
    expect((await asLicense(target, opened[2]!.key)('validate', { fingerprint: fp('transfer-2') })).body.code).toBe('SUSPENDED');
    // History came along: the suspended entitlement's versions are there.
    expect((await target.call('GET', `/v1/entitlements/${opened[2]!.record.id}/history`)).body.data.length).toBeGreaterThanOrEqual(2);
    // Partner codes keep their state: the redeemed one is redeemed, the others still redeem (once).
    expect((await target.call('GET', `/v1/codes/check?code=${codes[0]}`)).body).toMatchObject({ authentic: true, state: 'redeemed' });
    expect((await target.call('GET', `/v1/codes/check?code=${codes[1]}`)).body).toMatchObject({ authentic: true, redeemable: true });
    const r = await target.call(
      'POST',
      '/v1/client/redeem',
      { code: codes[1], customer: { name: 'Al', email: 'al@example.test' } },
      { key: null },
    );
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    // The pattern generator goes on making keys here.
    const made = await target.call('POST', '/v1/entitlements', { customerId: 'crm-2', offeringId: 'studio-pro' });
    expect(made.body.key).toMatch(/^STU-/);
  });

  it('refuses to import into an account that has data, and writes nothing', async () => {
    const lines = await exported(contextFor(source));
    await expect(importAccount(contextFor(target), lines)).rejects.toThrow(/empty account/);
  });

  it('still restores a version 1 file (no header, keys in clear)', async () => {
    const v1 = openExport(await exported(contextFor(source)), PASSPHRASE);
    const third = await createHarness(to);
    try {
      const counts = await importAccount(contextFor(third), v1);
      expect(counts).toMatchObject({ entitlement: 4, partner_code: 5 });
      const key = (v1.find((l) => l.kind === 'entitlement') as Extract<ExportLine, { kind: 'entitlement' }>).key;
      expect((await asLicense(third, key)('validate', { fingerprint: fp('transfer-0') })).body.code).toBe('VALID');
    } finally {
      await third.close();
    }
  });
});
