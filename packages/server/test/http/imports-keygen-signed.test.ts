import { constants, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { asLicense, fp } from '../support/client.js';
import { verifyKeygenKey, KeygenKeyRejected } from '../../../sdk/src/index.js';

// A Keygen account's keys, made here: Keygen shows the Ed25519 public key as hex, RSA as PEM.
const ed = generateKeyPairSync('ed25519');
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ecPem = ec.publicKey.export({ format: 'pem', type: 'spki' }).toString();
const edHex = (ed.publicKey.export({ format: 'der', type: 'spki' }) as Buffer).subarray(12).toString('hex');
const rsaPem = rsa.publicKey.export({ format: 'pem', type: 'spki' }).toString();
const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64url');

/** A key as Keygen signs one under `scheme` (keygen-notes §3.2): `key/<payload>.<sig>`, or `<payload>.<sig>` for the v1 RSA schemes. */
function keygenKey(
  scheme: string,
  payload: object,
  key: KeyObject = scheme === 'ED25519_SIGN' ? ed.privateKey : scheme === 'ECDSA_P256_SIGN' ? ec.privateKey : rsa.privateKey,
): string {
  if (scheme === 'RSA_2048_JWT_RS256') {
    const signed = `${b64(JSON.stringify({ alg: 'RS256', typ: 'JWT' }))}.${b64(JSON.stringify(payload))}`;
    return `${signed}.${b64(sign('sha256', Buffer.from(signed), { key, padding: constants.RSA_PKCS1_PADDING }))}`;
  }
  const body = b64(JSON.stringify(payload));
  const signed = scheme.endsWith('_V2') || scheme === 'ED25519_SIGN' || scheme === 'ECDSA_P256_SIGN' ? `key/${body}` : body;
  const data = Buffer.from(signed);
  const sig =
    scheme === 'ED25519_SIGN'
      ? sign(null, data, key)
      : scheme === 'ECDSA_P256_SIGN'
        ? sign('sha256', data, key)
        : scheme.includes('PSS')
          ? sign('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_MAX_SIGN })
          : sign('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING });
  return `${signed}.${b64(sig)}`;
}

const payload = (n: number) => ({
  account: { id: 'acct-1' },
  product: { id: 'prod-1' },
  policy: { id: 'pol', duration: null },
  user: null,
  license: { id: `lic-${n}`, created: '2025-01-01T00:00:00.000Z', expiry: null },
});

const policy = (id: string, scheme: string) => ({
  id,
  type: 'policies',
  attributes: { name: `Signed ${scheme}`, duration: null, floating: true, maxMachines: 2, scheme },
  relationships: { product: { data: { type: 'products', id: 'prod-1' } } },
});
const license = (id: string, key: string, policyId: string, scheme: string | null = null) => ({
  id,
  type: 'licenses',
  attributes: { name: id, key, scheme, created: '2025-01-01T00:00:00.000Z', expiry: null, maxMachines: 2 },
  relationships: { policy: { data: { type: 'policies', id: policyId } } },
});

const forged = (() => {
  const real = keygenKey('ED25519_SIGN', payload(90));
  const [, sig] = real.slice(4).split('.');
  return `key/${b64(JSON.stringify({ ...payload(90), license: { id: 'lic-90', created: '2025-01-01T00:00:00.000Z', expiry: '2099-01-01T00:00:00.000Z' } }))}.${sig}`;
})();

const keys = {
  ed: keygenKey('ED25519_SIGN', payload(1)),
  pss: keygenKey('RSA_2048_PKCS1_PSS_SIGN_V2', payload(2)),
  v1: keygenKey('RSA_2048_PKCS1_SIGN', payload(3)),
  v2: keygenKey('RSA_2048_PKCS1_SIGN_V2', payload(4)),
  ecdsa: keygenKey('ECDSA_P256_SIGN', payload(5)),
  jwt: keygenKey('RSA_2048_JWT_RS256', { jti: 'lic-6', iss: 'https://keygen.sh', aud: 'acct-1', sub: 'lic-6', iat: 1735689600 }),
};

const documents = [
  { data: [{ id: 'prod-1', type: 'products', attributes: { name: 'Studio', code: 'studio' } }] },
  {
    data: [
      policy('pol-ed', 'ED25519_SIGN'),
      policy('pol-pss', 'RSA_2048_PKCS1_PSS_SIGN_V2'),
      policy('pol-v1', 'RSA_2048_PKCS1_SIGN'),
      policy('pol-v2', 'RSA_2048_PKCS1_SIGN_V2'),
      policy('pol-ec', 'ECDSA_P256_SIGN'),
      policy('pol-jwt', 'RSA_2048_JWT_RS256'),
    ],
  },
  {
    data: [
      license('lic-1', keys.ed, 'pol-ed', 'ED25519_SIGN'),
      license('lic-2', keys.pss, 'pol-pss'),
      license('lic-3', keys.v1, 'pol-v1', 'RSA_2048_PKCS1_SIGN'),
      license('lic-4', keys.v2, 'pol-v2', 'RSA_2048_PKCS1_SIGN_V2'),
      license('lic-5', keys.ecdsa, 'pol-ec'),
      license('lic-6', keys.jwt, 'pol-jwt'),
      // Its payload was changed (a later expiry) and the old signature kept.
      license('lic-90', forged, 'pol-ed', 'ED25519_SIGN'),
      // A plain key on a signed policy: not the scheme's shape.
      license('lic-91', 'C1B6DE-39A6E3-DE1529-8559A0-4AF593-V3', 'pol-ed', 'ED25519_SIGN'),
      // Signed by another account's key.
      license('lic-92', keygenKey('ED25519_SIGN', payload(92), generateKeyPairSync('ed25519').privateKey), 'pol-ed', 'ED25519_SIGN'),
    ],
  },
];

describe.each(await storeKinds())('Keygen signed key schemes on import, on %s', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(async () => {
    await h.close();
  });

  it('imports keys that verify against the Keygen account’s public keys, and refuses forged or misshapen ones', async () => {
    const r = await h.call('POST', '/v1/imports/keygen', { documents, publicKeys: { ed25519: edHex, rsa: rsaPem, ecdsa: ecPem } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const outcome = Object.fromEntries(
      r.body.results.filter((x: { type: string }) => x.type === 'licenses').map((x: { keygenId: string }) => [x.keygenId, x]),
    );
    for (const id of ['lic-1', 'lic-2', 'lic-3', 'lic-4', 'lic-5', 'lic-6']) expect(outcome[id], id).toMatchObject({ outcome: 'created' });
    expect(outcome['lic-90']).toMatchObject({
      outcome: 'refused',
      code: 'INVALID_REQUEST',
      message: expect.stringMatching(/does not verify/),
    });
    expect(outcome['lic-91']).toMatchObject({
      outcome: 'refused',
      code: 'INVALID_REQUEST',
      message: expect.stringMatching(/shape of a ED25519_SIGN key/),
    });
    expect(outcome['lic-92']).toMatchObject({ outcome: 'refused', code: 'INVALID_REQUEST' });
    expect(r.body.counts.licenses).toMatchObject({ created: 6, refused: 3 });
  });

  it('the imported signed keys validate through the client API as typed, and still verify offline with Keygen’s public key', async () => {
    for (const [name, key] of Object.entries(keys)) {
      const found = await h.call('GET', `/v1/entitlements?key=${encodeURIComponent(key)}`);
      expect(found.body.data, name).toHaveLength(1);
      expect(found.body.data[0].key).toBe(key);
      expect(found.body.data[0].metadata.keygenScheme).toBeDefined();
      const client = asLicense(h, key);
      const activated = await client('activate', { fingerprint: fp(`signed-${name}`) });
      expect([200, 201], JSON.stringify(activated.body)).toContain(activated.status);
      expect((await client('validate', { fingerprint: fp(`signed-${name}`) })).body).toMatchObject({ valid: true });
    }
    // The SDK checks them with no server, as the applications in the field did with Keygen's.
    expect(JSON.parse(verifyKeygenKey(keys.ed, 'ED25519_SIGN', edHex)).license.id).toBe('lic-1');
    expect(JSON.parse(verifyKeygenKey(keys.pss, 'RSA_2048_PKCS1_PSS_SIGN_V2', rsaPem)).license.id).toBe('lic-2');
    expect(JSON.parse(verifyKeygenKey(keys.v1, 'RSA_2048_PKCS1_SIGN', rsaPem)).license.id).toBe('lic-3');
    expect(JSON.parse(verifyKeygenKey(keys.ecdsa, 'ECDSA_P256_SIGN', ecPem)).license.id).toBe('lic-5');
    expect(JSON.parse(verifyKeygenKey(keys.jwt, 'RSA_2048_JWT_RS256', rsaPem)).sub).toBe('lic-6');
    expect(() => verifyKeygenKey(forged, 'ED25519_SIGN', edHex)).toThrow(KeygenKeyRejected);
    // A v2 key is not taken for a v1 one: the domain prefix is part of what was signed.
    expect(() => verifyKeygenKey(keys.v2, 'RSA_2048_PKCS1_SIGN', rsaPem)).toThrow(KeygenKeyRejected);
  });

  it('a public key that is not one is refused before anything is imported', async () => {
    const r = await h.call('POST', '/v1/imports/keygen', { documents, publicKeys: { rsa: 'not a pem' } });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'INVALID_REQUEST', details: { field: 'publicKeys.rsa' } });
  });
});
