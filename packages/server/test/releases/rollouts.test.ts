import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { fp, licensed } from '../support/client.js';
import { eventCount } from '../support/counts.js';
import { asClient, sha256, upload } from './support.js';
import { bucketOf, inRange, parseRange } from '../../src/capabilities/releases/rollouts.js';
import { parseVersion } from '@leasehold/contract';

describe('version ranges', () => {
  it('reads comparator sets joined by ||, and refuses what is not a range', () => {
    const r = parseRange('>=1.2.0 <2.0.0 || =2.1.3')!;
    const at = (v: string) => inRange(parseVersion(v)!, r);
    expect([at('1.1.9'), at('1.2.0'), at('1.9.9'), at('2.0.0'), at('2.1.3'), at('2.1.4')]).toEqual([false, true, true, false, true, false]);
    expect(inRange(parseVersion('2.0.0-rc.1')!, parseRange('<2.0.0')!)).toBe(true);
    for (const bad of ['', '1.2', '>=1.2.0 ||', '~1.2.0', '>= 1.2.0x']) expect(parseRange(bad)).toBeNull();
  });

  it('buckets devices deterministically and evenly', () => {
    expect(bucketOf('rel_a', 'device-1')).toBe(bucketOf('rel_a', 'device-1'));
    const buckets = Array.from({ length: 2000 }, (_, i) => bucketOf('rel_a', `device-${i}`));
    const under25 = buckets.filter((b) => b < 25).length;
    expect(under25).toBeGreaterThan(400);
    expect(under25).toBeLessThan(600);
    // Another release draws another sample.
    const other = Array.from({ length: 2000 }, (_, i) => bucketOf('rel_b', `device-${i}`) < 25);
    expect(other.filter((x, i) => x && buckets[i]! < 25).length).toBeLessThan(200);
  });
});

