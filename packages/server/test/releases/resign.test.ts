import { createPublicKey, randomBytes, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { eventCount } from '../support/counts.js';
import { upload } from './support.js';
import { artifactStatement } from '../../src/capabilities/releases/signing.js';

/** After a signing-key rotation, artifacts are signed again with the new key, in batches, reading no bytes. */
describe.each(await storeKinds())('re-signing artifacts after a key rotation on %s', (store) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(store);
    await h.call('POST', '/v1/products', { code: 'app', name: 'App' });
  });
  afterAll(() => h?.close());

  const verifies = async (a: { id: string; filename: string; size: number; sha256: string; signature: string; signatureKid: string }) => {
    const jwks = (await h.call('GET', '/.well-known/jwks.json', undefined, { key: null })).body;
    const jwk = jwks.keys.find((k: { kid: string }) => k.kid === a.signatureKid);
    const statement = artifactStatement({ accountId: h.accountId, artifactId: a.id, filename: a.filename, size: a.size, sha256: a.sha256 });
    return verify(null, Buffer.from(statement), createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(a.signature, 'base64url'));
  };

  it('signs the artifacts an old key signed with the active one, batch by batch, each an event', async () => {
    const rel = (await h.call('POST', '/v1/products/app/releases', { version: '1.0.0' })).body;
    const uploaded = [];
    for (const name of ['a.bin', 'b.bin', 'c.bin']) {
      const ticket = (await h.call('POST', `/v1/releases/${rel.id}/artifacts`, { filename: name, platform: 'linux', arch: 'x86_64' })).body;
      uploaded.push((await upload(h, ticket, randomBytes(500))).body);
    }
    const waiting = (await h.call('POST', `/v1/releases/${rel.id}/artifacts`, { filename: 'w.bin', platform: 'linux', arch: 'x86_64' }))
      .body;
    const oldKid = uploaded[0].signatureKid;
    // Nothing to do while the key that signed them is active.
    expect((await h.call('POST', '/v1/artifacts/resign')).body).toEqual({ kid: oldKid, resigned: 0, more: false });

    const rotated = await h.call('POST', '/v1/signing-keys/rotate');
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    h.clock.advance(60_000); // past the keyring's cache of the active key
    const before = await eventCount(h);
    const first = await h.call('POST', '/v1/artifacts/resign?limit=2');
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toEqual({ kid: rotated.body.id, resigned: 2, more: true });
    expect((await h.call('POST', '/v1/artifacts/resign?limit=2')).body).toEqual({ kid: rotated.body.id, resigned: 1, more: false });
    expect((await h.call('POST', '/v1/artifacts/resign')).body.resigned).toBe(0);
    expect(await eventCount(h)).toBe(before + 3);
    const events = (await h.call('GET', '/v1/events?type=artifact.resigned')).body.data;
    expect(events).toHaveLength(3);
    expect(events[0]).toMatchObject({ before: { signatureKid: oldKid }, after: { signatureKid: rotated.body.id } });

    for (const a of uploaded) {
      const now = (await h.call('GET', `/v1/artifacts/${a.id}`)).body;
      expect(now.signatureKid).toBe(rotated.body.id);
      expect(now.signature).not.toBe(a.signature);
      expect(await verifies(now)).toBe(true);
    }
    // The file waiting for its bytes has nothing to sign.
    expect((await h.call('GET', `/v1/artifacts/${waiting.artifact.id}`)).body.signature).toBeNull();
    expect((await h.call('POST', '/v1/artifacts/resign?limit=0')).status).toBe(400);
    expect((await h.call('POST', '/v1/artifacts/resign?nope=1')).status).toBe(400);
  });
});
