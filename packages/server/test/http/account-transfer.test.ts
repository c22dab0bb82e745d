import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, seedCatalog, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { asLicense, fp } from '../support/client.js';
import { exportAccount, importAccount, type ExportLine } from '../../src/capabilities/transfer/account-transfer.js';
import type { Context } from '../../src/platform/domain/context.js';

const contextFor = (h: Harness, accountId = h.accountId): Context => ({
  store: h.services.store.forAccount({ accountId, productId: null }),
  clock: h.clock,
  ids: h.services.ids,
  secrets: h.services.secrets,
  actor: { type: 'system', id: 'transfer' },
  requestId: null,
});

async function exported(ctx: Context): Promise<ExportLine[]> {
  const lines: ExportLine[] = [];
  for await (const line of exportAccount(ctx)) lines.push(JSON.parse(JSON.stringify(line)) as ExportLine);
  return lines;
}

const kinds = await storeKinds();
// From each store to the other (or to the same one, where only one runs).
const pairs = kinds.map((from, i) => [from, kinds[(i + 1) % kinds.length]!] as const);

describe.each(pairs)('an account exported from %s and imported into %s', (from, to) => {
  let source: Harness;
  let target: Harness;

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
  });
  afterAll(async () => {
    await source?.close();
    await target?.close();
  });

  it('reproduces every record: catalog, customers, entitlements with overrides and keys, activations, events', async () => {
    const lines = await exported(contextFor(source));
    const byKind = (ls: ExportLine[], kind: string) => ls.filter((l) => l.kind === kind);
    expect(byKind(lines, 'entitlement')).toHaveLength(3);
    expect(byKind(lines, 'activation')).toHaveLength(3);
    expect(byKind(lines, 'event').length).toBeGreaterThan(10);

    const counts = await importAccount(contextFor(target), lines);
    expect(counts).toMatchObject({ product: 1, feature: 2, offering: 1, customer: 2, entitlement: 3, activation: 3 });
    const again = await exported(contextFor(target));
    // The target account had its own events before the import (its creation); every imported record is there as it was.
    const ids = new Set(lines.map((l) => l.record.id));
    expect(again.filter((l) => ids.has(l.record.id))).toEqual(lines);

    // The keys work on the new server: a device activated before validates after the move.
    const key = (byKind(lines, 'entitlement')[0] as Extract<ExportLine, { kind: 'entitlement' }>).key;
    const validated = await asLicense(target, key)('validate', { fingerprint: fp('transfer-0') });
    expect(validated.body).toMatchObject({ valid: true, code: 'VALID' });
    const suspended = (byKind(lines, 'entitlement')[2] as Extract<ExportLine, { kind: 'entitlement' }>).key;
    expect((await asLicense(target, suspended)('validate', { fingerprint: fp('transfer-2') })).body.code).toBe('SUSPENDED');
  });

  it('refuses to import into an account that has data, and writes nothing', async () => {
    const lines = await exported(contextFor(source));
    await expect(importAccount(contextFor(target), lines)).rejects.toThrow(/empty account/);
  });
});
