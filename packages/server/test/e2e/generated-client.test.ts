import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll, removeDir, REPO_ROOT, startServer, tempDataDir, type ServerProcess } from '../support/processes.js';

/**
 * The OpenAPI document is complete enough to generate a client from: openapi-typescript turns the
 * live /openapi.json of a real server into types, a program using openapi-fetch with them compiles
 * under `tsc --strict`, and it runs the README's walkthrough against that server. The document does
 * not depend on the store, so this runs once, on SQLite.
 */

/** The README's walk through the API and the licensing of a device, through the generated client. */
const PROGRAM = `
import createClient from 'openapi-fetch';
import type { paths } from './api.js';

const [baseUrl, adminKey] = process.argv.slice(2) as [string, string];
const api = createClient<paths>({ baseUrl, headers: { Authorization: \`Bearer \${adminKey}\` } });

/** The answer's data, or the program stops with the error the server gave. */
function ok<T>(what: string, result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined) throw new Error(\`\${what}: \${result.response.status} \${JSON.stringify(result.error)}\`);
  return result.data;
}

const product = ok('createProduct', await api.POST('/v1/products', { body: { code: 'studio', name: 'Studio' } }));
ok('createFeature', await api.POST('/v1/products/{id}/features', {
  params: { path: { id: 'studio' } },
  body: { code: 'export', name: 'Export to PDF', type: 'boolean' },
}));
ok('createFeature', await api.POST('/v1/products/{id}/features', {
  params: { path: { id: 'studio' } },
  body: { code: 'projects', name: 'Projects', type: 'numeric', unit: 'projects' },
}));
const offering = ok('createOffering', await api.POST('/v1/offerings', {
  body: {
    productId: 'studio', code: 'studio-pro', name: 'Studio Pro', licenseModel: 'subscription', seatModel: 'node_locked',
    seats: 5, term: 'P1Y', leasePeriod: 'P7D', features: { export: true, projects: 10 },
  },
}));
const customer = ok('createCustomer', await api.POST('/v1/customers', {
  body: { name: 'Acme Corp', email: 'it@acme.example', externalRef: 'crm-1001' },
}));
const created = ok('createEntitlement', await api.POST('/v1/entitlements', {
  body: { customerId: 'crm-1001', offeringId: 'studio-pro', orderRef: 'SO-42', externalRef: 'sub-42' },
}));
const overridden = ok('updateEntitlement', await api.PATCH('/v1/entitlements/{id}', {
  params: { path: { id: 'sub-42' } },
  body: { overrides: { seats: 20, features: { projects: 50 } } },
}));
const suspended = ok('suspendEntitlement', await api.POST('/v1/entitlements/{id}/suspend', {
  params: { path: { id: 'sub-42' } },
  body: { reason: 'invoice overdue' },
}));
// A bare POST: the document marks the action's body optional, so the client may leave it out.
const resumed = ok('resumeEntitlement', await api.POST('/v1/entitlements/{id}/resume', { params: { path: { id: 'sub-42' } } }));
const events = ok('listEvents', await api.GET('/v1/events', { params: { query: { entitlement: 'sub-42' } } }));

const key = ok('getEntitlement', await api.GET('/v1/entitlements/{id}', { params: { path: { id: 'sub-42' } } })).key;
const client = createClient<paths>({ baseUrl, headers: { Authorization: \`License \${key}\` } });
const activated = await client.POST('/v1/client/activate', {
  body: { fingerprint: 'laptop-7f3a9c2e', product: 'studio', name: 'Ada laptop', platform: 'macos' },
});
const activation = ok('activateClient', activated);
const validation = ok('validateClient', await client.POST('/v1/client/validate', {
  body: { fingerprint: 'laptop-7f3a9c2e', features: ['export'] },
}));
const refreshed = ok('refreshClientLease', await client.POST('/v1/client/refresh', { body: { fingerprint: 'laptop-7f3a9c2e' } }));
const duplicate = await api.POST('/v1/products', { body: { code: 'studio', name: 'Studio again' } });

console.log(JSON.stringify({
  productId: product.id,
  offeringSeats: offering.seats,
  customerId: customer.id,
  entitlement: { id: created.id, customerId: created.customerId, hasKey: created.key.length > 0 },
  overridden: { seats: overridden.effective.seats, projects: overridden.effective.features['projects'] },
  suspended: suspended.effective.status,
  resumed: resumed.effective.status,
  eventTypes: events.data.map((e) => e.type),
  activation: { status: activated.response.status, state: activation.activation.state, hasToken: activation.lease.token.length > 0 },
  validation: { valid: validation.valid, code: validation.code },
  refreshedToken: refreshed.lease.token.split('.').length,
  duplicate: { status: duplicate.response.status, code: duplicate.error?.error.code },
}));

// The client is typed from the document: these do not compile (and are never run).
export function typeChecks(): void {
  // @ts-expect-error a product's code is a string
  void api.POST('/v1/products', { body: { code: 1, name: 'x' } });
  // @ts-expect-error creating a product needs a body
  void api.POST('/v1/products', {});
  // @ts-expect-error there is no such path
  void api.GET('/v1/nothing-here');
  // @ts-expect-error validation answers valid, not ok
  void validation.ok;
}
`;

