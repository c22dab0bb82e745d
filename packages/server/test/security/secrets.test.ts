import { createPrivateKey, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMasterKey } from '../../src/secrets/master-key.js';
import { killAll, removeDir, startServer, tempDataDir, type ServerProcess } from '../support/processes.js';
import { createPostgresDatabase, storeKinds } from '../support/stores.js';

/**
 * A real `leasehold serve` process at LOG_LEVEL=trace goes through every flow that carries a secret:
 * API keys (Bearer and NetLicensing Basic, a NetLicensing APIKEY token in a URL), license keys
 * (generated and imported, in client headers and in an offline activation request), console users
 * (setup, creation, sign-in, a wrong password, a password change, a malformed sign-in body, session
 * cookies and CSRF tokens), idempotent writes whose answers carry secrets, and a signing key
 * rotation. Then none of those secrets, nor the master key, nor the private signing keys (decrypted
 * from the database with the master key), may appear in the process's output — the first-start
 * banner excepted, which prints the admin key once by design — or anywhere in the database: every
 * table dumped as text and, on SQLite, the raw bytes of the database file, free pages included.
 */

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

afterAll(() => killAll());

/** The forms a secret could leak in: as is, and its UTF-8 bytes as base64, base64url and hex. */
function textForms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  return [secret, bytes.toString('base64').replace(/=+$/, ''), bytes.toString('base64url'), bytes.toString('hex')];
}

/** A secret that is random bytes in base64url (session tokens): also the bytes themselves as hex and base64. */
function tokenForms(token: string): string[] {
  const bytes = Buffer.from(token, 'base64url');
  return [...textForms(token), bytes.toString('hex'), bytes.toString('base64').replace(/=+$/, '')];
}

/** Where each form occurs in `text` (hex case-insensitively), as "label (form) near …". */
function findLeaks(text: string, secrets: Map<string, string[]>): string[] {
  const lower = text.toLowerCase();
  const found: string[] = [];
  for (const [label, forms] of secrets) {
    for (const form of forms) {
      if (form.length < 12) continue;
      const at = /^[0-9a-f]+$/i.test(form) ? lower.indexOf(form.toLowerCase()) : text.indexOf(form);
      if (at >= 0) found.push(`${label} (${form.slice(0, 16)}…) near ${JSON.stringify(text.slice(Math.max(0, at - 80), at + 40))}`);
    }
  }
  return found;
}

interface Answer {
  status: number;
  body: Json;
  headers: Headers;
}

