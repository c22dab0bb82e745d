import { execFile } from 'node:child_process';
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { fp, licensed } from '../support/client.js';
import { REPO_ROOT } from '../support/processes.js';
import { storeKinds } from '../support/stores.js';

/**
 * The offline lease-verification recipes of docs/verify-leases.md, run against real leases: the
 * Python one (PyJWT, from Debian's python3-jwt) and the C one (libsodium and Jansson, built with
 * gcc). Each must accept a genuine lease and refuse, with its stable code, every forgery and
 * mismatch a verifier has to catch. Also holds docs/verify-leases.md to the claims a lease carries.
 */

const run = promisify(execFile);
// Debian's interpreter, whatever python3 comes first on PATH (a pyenv one lacks Debian's modules).
const PYTHON = '/usr/bin/python3';
const EXAMPLES = join(REPO_ROOT, 'examples', 'verify-lease');
const work = mkdtempSync(join(tmpdir(), 'leasehold-recipes-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** What is missing to run the recipes here: Debian's python3-jwt and python3-cryptography, gcc, libsodium, Jansson. */
async function missingTools(): Promise<string[]> {
  const missing: string[] = [];
  try {
    await run(PYTHON, ['-c', 'import jwt, cryptography.hazmat.primitives.asymmetric.ed25519']);
  } catch (error) {
    missing.push(
      `${PYTHON} with python3-jwt and python3-cryptography (${String((error as Error).message)
        .trim()
        .split('\n')
        .pop()})`,
    );
  }
  try {
    await run('make', ['-s', '-C', join(EXAMPLES, 'c'), `BUILD=${work}`]);
  } catch (error) {
    missing.push(`make, gcc, libsodium-dev and libjansson-dev to build the C recipe (${String((error as Error).message).trim()})`);
  }
  return missing;
}

const missing = await missingTools();
const CI = process.env['CI'] === 'true';
if (missing.length > 0 && !CI) {
  console.warn(
    `verify-recipes: skipped, missing ${missing.join('; ')}. Install: apt-get install -y python3-jwt python3-cryptography gcc libc6-dev make libsodium-dev libjansson-dev (under CI=true this fails)`,
  );
}

const RECIPES = [
  { name: 'python', command: PYTHON, args: [join(EXAMPLES, 'python', 'verify.py')] },
  { name: 'c', command: join(work, 'verify'), args: [] },
] as const;

type Outcome = 'VALID' | `REFUSED ${string}`;

interface Check {
  token: string;
  jwks?: string;
  product?: string;
  fingerprint?: string;
  account?: string;
  now: number;
  state?: string;
}

let files = 0;
function file(content: string): string {
  const path = join(work, `input-${++files}`);
  writeFileSync(path, content);
  return path;
}

/** Runs a recipe on a lease: `VALID` with the claims it printed, or `REFUSED <CODE>`. */
async function verifyWith(
  recipe: (typeof RECIPES)[number],
  check: Check & { jwks: string; product: string; fingerprint: string },
): Promise<{ outcome: Outcome; claims?: unknown }> {
  const args = [
    ...recipe.args,
    ...['--jwks', check.jwks, '--lease', file(check.token), '--product', check.product, '--fingerprint', check.fingerprint],
    ...['--now', String(check.now)],
    ...(check.account ? ['--account', check.account] : []),
    ...(check.state ? ['--state', check.state] : []),
  ];
  try {
    const { stdout } = await run(recipe.command, args);
    return { outcome: 'VALID', claims: JSON.parse(stdout) };
  } catch (error) {
    const e = error as { code?: number; stderr?: string };
    const refusal = /^REFUSED ([A-Z_]+): /m.exec(e.stderr ?? '');
    if (e.code !== 1 || !refusal) throw new Error(`${recipe.name} failed (exit ${e.code}): ${e.stderr}`);
    return { outcome: `REFUSED ${refusal[1]}` };
  }
}

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const parts = (token: string) => token.split('.') as [string, string, string];
const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

describe.runIf(missing.length === 0 || CI).each(await storeKinds())('the lease-verification recipes on %s', (kind) => {
  let h: Harness;
  let token: string;
  let claims: { iat: number; exp: number; iss: string; [k: string]: unknown };
  let jwks: string;
  let otherJwks: string;
  let otherDeviceToken: string;

  beforeAll(async () => {
    if (missing.length > 0) throw new Error(`CI=true, and the recipes cannot run: missing ${missing.join('; ')}`);
    h = await createHarness(kind);
    const product = (await h.call('POST', '/v1/products', { code: 'studio', name: 'Studio' })).body;
    for (const [code, type] of [
      ['export', 'boolean'],
      ['projects', 'numeric'],
      ['renders', 'consumption'],
    ]) {
      expect((await h.call('POST', `/v1/products/${product.id}/features`, { code, name: code, type })).status).toBe(201);
    }
    const { client } = await licensed(
      h,
      { seats: 3, leasePeriod: 'P7D', features: { export: true, projects: 3, renders: 100 } },
      { product: 'studio' },
    );
    const activated = await client('activate', { fingerprint: fp('recipes'), product: 'studio' });
    expect(activated.status, JSON.stringify(activated.body)).toBe(201);
    token = activated.body.lease.token;
    claims = decode(parts(token)[1]);
    otherDeviceToken = (await client('activate', { fingerprint: fp('elsewhere') })).body.lease.token;
    jwks = file(JSON.stringify((await h.call('GET', '/.well-known/jwks.json', undefined, { key: null })).body));
    const other = await h.newAccount();
    const otherKeys = await h.call('GET', `/.well-known/jwks.json?account=${other.accountId}`, undefined, { key: null });
    otherJwks = file(JSON.stringify(otherKeys.body));
  });
  afterAll(() => h?.close());

  it.each(RECIPES)('$name: accepts the genuine lease and prints exactly its claims', async (recipe) => {
    const now = Math.floor(h.clock.now() / 1000);
    const out = await verifyWith(recipe, { token, jwks, product: 'studio', fingerprint: fp('recipes'), now });
    expect(out.outcome).toBe('VALID');
    expect(out.claims).toEqual(claims);
    expect(claims).toMatchObject({ aud: 'studio', fingerprint: fp('recipes'), iss: h.accountId });
  });

  it.each(RECIPES)(
    '$name: refuses forgeries, other devices, products and vendors, other algorithms, expiry and a wound-back clock',
    async (recipe) => {
      const [header, payload, signature] = parts(token);
      const now = claims.iat;
      const kid = decode(header).kid as string;
      const x = JSON.parse(readFileSync(jwks, 'utf8')).keys[0].x as string;

      const raised = decode(payload);
      raised.entitlement.features.projects = 9999;
      const flipped = Buffer.from(payload, 'base64url');
      const inJti = flipped.indexOf('"jti":"') + 10; // one byte inside the lease id: still JSON, no longer signed
      flipped[inJti] = flipped[inJti]! ^ 1;
      const forger = generateKeyPairSync('ed25519').privateKey;
      const forged = `${header}.${b64(raised)}`;
      const hs256 = `${b64({ alg: 'HS256', kid, typ: 'leasehold-lease+jwt' })}.${payload}`;
      const state = join(work, `${kind}-${recipe.name}-trusted-time.json`);
      rmSync(state, { force: true });

      const cases: Record<string, Check> = {
        genuine: { token, now },
        'genuine, one second before exp': { token, now: claims.exp - 1 },
        'at exp': { token, now: claims.exp },
        'a day after exp': { token, now: claims.exp + 86_400 },
        'claims changed and re-encoded, signature kept': { token: `${header}.${b64(raised)}.${signature}`, now },
        'one payload byte changed': { token: `${header}.${flipped.toString('base64url')}.${signature}`, now },
        'one signature byte changed': {
          token: `${header}.${payload}.${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`,
          now,
        },
        'signed by another Ed25519 key under the pinned kid': {
          token: `${forged}.${sign(null, Buffer.from(forged), forger).toString('base64url')}`,
          now,
        },
        'the lease of another device': { token: otherDeviceToken, now },
        'this lease, checked on another device': { token, now, fingerprint: fp('elsewhere') },
        'alg none, no signature': { token: `${b64({ alg: 'none', kid, typ: 'leasehold-lease+jwt' })}.${b64(raised)}.`, now },
        'alg HS256 keyed with the public key': {
          token: `${hs256}.${createHmac('sha256', Buffer.from(x, 'base64url')).update(hs256).digest('base64url')}`,
          now,
        },
        'typ JWT': { token: `${b64({ alg: 'EdDSA', kid, typ: 'JWT' })}.${payload}.${signature}`, now },
        'another product': { token, now, product: 'other-product' },
        'the pinned account': { token, now, account: claims.iss },
        'another account': { token, now, account: 'acc_someone_else' },
        "another vendor's JWKS": { token, now, jwks: otherJwks },
        'not a JWS': { token: 'not-a-lease', now },
        'clock within the tolerance before iat': { token, now: claims.iat - 299 },
        'clock more than the tolerance before iat': { token, now: claims.iat - 301 },
        'run later, keeping the trusted time': { token, now: claims.iat + 3600, state },
        'then the clock wound back an hour': { token, now: claims.iat, state },
      };
      const expected: Record<string, Outcome> = {
        genuine: 'VALID',
        'genuine, one second before exp': 'VALID',
        'at exp': 'REFUSED LEASE_EXPIRED',
        'a day after exp': 'REFUSED LEASE_EXPIRED',
        'claims changed and re-encoded, signature kept': 'REFUSED BAD_SIGNATURE',
        'one payload byte changed': 'REFUSED BAD_SIGNATURE',
        'one signature byte changed': 'REFUSED BAD_SIGNATURE',
        'signed by another Ed25519 key under the pinned kid': 'REFUSED BAD_SIGNATURE',
        'the lease of another device': 'REFUSED WRONG_DEVICE',
        'this lease, checked on another device': 'REFUSED WRONG_DEVICE',
        'alg none, no signature': 'REFUSED BAD_HEADER',
        'alg HS256 keyed with the public key': 'REFUSED BAD_HEADER',
        'typ JWT': 'REFUSED BAD_HEADER',
        'another product': 'REFUSED WRONG_PRODUCT',
        'the pinned account': 'VALID',
        'another account': 'REFUSED WRONG_ISSUER',
        "another vendor's JWKS": 'REFUSED UNKNOWN_KEY',
        'not a JWS': 'REFUSED MALFORMED',
        'clock within the tolerance before iat': 'VALID',
        'clock more than the tolerance before iat': 'REFUSED CLOCK_TAMPERED',
        'run later, keeping the trusted time': 'VALID',
        'then the clock wound back an hour': 'REFUSED CLOCK_TAMPERED',
      };
      const outcome = async (c: Check) => (await verifyWith(recipe, { jwks, product: 'studio', fingerprint: fp('recipes'), ...c })).outcome;
      // The cases without a trusted-time file run side by side; those sharing one, in order.
      const outcomes: Record<string, Outcome> = Object.fromEntries(
        await Promise.all(Object.entries(cases).flatMap(([name, c]) => (c.state ? [] : [outcome(c).then((o) => [name, o] as const)]))),
      );
      for (const [name, c] of Object.entries(cases)) if (c.state) outcomes[name] = await outcome(c);
      expect(outcomes).toEqual(expected);
    },
  );

  it.each(RECIPES)('$name: refuses a lease the server clock has carried past its expiry', async (recipe) => {
    const { client } = await licensed(h, { leasePeriod: 'PT1H', features: { export: true } }, { product: 'studio' });
    const short = (await client('activate', { fingerprint: fp('short'), product: 'studio' })).body.lease.token as string;
    const check = { jwks, product: 'studio', fingerprint: fp('short'), token: short };
    expect((await verifyWith(recipe, { ...check, now: Math.floor(h.clock.now() / 1000) })).outcome).toBe('VALID');
    h.clock.advance(3600_000);
    expect((await verifyWith(recipe, { ...check, now: Math.floor(h.clock.now() / 1000) })).outcome).toBe('REFUSED LEASE_EXPIRED');
  });
});

/** The rows of a table in a section of docs/verify-leases.md: first cell (a `path`) → the types in the second. */
function documented(doc: string, title: string): Map<string, string[]> {
  const start = doc.indexOf(`\n## ${title}\n`);
  expect(start, `docs/verify-leases.md has a "## ${title}" section`).toBeGreaterThanOrEqual(0);
  const end = doc.indexOf('\n## ', start + 1);
  const rows = new Map<string, string[]>();
  for (const line of doc.slice(start, end < 0 ? undefined : end).split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (!/^`[^`]+`$/.test(cells[1] ?? '')) continue;
    rows.set(cells[1]!.slice(1, -1), cells[2]!.split(' or '));
  }
  return rows;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Every path of a lease's JSON with its type; feature codes are the vendor's, usage codes read `<code>`. */
function paths(value: Record<string, unknown>, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, v] of Object.entries(value)) {
    const path = prefix === 'usage.' ? `${prefix}<code>` : `${prefix}${key}`;
    out.set(path, typeOf(v));
    if (typeOf(v) === 'object' && path !== 'entitlement.features')
      for (const [p, t] of paths(v as Record<string, unknown>, `${path}.`)) out.set(p, t);
  }
  return out;
}

// The documentation is checked against a lease, not the store: one store is enough.
describe('docs/verify-leases.md', () => {
  it('lists exactly the header fields and claims of a freshly issued lease, with their types', async () => {
    const h = await createHarness('sqlite');
    try {
      const product = (await h.call('POST', '/v1/products', { code: 'studio', name: 'Studio' })).body;
      await h.call('POST', `/v1/products/${product.id}/features`, { code: 'export', name: 'Export', type: 'boolean' });
      await h.call('POST', `/v1/products/${product.id}/features`, { code: 'renders', name: 'Renders', type: 'consumption' });
      const { client } = await licensed(h, { features: { export: true, renders: 100 } }, { product: 'studio' });
      const [header, payload] = parts((await client('activate', { fingerprint: fp('docs') })).body.lease.token);
      const doc = readFileSync(join(REPO_ROOT, 'docs', 'verify-leases.md'), 'utf8');
      for (const [title, part] of [
        ['The header', header],
        ['The claims', payload],
      ] as const) {
        const listed = documented(doc, title);
        const actual = paths(decode(part));
        expect([...listed.keys()].sort(), title).toEqual([...actual.keys()].sort());
        for (const [path, type] of actual) {
          const types = listed.get(path)!;
          expect(
            types.includes(type) || (type === 'integer' && types.includes('number')),
            `${path} is ${type}, documented ${types.join(' or ')}`,
          ).toBe(true);
        }
      }
    } finally {
      await h.close();
    }
  });
});
