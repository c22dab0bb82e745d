import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { asLicense, fp } from '../support/client.js';
import { generateCodes } from '../../src/capabilities/partners/generate.js';
import { newPartnerCode } from '../../src/capabilities/partners/codes.js';

const DAY = 24 * 3600_000;

describe.each(await storeKinds())('partner authenticity codes on %s', (kind) => {
  let h: Harness;
  let partnerId: string;
  let codes: string[];
  let batchId: string;

  const redeem = (code: string, who = 'Jo', call: Harness['call'] = h.call) =>
    call('POST', '/v1/client/redeem', { code, customer: { name: who, email: `${who.toLowerCase()}@example.test` } }, { key: null });
  const generateAll = async () => {
    while (await generateCodes(h.services, { worker: 'test', chunk: 100 })) {
      /* until no batch needs codes */
    }
  };
  const count = async (path: string) => (await h.call('GET', `${path}?limit=500`)).body.data.length as number;

  beforeAll(async () => {
    h = await createHarness(kind);
    await h.call('POST', '/v1/products', { code: 'studio', name: 'Studio' });
    await h.call('POST', '/v1/offerings', {
      productId: 'studio',
      code: 'retail',
      name: 'Retail box',
      licenseModel: 'subscription',
      term: 'P1Y',
      seats: 2,
    });
    const partner = await h.call('POST', '/v1/partners', { name: 'Box Shop', kind: 'reseller', externalRef: 'box-shop' });
    expect(partner.status).toBe(201);
    partnerId = partner.body.id;
  });
  afterAll(() => h.close());

  it('a batch is generated in the background, with progress, and downloads as CSV', async () => {
    const ordered = await h.call('POST', '/v1/code-batches', {
      offeringId: 'retail',
      partnerId: 'box-shop',
      quantity: 250,
      overrides: { seats: 3 },
    });
    expect(ordered.status, JSON.stringify(ordered.body)).toBe(202);
    expect(ordered.body).toMatchObject({ state: 'pending', generated: 0, progress: 0 });
    batchId = ordered.body.id;
    // One chunk, then the rest, as a worker that stopped after one transaction and one that resumed.
    const first = await generateCodes(h.services, { worker: 'a', chunk: 100 });
    expect(first).toBe(true);
    await generateAll();
    const batch = (await h.call('GET', `/v1/code-batches/${batchId}`)).body;
    expect(batch).toMatchObject({
      state: 'ready',
      generated: 250,
      progress: 1,
      stats: { issued: 250, redeemed: 0, voided: 0, outstanding: 250 },
    });

    const csv = await h.call('GET', `/v1/code-batches/${batchId}/codes?format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    const rows = parse(csv.raw.body, { columns: true }) as Array<{ serial: string; code: string; state: string }>;
    expect(rows).toHaveLength(250);
    expect(rows.map((r) => Number(r.serial))).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
    codes = rows.map((r) => r.code);
    expect(new Set(codes).size).toBe(250);
    for (const c of codes) expect(c).toMatch(/^([0-9A-HJKMNP-TV-Z]{5}-){3}[0-9A-HJKMNP-TV-Z]{5}$/);

    const page1 = await h.call('GET', `/v1/code-batches/${batchId}/codes?limit=200`);
    const page2 = await h.call('GET', `/v1/code-batches/${batchId}/codes?limit=200&cursor=${page1.body.nextCursor}`);
    expect([...page1.body.data, ...page2.body.data].map((c: { code: string }) => c.code)).toEqual(codes);
    expect(page2.body.nextCursor).toBeNull();
    expect((await h.call('GET', `/v1/partners/box-shop`)).body.stats).toEqual({ issued: 250, redeemed: 0, voided: 0, outstanding: 250 });
  });

  it('the authenticity check tells an issued code from a forged or mistyped one, and redeems nothing', async () => {
    const good = await h.call('GET', `/v1/codes/check?code=${codes[0]!.toLowerCase()}`);
    expect(good.body).toMatchObject({
      authentic: true,
      redeemable: true,
      state: 'issued',
      partner: { id: partnerId, name: 'Box Shop' },
      offering: { code: 'retail' },
      batchId,
    });
    // Well formed, right check symbol, never issued: a forgery.
    const forged = await h.call('GET', `/v1/codes/check?code=${newPartnerCode()}`);
    expect(forged.body).toMatchObject({ authentic: false, typo: false, partner: null });
    const c = codes[0]!;
    const typo = c.slice(0, 2) + (c[2] === 'A' ? 'B' : 'A') + c.slice(3);
    expect((await h.call('GET', `/v1/codes/check?code=${typo}`)).body).toMatchObject({ authentic: false, typo: true });
    // Another vendor cannot vouch for this vendor's codes.
    const other = await h.newAccount();
    expect((await h.call('GET', `/v1/codes/check?code=${c}`, undefined, { key: other.adminKey })).body.authentic).toBe(false);
    expect((await h.call('GET', `/v1/code-batches/${batchId}`)).body.stats.redeemed).toBe(0);
  });

  it('a code redeems once into a customer and an entitlement whose key activates', async () => {
    const [customers, entitlements] = [await count('/v1/customers'), await count('/v1/entitlements')];
    const out = await redeem(codes[0]!);
    expect(out.status, JSON.stringify(out.body)).toBe(201);
    expect(out.body.offering.code).toBe('retail');
    const e = (await h.call('GET', `/v1/entitlements/${out.body.entitlementId}`)).body;
    expect(e.effective.seats).toBe(3);
    expect(e.customerId).toBe(out.body.customerId);
    expect((await asLicense(h, out.body.key)('activate', { fingerprint: fp('redeemed') })).status).toBe(201);
    const again = await redeem(codes[0]!, 'Mallory');
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('CODE_ALREADY_REDEEMED');
    expect([await count('/v1/customers'), await count('/v1/entitlements')]).toEqual([customers + 1, entitlements + 1]);
    expect((await h.call('GET', `/v1/codes/check?code=${codes[0]}`)).body).toMatchObject({
      authentic: true,
      redeemable: false,
      state: 'redeemed',
    });
    expect((await redeem(newPartnerCode())).body.error).toMatchObject({ code: 'CODE_INVALID', details: { reason: 'unknown' } });
  });

  it('racing redemptions of one code, from two server processes, give exactly one entitlement', async () => {
    const peer = await h.peer();
    const [customers, entitlements] = [await count('/v1/customers'), await count('/v1/entitlements')];
    const racing = await Promise.all(Array.from({ length: 12 }, (_, i) => redeem(codes[1]!, `Racer${i}`, i % 2 ? peer.call : h.call)));
    const statuses = racing.map((r) => r.status).sort();
    expect(statuses).toEqual([201, ...Array(11).fill(409)]);
    expect([await count('/v1/customers'), await count('/v1/entitlements')]).toEqual([customers + 1, entitlements + 1]);
    const redeemed = (await h.call('GET', '/v1/events?type=code.redeemed')).body.data;
    expect(redeemed).toHaveLength(2);
  });

  it('a voided code or batch, or an expired batch, cannot be redeemed; the stats say so', async () => {
    expect((await h.call('POST', '/v1/codes/void', { code: codes[2], reason: 'lost in shipping' })).status).toBe(204);
    expect((await redeem(codes[2]!)).body.error).toMatchObject({ code: 'CODE_INVALID', details: { reason: 'voided' } });
    expect((await h.call('POST', '/v1/codes/void', { code: codes[0] })).body.error.code).toBe('INVALID_STATE');
    expect((await h.call('GET', '/v1/partners/box-shop')).body.stats).toEqual({ issued: 250, redeemed: 2, voided: 1, outstanding: 247 });

    const voided = await h.call('POST', `/v1/code-batches/${batchId}/void`, { reason: 'partner closed' });
    expect(voided.body).toMatchObject({ state: 'voided', stats: { issued: 250, redeemed: 2, voided: 248, outstanding: 0 } });
    expect((await redeem(codes[3]!)).body.error.details.reason).toBe('voided');

    const short = await h.call('POST', '/v1/code-batches', {
      offeringId: 'retail',
      partnerId,
      quantity: 3,
      expiresAt: new Date(h.clock.now() + 30 * DAY).toISOString(),
    });
    await generateAll();
    const shortCodes = (await h.call('GET', `/v1/code-batches/${short.body.id}/codes`)).body.data.map((c: { code: string }) => c.code);
    expect(shortCodes).toHaveLength(3);
    h.clock.advance(31 * DAY);
    expect((await redeem(shortCodes[0])).body.error.details.reason).toBe('expired');
    expect((await h.call('GET', `/v1/codes/check?code=${shortCodes[0]}`)).body.state).toBe('expired');
  });

  it('bad input changes nothing: unknown partner or offering, a partner with batches cannot be deleted', async () => {
    expect((await h.call('POST', '/v1/code-batches', { offeringId: 'retail', partnerId: 'nobody', quantity: 1 })).status).toBe(404);
    expect((await h.call('POST', '/v1/code-batches', { offeringId: 'retail', partnerId, quantity: 0 })).status).toBe(400);
    expect((await h.call('DELETE', `/v1/partners/${partnerId}`)).body.error.code).toBe('IN_USE');
    expect((await h.call('POST', '/v1/partners', { name: 'Dup', externalRef: 'box-shop' })).body.error.code).toBe('DUPLICATE_EXTERNAL_REF');
    const lone = (await h.call('POST', '/v1/partners', { name: 'Lone' })).body;
    expect((await h.call('DELETE', `/v1/partners/${lone.id}`)).status).toBe(204);
    expect((await h.call('GET', `/v1/code-batches/${batchId}/codes?cursor=nonsense`)).status).toBe(400);
  });
});