describe.each(await storeKinds())('rollouts on %s', (store) => {
  let h: Harness;
  const bytes = randomBytes(2000);

  beforeAll(async () => {
    h = await createHarness(store);
    await h.call('POST', '/v1/products', { code: 'roll', name: 'Roll' });
  });
  afterAll(async () => h?.close());

  /** A release of `roll` with one uploaded linux artifact; published unless `draft`. */
  async function release(version: string, draft = false) {
    const rel = (await h.call('POST', '/v1/products/roll/releases', { version })).body;
    const ticket = await h.call('POST', `/v1/releases/${rel.id}/artifacts`, {
      filename: `roll-${version}.bin`,
      platform: 'any',
      arch: 'any',
      sha256: sha256(bytes),
    });
    expect((await upload(h, ticket.body, bytes)).status).toBe(200);
    if (!draft) expect((await h.call('POST', `/v1/releases/${rel.id}/publish`)).status).toBe(200);
    return rel as { id: string };
  }

  const upgrade = async (key: string, version: string, fingerprint?: string, platform?: string) => {
    const q = new URLSearchParams({ version, ...(fingerprint ? { fingerprint } : {}), ...(platform ? { platform } : {}) });
    const res = await asClient(h, key)(`/v1/client/releases/upgrade?${q}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.release?.version ?? null;
  };

  it('targets customers, offerings, licenses and devices by version range and platform; counts them before publishing, then the upgraded', async () => {
    await release('1.0.0');
    const target = await release('1.1.0', true);
    const acme = await licensed(h, { seats: 10, features: {} }, { product: 'roll' });
    const globex = await licensed(h, { seats: 10, features: {} }, { product: 'roll' });
    const initech = await licensed(h, { seats: 10, features: {} }, { product: 'roll' });
    await acme.client('activate', { fingerprint: fp('acme-1'), platform: 'linux', version: '1.0.0' });
    await acme.client('activate', { fingerprint: fp('acme-2'), platform: 'windows', version: '1.0.0' });
    await acme.client('activate', { fingerprint: fp('acme-3'), platform: 'linux', version: '0.9.0' });
    await globex.client('activate', { fingerprint: fp('globex-1'), platform: 'linux', version: '1.0.0' });
    await initech.client('activate', { fingerprint: fp('initech-1'), platform: 'linux', version: '1.0.0' });

    // Acme's customer, plus one Initech device; linux only; devices on 1.0.x.
    const rollout = {
      customers: [acme.customer.id],
      devices: [fp('initech-1')],
      platforms: ['linux'],
      versions: '>=1.0.0 <1.1.0',
    };
    const preview = await h.call('POST', `/v1/releases/${target.id}/rollout/preview`, rollout);
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    expect(preview.body).toEqual({
      customers: 2,
      entitlements: 2,
      devices: { total: 3, below: 2, atOrAbove: 0, unknownVersion: 0, outOfRange: 1 },
      affectedCustomers: 2,
      rollout: true,
      adoption: 0,
    });
    // The preview saved nothing.
    expect((await h.call('GET', `/v1/releases/${target.id}/rollout`)).body.rollout).toBeNull();

    const set = await h.call('PUT', `/v1/releases/${target.id}/rollout`, rollout);
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body.rollout).toMatchObject({ ...rollout, offerings: [], entitlements: [], percentage: null });
    const before = await h.call('GET', `/v1/releases/${target.id}/rollout`);
    expect(before.body.audience).toEqual(preview.body);
    expect((await h.call('POST', `/v1/releases/${target.id}/publish`)).status).toBe(200);

    // The upgrade endpoint offers 1.1.0 only to what the rollout reaches.
    expect(await upgrade(acme.key, '1.0.0', fp('acme-1'), 'linux')).toBe('1.1.0');
    expect(await upgrade(acme.key, '1.0.0', fp('acme-2'), 'windows')).toBeNull();
    // Platform not given: the device's own, as it last reported it.
    expect(await upgrade(acme.key, '1.0.0', fp('acme-1'))).toBe('1.1.0');
    expect(await upgrade(acme.key, '0.9.0', fp('acme-3'), 'linux')).toBe('1.0.0');
    expect(await upgrade(globex.key, '1.0.0', fp('globex-1'), 'linux')).toBeNull();
    expect(await upgrade(initech.key, '1.0.0', fp('initech-1'), 'linux')).toBe('1.1.0');
    expect(await upgrade(initech.key, '1.0.0', fp('initech-2'), 'linux')).toBeNull();
    // Downloads stay entitlement-gated: Globex may still fetch it by hand.
    const listed = await asClient(h, globex.key)('/v1/client/releases');
    expect(listed.body.data.map((r: { version: string }) => r.version)).toContain('1.1.0');

    // One device upgrades: the rollout reports it.
    await acme.client('activate', { fingerprint: fp('acme-1'), platform: 'linux', version: '1.1.0' });
    const after = (await h.call('GET', `/v1/releases/${target.id}/rollout`)).body.audience;
    expect(after.devices).toEqual({ total: 3, below: 1, atOrAbove: 1, unknownVersion: 0, outOfRange: 1 });
    expect(after.affectedCustomers).toBe(1);
    expect(after.adoption).toBe(0.5);

    // Offering-wide and then cleared: everyone entitled is offered it.
    await h.call('PUT', `/v1/releases/${target.id}/rollout`, { offerings: [globex.offering.id] });
    expect(await upgrade(globex.key, '1.0.0', fp('globex-1'))).toBe('1.1.0');
    expect(await upgrade(initech.key, '1.0.0', fp('initech-1'))).toBeNull();
    // One license, asking without a fingerprint: the license is the device.
    await h.call('PUT', `/v1/releases/${target.id}/rollout`, { entitlements: [initech.entitlement.id] });
    expect(await upgrade(initech.key, '1.0.0')).toBe('1.1.0');
    expect(await upgrade(acme.key, '1.0.0')).toBeNull();
    const cleared = await h.call('DELETE', `/v1/releases/${target.id}/rollout`);
    expect(cleared.body.rollout).toBeNull();
    expect(await upgrade(initech.key, '1.0.0', fp('initech-1'))).toBe('1.1.0');
  });

  it('a percentage reaches the same devices every time, grows as a superset, and the count matches the upgrade answers', async () => {
    await h.call('POST', '/v1/products', { code: 'pct', name: 'Pct' });
    const mk = async (version: string) => {
      const rel = (await h.call('POST', '/v1/products/pct/releases', { version })).body;
      const ticket = await h.call('POST', `/v1/releases/${rel.id}/artifacts`, { filename: 'p.bin', platform: 'any', arch: 'any' });
      await upload(h, ticket.body, bytes);
      return rel as { id: string };
    };
    await mk('3.0.0');
    const target = await mk('3.1.0');
    const licenses = [];
    for (let l = 0; l < 4; l++) licenses.push(await licensed(h, { seats: 20, features: {} }, { product: 'pct' }));
    const devices: { key: string; fingerprint: string }[] = [];
    for (const [l, lic] of licenses.entries()) {
      for (let d = 0; d < 15; d++) {
        const fingerprint = fp(`pct-${l}-${d}`);
        expect((await lic.client('activate', { fingerprint, platform: 'linux', version: '3.0.0' })).status).toBe(201);
        devices.push({ key: lic.key, fingerprint });
      }
    }
    const counted = (await h.call('POST', `/v1/releases/${target.id}/rollout/preview`, { percentage: 30 })).body;
    await h.call('PUT', `/v1/releases/${target.id}/rollout`, { percentage: 30 });
    await h.call('POST', `/v1/releases/${target.id}/publish`);
    const offered = async () => {
      const out = new Set<string>();
      for (const d of devices) if ((await upgrade(d.key, '3.0.0', d.fingerprint)) === '3.1.0') out.add(d.fingerprint);
      return out;
    };
    const at30 = await offered();
    expect(at30.size).toBe(counted.devices.below);
    expect(at30.size).toBe(devices.filter((d) => bucketOf(target.id, d.fingerprint) < 30).length);
    expect(at30.size).toBeGreaterThan(5);
    expect(at30.size).toBeLessThan(35);
    expect(await offered()).toEqual(at30);
    await h.call('PUT', `/v1/releases/${target.id}/rollout`, { percentage: 60 });
    const at60 = await offered();
    expect([...at30].every((f) => at60.has(f))).toBe(true);
    expect(at60.size).toBeGreaterThan(at30.size);
    // Without a fingerprint the license is bucketed as a whole.
    for (const lic of licenses) {
      expect(await upgrade(lic.key, '3.0.0')).toBe(bucketOf(target.id, lic.entitlement.id) < 60 ? '3.1.0' : null);
    }
    // Those left out are offered the release before it: nothing newer than 3.0.0 here.
    const out = devices.find((d) => !at60.has(d.fingerprint))!;
    expect(await upgrade(out.key, '3.0.0', out.fingerprint)).toBeNull();
  });

  it('refuses a bad range, an unknown customer, a license or offering of another product, changing nothing', async () => {
    const rel = (await h.call('POST', '/v1/products/roll/releases', { version: '9.0.0' })).body;
    const other = await licensed(h, {}, { product: 'elsewhere' });
    const before = await eventCount(h);
    const put = (body: unknown) => h.call('PUT', `/v1/releases/${rel.id}/rollout`, body);
    expect((await put({ versions: '~1.2' })).body.error).toMatchObject({ code: 'INVALID_REQUEST', details: { field: 'versions' } });
    expect((await put({ customers: ['cus_nope'] })).body.error).toMatchObject({ code: 'INVALID_REQUEST', details: { field: 'customers' } });
    expect((await put({ entitlements: [other.entitlement.id] })).body.error.details.field).toBe('entitlements');
    expect((await put({ offerings: [other.offering.id] })).body.error.details.field).toBe('offerings');
    expect((await put({ percentage: 0 })).body.error.code).toBe('INVALID_REQUEST');
    expect((await put({ percentage: 101 })).body.error.code).toBe('INVALID_REQUEST');
    expect((await put({ everyone: true })).body.error.code).toBe('INVALID_REQUEST');
    expect((await h.call('POST', `/v1/releases/${rel.id}/rollout/preview`, { versions: 'x' })).body.error.code).toBe('INVALID_REQUEST');
    expect((await h.call('GET', `/v1/releases/${rel.id}/rollout?nope=1`)).status).toBe(400);
    expect(await eventCount(h)).toBe(before);
    expect((await h.call('GET', `/v1/releases/${rel.id}`)).body.rollout).toBeNull();
  });
});