describe.each(await storeKinds())('secrets at rest and in the logs, on %s', (kind) => {
  let server: ServerProcess;
  let dataDir: string;
  let pgDb: { url: string; drop(): Promise<void> } | null = null;
  let masterKeyText: string;
  /** label → the forms to look for */
  const secrets = new Map<string, string[]>();
  /** Secrets that may be kept as they are (a NetLicensing node secret is a device binding) but never logged. */
  const logOnly = new Map<string, string[]>();
  let adminKey: string;
  let logText = '';
  let banner = '';
  let entitlementId = '';

  const call = async (
    method: string,
    path: string,
    opts: { auth?: string; body?: unknown; raw?: string; type?: string; headers?: Record<string, string> } = {},
  ): Promise<Answer> => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.auth) headers['authorization'] = opts.auth;
    let payload: string | undefined;
    if (opts.body !== undefined) {
      payload = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    } else if (opts.raw !== undefined) {
      payload = opts.raw;
      headers['content-type'] = opts.type ?? 'application/json';
    }
    const res = await fetch(`${server.url}${path}`, { method, headers, body: payload, signal: AbortSignal.timeout(15_000) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // not JSON
    }
    return { status: res.status, body, headers: res.headers };
  };
  const bearer = (key: string) => `Bearer ${key}`;
  const cookieOf = (res: Answer): string => {
    const match = /leasehold_session=([A-Za-z0-9_-]+)/.exec(res.headers.get('set-cookie') ?? '');
    expect(match, 'a session cookie is set').not.toBeNull();
    return match![1]!;
  };
  const remember = (label: string, forms: string[]) => secrets.set(label, forms);

  async function goThroughEverySecretFlow(): Promise<void> {
    const admin = bearer(adminKey);

    // API keys: created over the API (with an Idempotency-Key, so the answer is kept for replays) and used.
    const created = await call('POST', '/v1/api-keys', {
      auth: admin,
      body: { name: 'billing', role: 'support' },
      headers: { 'idempotency-key': 'create-billing-key' },
    });
    expect(created.status).toBe(201);
    const supportKey: string = created.body.key;
    remember('API key (support)', textForms(supportKey));
    const replayed = await call('POST', '/v1/api-keys', {
      auth: admin,
      body: { name: 'billing', role: 'support' },
      headers: { 'idempotency-key': 'create-billing-key' },
    });
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(replayed.body.key).toBe(supportKey);
    expect((await call('GET', '/v1/customers', { auth: bearer(supportKey) })).status).toBe(200);
    expect((await call('GET', '/v1/products', { auth: bearer(`${supportKey}x`) })).status).toBe(401);

    // A catalog, and license keys: one generated, one imported, both returned in answers kept for replay.
    expect((await call('POST', '/v1/products', { auth: admin, body: { code: 'studio', name: 'Studio' } })).status).toBe(201);
    expect(
      (await call('POST', '/v1/products/studio/features', { auth: admin, body: { code: 'export', name: 'Export', type: 'boolean' } }))
        .status,
    ).toBe(201);
    const offering = {
      productId: 'studio',
      code: 'studio-pro',
      name: 'Studio Pro',
      licenseModel: 'subscription',
      seatModel: 'node_locked',
      seats: 5,
      term: 'P1Y',
      leasePeriod: 'P7D',
      features: { export: true },
    };
    expect((await call('POST', '/v1/offerings', { auth: admin, body: offering })).status).toBe(201);
    expect((await call('POST', '/v1/customers', { auth: admin, body: { name: 'Acme', externalRef: 'crm-1' } })).status).toBe(201);
    const generated = await call('POST', '/v1/entitlements', {
      auth: bearer(supportKey),
      body: { customerId: 'crm-1', offeringId: 'studio-pro' },
      headers: { 'idempotency-key': 'create-entitlement-1' },
    });
    expect(generated.status).toBe(201);
    const licenseKey: string = generated.body.key;
    remember('license key (generated)', [...textForms(licenseKey), ...textForms(licenseKey.replace(/-/g, ''))]);
    const importedKey = `IMPORT-${randomBytes(12).toString('hex').toUpperCase()}`;
    const imported = await call('POST', '/v1/entitlements', {
      auth: admin,
      body: { customerId: 'crm-1', offeringId: 'studio-pro', key: importedKey },
    });
    expect(imported.status).toBe(201);
    expect(imported.body.key).toBe(importedKey);
    remember('license key (imported)', [...textForms(importedKey), ...textForms(importedKey.replace(/-/g, ''))]);
    entitlementId = generated.body.id;

    // Secrets typed into free-text parts of URLs (a search box, a key pasted as an id): only their shape gives them away.
    const bare = licenseKey.replace(/-/g, '').toLowerCase();
    remember('license key (lower case, no dashes)', textForms(bare));
    for (const url of [
      `/v1/customers?q=${supportKey}`,
      `/v1/customers?q=${licenseKey}`,
      `/v1/customers?q=${bare}&limit=5`,
      `/v1/entitlements/${licenseKey}`,
      `/v1/entitlements/${bare}`,
      `/v1/entitlements?q=${encodeURIComponent(licenseKey.replace(/-/g, ' '))}`,
    ]) {
      expect((await call('GET', url, { auth: admin })).status, url).toBeLessThan(500);
    }
    // Ordinary ids in the same places, which the log must keep readable.
    expect((await call('GET', `/v1/entitlements/${entitlementId}`, { auth: admin })).status).toBe(200);
    expect((await call('GET', `/v1/customers?q=${entitlementId}`, { auth: admin })).status).toBe(200);
    expect((await call('GET', '/v1/offerings/studio-pro', { auth: admin })).status).toBe(200);

    // The client API with the license keys in its header, as the SDK sends them.
    const activated = await call('POST', '/v1/client/activate', {
      auth: `License ${licenseKey}`,
      body: { fingerprint: 'device-secret-test-1', product: 'studio' },
    });
    expect(activated.status).toBe(201);
    expect(
      (await call('POST', '/v1/client/validate', { auth: `License ${licenseKey}`, body: { fingerprint: 'device-secret-test-1' } })).status,
    ).toBe(200);
    expect(
      (await call('POST', '/v1/client/refresh', { auth: `License ${importedKey.toLowerCase()}`, body: { fingerprint: 'x' } })).status,
    ).toBeLessThan(500);
    const wrongKey = `${licenseKey.slice(0, -1)}${licenseKey.endsWith('0') ? '1' : '0'}`;
    const refused = await call('POST', '/v1/client/validate', {
      auth: `License ${wrongKey}`,
      body: { fingerprint: 'device-secret-test-1' },
    });
    expect(refused.body.valid).toBe(false);

    // An air-gapped device's request file carries the license key in its body.
    const offline = await call('POST', '/v1/offline/activations', {
      auth: admin,
      body: {
        format: 'leasehold-offline-request',
        v: 1,
        product: 'studio',
        fingerprint: 'air-gapped-device-1',
        licenseKey: importedKey,
        nonce: randomBytes(16).toString('hex'),
        createdAt: new Date().toISOString(),
      },
    });
    expect(offline.status).toBe(201);

    // Signing keys: the first is made with the first lease; rotate to a second.
    expect((await call('POST', '/v1/signing-keys/rotate', { auth: admin })).status).toBe(200);
    expect(
      (await call('POST', '/v1/client/refresh', { auth: `License ${licenseKey}`, body: { fingerprint: 'device-secret-test-1' } })).status,
    ).toBe(200);

    // Console users: the first one, a second created by the first, sign-ins, a wrong password, a change of password.
    const firstPassword = `first-${randomBytes(9).toString('base64url')}`;
    const setup = await call('POST', '/v1/session/setup', { body: { email: 'ada@vendor.test', name: 'Ada', password: firstPassword } });
    expect(setup.status).toBe(201);
    remember('password (first user)', textForms(firstPassword));
    const adaSession = cookieOf(setup);
    remember('session token (setup)', tokenForms(adaSession));
    remember('CSRF token (setup)', textForms(setup.body.csrfToken));
    const asAda = { cookie: `leasehold_session=${adaSession}`, 'x-csrf-token': setup.body.csrfToken };

    const secondPassword = `second-${randomBytes(9).toString('base64url')}`;
    remember('password (second user)', textForms(secondPassword));
    const bob = await call('POST', '/v1/staff-users', {
      headers: { ...asAda, 'idempotency-key': 'create-bob' },
      body: { email: 'bob@vendor.test', name: 'Bob', role: 'support', password: secondPassword },
    });
    expect(bob.status).toBe(201);
    const signedIn = await call('POST', '/v1/session', { body: { email: 'bob@vendor.test', password: secondPassword } });
    expect(signedIn.status).toBe(201);
    const bobSession = cookieOf(signedIn);
    remember('session token (sign-in)', tokenForms(bobSession));
    remember('CSRF token (sign-in)', textForms(signedIn.body.csrfToken));
    expect((await call('GET', '/v1/session', { headers: { cookie: `leasehold_session=${bobSession}` } })).status).toBe(200);
    expect(
      (
        await call('POST', '/v1/customers', {
          headers: { cookie: `leasehold_session=${bobSession}`, 'x-csrf-token': signedIn.body.csrfToken },
          body: { name: 'Made in the console' },
        })
      ).status,
    ).toBe(201);

    const wrongPassword = `wrong-${randomBytes(9).toString('base64url')}`;
    remember('password (a wrong guess)', textForms(wrongPassword));
    expect((await call('POST', '/v1/session', { body: { email: 'bob@vendor.test', password: wrongPassword } })).status).toBe(401);
    // A body that is not JSON: the parser's message must not carry the password into the log.
    const brokenPassword = `broken-${randomBytes(9).toString('base64url')}`;
    remember('password (in a malformed body)', textForms(brokenPassword));
    const malformed = await call('POST', '/v1/session', { raw: `{"email": "bob@vendor.test", "password": "${brokenPassword}"` });
    expect(malformed.status).toBe(400);

    const thirdPassword = `third-${randomBytes(9).toString('base64url')}`;
    remember('password (changed)', textForms(thirdPassword));
    expect((await call('PATCH', `/v1/staff-users/${bob.body.id}`, { headers: asAda, body: { password: thirdPassword } })).status).toBe(200);
    const again = await call('POST', '/v1/session', { body: { email: 'bob@vendor.test', password: thirdPassword } });
    expect(again.status).toBe(201);
    const bobAgain = cookieOf(again);
    remember('session token (after the change)', tokenForms(bobAgain));
    expect(
      (await call('DELETE', '/v1/session', { headers: { cookie: `leasehold_session=${bobAgain}`, 'x-csrf-token': again.body.csrfToken } }))
        .status,
    ).toBe(204);

    // The NetLicensing face: HTTP Basic with apiKey:<key>, a new APIKEY token (the token number is the key), read back by its number.
    const basic = (key: string) => `Basic ${Buffer.from(`apiKey:${key}`).toString('base64')}`;
    remember('NetLicensing Basic credentials', textForms(`apiKey:${adminKey}`));
    const nl = (method: string, path: string, form?: Record<string, string>, auth = basic(adminKey)) =>
      call(method, `/core/v2/rest${path}`, {
        auth,
        headers: { accept: 'application/json' },
        ...(form ? { raw: new URLSearchParams(form).toString(), type: 'application/x-www-form-urlencoded' } : {}),
      });
    const token = await nl('POST', '/token', { tokenType: 'APIKEY', apiKeyRole: 'ROLE_APIKEY_OPERATION' });
    expect(token.status).toBe(200);
    const tokenNumber: string = token.body.items.item[0].property.find((p: { name: string }) => p.name === 'number').value;
    remember('NetLicensing APIKEY token', [...textForms(tokenNumber), tokenNumber.replace(/-/g, '')]);
    expect((await nl('GET', '/product', undefined, basic(tokenNumber))).status).toBe(200);
    expect((await nl('GET', `/token/${tokenNumber}`)).status).toBe(200);
    // A node secret sent in a query string (NetLicensing clients may validate with GET): kept in the
    // license's NetLicensing properties as the binding (like a fingerprint), but never logged.
    const nodeSecret = `node-${randomBytes(12).toString('hex')}`;
    logOnly.set('node secret', textForms(nodeSecret));
    expect((await nl('GET', `/licensee/crm-1/validate?productNumber=studio&nodeSecret=${nodeSecret}`)).status).toBeLessThan(500);
    const unknownToken = randomUUID();
    remember('NetLicensing token guess', textForms(unknownToken));
    expect((await nl('GET', `/token/${unknownToken}`)).status).toBe(404);
    expect((await nl('GET', '/product', undefined, basic(unknownToken))).status).toBe(401);
  }

  beforeAll(async () => {
    dataDir = tempDataDir();
    const env: Record<string, string> = { LEASEHOLD_DATA_DIR: dataDir, LOG_LEVEL: 'trace' };
    if (kind === 'postgres') {
      pgDb = await createPostgresDatabase();
      masterKeyText = randomBytes(32).toString('hex');
      // The test server trusts local connections, so a password in the URL is accepted and unused: it must still not be logged.
      const databasePassword = `pw-${randomBytes(12).toString('hex')}`;
      const url = new URL(pgDb.url);
      url.password = databasePassword;
      remember('database password', textForms(databasePassword));
      env['DATABASE_URL'] = url.toString();
      env['LEASEHOLD_MASTER_KEY'] = masterKeyText;
    }
    server = await startServer(env);
    // On SQLite the server made its own master key file.
    if (kind === 'sqlite') masterKeyText = readFileSync(join(dataDir, 'master.key'), 'utf8').trim();
    const raw = /^[0-9a-f]{64}$/i.test(masterKeyText) ? Buffer.from(masterKeyText, 'hex') : Buffer.from(masterKeyText, 'base64');
    remember('master key', [masterKeyText, raw.toString('hex'), raw.toString('base64').replace(/=+$/, ''), raw.toString('base64url')]);

    adminKey = server.bannerKey()!;
    expect(adminKey).toMatch(/^lh_/);
    await goThroughEverySecretFlow();
    const exit = await server.stop('SIGTERM');
    expect(exit.code).toBe(0);

    // The banner is the one place the admin key may be printed: cut it out of stdout, and keep the rest.
    const stdout = server.stdout();
    const start = stdout.indexOf('\n  Leasehold created the first account.');
    const end = stdout.indexOf('API reference:', start);
    expect(start).toBeGreaterThanOrEqual(0);
    const bannerEnd = stdout.indexOf('\n', end) + 1;
    banner = stdout.slice(start, bannerEnd);
    logText = stdout.slice(0, start) + stdout.slice(bannerEnd) + '\n' + server.stderr();
    remember('admin API key (first start)', textForms(adminKey));
  }, 120_000);

  afterAll(async () => {
    if (server) await server.stop('SIGKILL').catch(() => {});
    await pgDb?.drop();
    if (dataDir) removeDir(dataDir);
  });

  /** Every row of every table, as text. */
  async function databaseText(): Promise<string> {
    const parts: string[] = [];
    if (kind === 'sqlite') {
      const db = new Database(join(dataDir, 'leasehold.db'), { readonly: true });
      try {
        const tables = db.prepare("select name from sqlite_master where type = 'table'").all() as Array<{ name: string }>;
        expect(tables.length).toBeGreaterThan(20);
        for (const { name } of tables) {
          for (const row of db.prepare(`select * from "${name}"`).all() as Array<Record<string, unknown>>) {
            parts.push(`${name}: ${JSON.stringify(row, (_k, v) => (Buffer.isBuffer(v) ? v.toString('hex') : v))}`);
          }
        }
      } finally {
        db.close();
      }
    } else {
      const client = new pg.Client({ connectionString: pgDb!.url });
      await client.connect();
      try {
        const { rows: tables } = await client.query<{ name: string }>(
          "select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'",
        );
        expect(tables.length).toBeGreaterThan(20);
        for (const { name } of tables) {
          const { rows } = await client.query<{ row: string }>(`select t::text as row from "${name}" t`);
          for (const { row } of rows) parts.push(`${name}: ${row}`);
        }
      } finally {
        await client.end();
      }
    }
    return parts.join('\n');
  }

  /** The private signing keys, decrypted from the database with the master key: the forms they could leak in. */
  function signingKeyForms(dump: string): Map<string, string[]> {
    const master = parseMasterKey(masterKeyText);
    const sealed = [...dump.matchAll(/"?private_sealed"?\s*[:,]\s*"?(v1\.[A-Za-z0-9_-]+)/g)].map((m) => m[1]!);
    const pgSealed = [...dump.matchAll(/(v1\.[A-Za-z0-9_-]{60,})/g)].map((m) => m[1]!);
    const forms = new Map<string, string[]>();
    for (const box of new Set([...sealed, ...pgSealed])) {
      let pem: string;
      try {
        pem = master.decrypt('signing-key', box);
      } catch {
        continue; // a sealed license key, not a signing key
      }
      const key = createPrivateKey(pem);
      const d = (key.export({ format: 'jwk' }) as { d: string }).d;
      const der = key.export({ format: 'der', type: 'pkcs8' });
      const seed = Buffer.from(d, 'base64url');
      forms.set(`private signing key ${forms.size + 1}`, [
        d,
        seed.toString('hex'),
        seed.toString('base64').replace(/=+$/, ''),
        der.toString('base64').replace(/=+$/, ''),
        der.toString('hex'),
        pem.split('\n')[1]!,
      ]);
    }
    return forms;
  }

  it('prints the first-start admin key once, in the banner, and nowhere else', () => {
    expect(banner).toContain(`    ${adminKey}\n`);
    expect(logText).not.toContain(adminKey);
    expect(logText.split('\n').filter((l) => l.trim().startsWith('{')).length).toBeGreaterThan(50);
  });

  it('writes no secret to the log output, in plain, base64 or hex form', async () => {
    const all = new Map([...secrets, ...logOnly, ...signingKeyForms(await databaseText())]);
    expect([...all.keys()].filter((k) => k.startsWith('private signing key'))).toHaveLength(2);
    const lines = logText.split('\n').filter((l) => l.trim() !== '');
    // The trace level logged the requests that carried the secrets.
    expect(lines.filter((l) => l.includes('"incoming request"')).length).toBeGreaterThan(30);
    expect(findLeaks(logText, all)).toEqual([]);
  });

  it('keeps ordinary ids readable in the request log: ULIDs and codes are not taken for secrets', () => {
    expect(entitlementId).toMatch(/^ent_[0-9a-hjkmnp-tv-z]{26}$/);
    expect(logText).toContain(`"url":"/v1/entitlements/${entitlementId}"`);
    expect(logText).toContain(`"url":"/v1/customers?q=${entitlementId}"`);
    expect(logText).toContain('"url":"/v1/offerings/studio-pro"');
    expect(logText).toContain('"url":"/v1/customers?q=[redacted]&limit=5"');
    expect(logText).toContain('"url":"/v1/entitlements/[redacted]"');
  });

  it('keeps no secret in the database: every table dumped as text, and the raw database file', async () => {
    const dump = await databaseText();
    const all = new Map([...secrets, ...signingKeyForms(dump)]);
    // The dump is real: it holds the hashed and sealed forms of the secrets.
    expect(dump).toMatch(/api_keys: .*[0-9a-f]{64}/);
    expect(dump).toMatch(/staff_users: .*scrypt\$/);
    expect(dump).toMatch(/v1\.[A-Za-z0-9_-]{40,}/);
    expect(findLeaks(dump, all)).toEqual([]);
    if (kind === 'sqlite') {
      for (const file of ['leasehold.db', 'leasehold.db-wal']) {
        const path = join(dataDir, file);
        if (existsSync(path)) expect(findLeaks(readFileSync(path).toString('latin1'), all), file).toEqual([]);
      }
    }
  });
});