function run(command: string, args: string[], cwd: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ code, out, err }));
  });
}

describe('a client generated from /openapi.json', () => {
  const dirs: string[] = [];
  let server: ServerProcess;
  let work: string;
  const adminKey = `lh_test_${randomBytes(16).toString('hex')}`;

  beforeAll(async () => {
    const dataDir = tempDataDir();
    work = mkdtempSync(join(tmpdir(), 'leasehold-client-'));
    dirs.push(dataDir, work);
    server = await startServer({ LEASEHOLD_DATA_DIR: dataDir, LEASEHOLD_ADMIN_KEY: adminKey, LOG_LEVEL: 'warn' });
  });

  afterAll(async () => {
    await server?.stop();
    killAll();
    for (const dir of dirs) removeDir(dir);
  });

  it('compiles under tsc --strict and runs the README walkthrough against a real server', async () => {
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as OpenAPI3;
    writeFileSync(join(work, 'api.ts'), astToString(await openapiTS(document)));
    writeFileSync(join(work, 'walkthrough.ts'), PROGRAM);
    writeFileSync(join(work, 'package.json'), JSON.stringify({ type: 'module' }));
    // The program resolves openapi-fetch, tsx and @types/node from the workspace.
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(work, 'node_modules'), 'dir');

    const tsc = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
    // skipLibCheck: the program and the generated api.ts are checked; @types/node and openapi-fetch's own
    // declarations are not re-checked, which halves the time.
    const options = ['--strict', '--noEmit', '--skipLibCheck', '--target', 'es2022', '--module', 'nodenext', '--types', 'node'];
    const compiled = await run(process.execPath, [tsc, ...options, 'walkthrough.ts'], work);
    expect(compiled.out + compiled.err, 'tsc').toBe('');
    expect(compiled.code).toBe(0);

    const ran = await run(process.execPath, ['--import', 'tsx', 'walkthrough.ts', server.url, adminKey], work);
    expect(ran.err, 'the program').toBe('');
    expect(ran.code).toBe(0);
    const out = JSON.parse(ran.out.trim().split('\n').pop()!);
    expect(out).toMatchObject({
      offeringSeats: 5,
      entitlement: { hasKey: true },
      overridden: { seats: 20, projects: 50 },
      suspended: 'suspended',
      resumed: 'active',
      activation: { status: 201, state: 'active', hasToken: true },
      validation: { valid: true, code: 'VALID' },
      refreshedToken: 3,
      duplicate: { status: 409, code: 'DUPLICATE_CODE' },
    });
    expect(out.productId).toMatch(/^prod_/);
    expect(out.entitlement.customerId).toBe(out.customerId);
    expect(out.eventTypes).toEqual(expect.arrayContaining(['entitlement.created', 'entitlement.suspended', 'entitlement.resumed']));
  }, 60_000);
});
