import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, killAll, removeDir, startServer, tempDataDir, type ServerProcess } from '../../server/test/support/processes.js';

const run = promisify(execFile);
const SDK_DIR = fileURLToPath(new URL('..', import.meta.url));

/**
 * Settings of the `npm test` that runs this file, which must not reach the npm and node started
 * here: `npm_config_local_prefix` (and its kin) would point `npm install` back at the workspace,
 * and NODE_OPTIONS could give the consumer's `node` a loader the consumer does not have.
 */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const keep = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig']);
  for (const [name, value] of Object.entries(process.env)) {
    if (name.toLowerCase().startsWith('npm_') && !keep.has(name.toLowerCase())) continue;
    if (name === 'NODE_OPTIONS' || name.startsWith('VITEST') || name === 'TSX_TSCONFIG_PATH') continue;
    env[name] = value;
  }
  return { ...env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false', ...extra };
}

// The consumer's two programs: the same steps, once through `import` and once through `require`.
// `activate` activates the key and reports; `reopen` opens the cache with the server gone.
const steps = (load: string, resolved: string) => `${load}
const input = JSON.parse(process.env.LEASEHOLD_CHECK);
const phase = process.argv[2];
const main = async () => {
  const license = await Leasehold.open({
    serverUrl: input.serverUrl,
    product: 'studio',
    publicKeys: input.publicKeys,
    cacheDir: input.cacheDir,
    timeMarkDir: input.timeMarkDir,
    fingerprint: input.fingerprint,
    requestTimeoutMs: 5000,
  });
  const opened = license.status().code;
  if (phase === 'activate') await license.activate(input.key);
  await license.settled();
  const refresh = phase === 'reopen' ? await license.refresh({ force: true }) : null;
  let offlineError = null;
  if (phase === 'reopen') {
    // Giving the seat back needs the server: the error is the package's own LeaseholdError class.
    try {
      await license.deactivate();
    } catch (error) {
      offlineError = { isLeaseholdError: error instanceof LeaseholdError, code: error.code };
    }
  }
  const status = license.status();
  await license.close();
  console.log(JSON.stringify({
    resolved: ${resolved},
    opened,
    code: status.code,
    valid: status.valid,
    online: status.online,
    activationId: status.activationId,
    expiresAt: status.expiresAt,
    export: license.hasFeature('export'),
    cloud: license.hasFeature('cloud'),
    projects: license.featureValue('projects'),
    refresh,
    offlineError,
  }));
};
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;

const ESM = steps("import { Leasehold, LeaseholdError } from '@leasehold/sdk';", "import.meta.resolve('@leasehold/sdk')");
const CJS = steps("const { Leasehold, LeaseholdError } = require('@leasehold/sdk');", "require.resolve('@leasehold/sdk')");

interface Report {
  resolved: string;
  opened: string;
  code: string;
  valid: boolean;
  online: boolean;
  activationId: string;
  expiresAt: string;
  export: boolean;
  cloud: boolean;
  projects: unknown;
  refresh: { refreshed: boolean; code: string } | null;
  offlineError: { isLeaseholdError: boolean; code: string } | null;
}

/**
 * What a vendor gets from `npm install @leasehold/sdk`: the tarball `npm pack` makes (which builds
 * dist/ first when it is out of date), installed into an empty project outside the workspace, used
 * by plain `node` from an ES module and from a CommonJS script against a real server, then again
 * from the encrypted cache once the server is gone.
 */
describe('the packed SDK, installed into an empty project', () => {
  const work = mkdtempSync(join(tmpdir(), 'leasehold-sdk-pack-'));
  const project = join(work, 'app');
  const adminKey = `lh_${randomBytes(24).toString('hex')}`;
  const dataDir = tempDataDir();
  let server: ServerProcess;
  let tarball: string;
  let input: Record<string, unknown>;

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await api(server.url, adminKey, method, path, body);
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  const consumer = async (script: string, phase: 'activate' | 'reopen', device: string): Promise<Report> => {
    const dirs = join(work, device);
    const env = cleanEnv({
      LEASEHOLD_CHECK: JSON.stringify({
        ...input,
        cacheDir: join(dirs, 'cache'),
        timeMarkDir: join(dirs, 'state'),
        fingerprint: `packed-${device}`,
      }),
    });
    const { stdout } = await run(process.execPath, [script, phase], { cwd: project, env, timeout: 20_000 });
    return JSON.parse(stdout.trim().split('\n').pop()!) as Report;
  };

  beforeAll(async () => {
    // Pack and install while the server starts: together they take most of this file's time.
    const serverStarting = startServer({ LEASEHOLD_DATA_DIR: dataDir, LEASEHOLD_ADMIN_KEY: adminKey, LOG_LEVEL: 'warn' });
    await run('npm', ['pack', '--pack-destination', work], { cwd: SDK_DIR, env: cleanEnv(), timeout: 120_000 });
    tarball = readdirSync(work).find((name) => /^leasehold-sdk-.*\.tgz$/.test(name))!;
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'vendor-app', version: '1.0.0', private: true }));
    await run('npm', ['install', join(work, tarball), '--no-audit', '--no-fund', '--prefer-offline'], {
      cwd: project,
      env: cleanEnv(),
      timeout: 120_000,
    });
    writeFileSync(join(project, 'check.mjs'), ESM);
    writeFileSync(join(project, 'check.cjs'), CJS);

    server = await serverStarting;
    await call('POST', '/v1/products', { code: 'studio', name: 'Studio' });
    for (const [code, type] of [
      ['export', 'boolean'],
      ['cloud', 'boolean'],
      ['projects', 'numeric'],
    ])
      await call('POST', '/v1/products/studio/features', { code, name: code, type });
    await call('POST', '/v1/offerings', {
      productId: 'studio',
      code: 'pro',
      name: 'Pro',
      licenseModel: 'subscription',
      term: 'P1Y',
      seats: 2,
      leasePeriod: 'P7D',
      features: { export: true, projects: 3 },
    });
    const customer = await call('POST', '/v1/customers', { name: 'Packed Customer' });
    const entitlement = await call('POST', '/v1/entitlements', { customerId: customer.id, offeringId: 'pro' });
    input = {
      serverUrl: server.url,
      key: entitlement.key,
      publicKeys: (await api(server.url, null, 'GET', '/.well-known/jwks.json')).body,
    };
  }, 180_000);

  afterAll(() => {
    killAll();
    removeDir(dataDir);
    removeDir(work);
  });

  it('the tarball holds the build, the README and the LICENSE, and no sources or tests', async () => {
    const { stdout } = await run('tar', ['-tzf', join(work, tarball)]);
    const files = stdout.trim().split('\n').sort();
    expect(files).toEqual([
      'package/LICENSE',
      'package/README.md',
      'package/dist/index.cjs',
      'package/dist/index.d.cts',
      'package/dist/index.d.ts',
      'package/dist/index.js',
      'package/package.json',
    ]);
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules', '@leasehold', 'sdk', 'package.json'), 'utf8'));
    expect(manifest.dependencies).toEqual({ typebox: expect.any(String) });
    expect(manifest.devDependencies).not.toHaveProperty('typebox');
  });

  it('installs without TypeScript, tsx or the contract, and its JavaScript loads only Node built-ins', () => {
    const installed = readdirSync(join(project, 'node_modules')).filter((name) => !name.startsWith('.'));
    expect(installed.sort()).toEqual(['@leasehold', 'typebox']);
    expect(readdirSync(join(project, 'node_modules', '@leasehold'))).toEqual(['sdk']);
    for (const tool of ['typescript', 'tsx', 'esbuild', 'tsup']) expect(existsSync(join(project, 'node_modules', tool))).toBe(false);
    // The bundled contract's schemas (and so typebox) stay out of the runtime: typebox is there for the declarations.
    for (const file of ['index.js', 'index.cjs']) {
      const code = readFileSync(join(project, 'node_modules', '@leasehold', 'sdk', 'dist', file), 'utf8');
      const specifiers = [...code.matchAll(/(?:from |require\()\s*["']([^"']+)["']/g)].map((m) => m[1]);
      expect(specifiers.length).toBeGreaterThan(0);
      expect(specifiers.filter((s) => !s!.startsWith('node:'))).toEqual([]);
    }
  });

  it('activates from ESM and from CommonJS, then runs from the cache with the server gone', async () => {
    const installedAt = `${join(project, 'node_modules', '@leasehold', 'sdk', 'dist')}${sep}`;
    const [esm, cjs] = await Promise.all([consumer('check.mjs', 'activate', 'esm'), consumer('check.cjs', 'activate', 'cjs')]);
    expect(fileURLToPath(esm.resolved)).toBe(`${installedAt}index.js`);
    expect(cjs.resolved).toBe(`${installedAt}index.cjs`);
    for (const report of [esm, cjs]) {
      expect(report).toMatchObject({
        opened: 'NO_LICENSE',
        code: 'VALID',
        valid: true,
        online: true,
        export: true,
        cloud: false,
        projects: 3,
      });
      expect(report.activationId).toMatch(/^act_/);
      expect(Date.parse(report.expiresAt) - Date.now()).toBeGreaterThan(6 * 24 * 3600_000);
    }
    expect(esm.activationId).not.toBe(cjs.activationId);

    await server.stop();
    const [esmAgain, cjsAgain] = await Promise.all([consumer('check.mjs', 'reopen', 'esm'), consumer('check.cjs', 'reopen', 'cjs')]);
    for (const [before, after] of [
      [esm, esmAgain],
      [cjs, cjsAgain],
    ] as const) {
      expect(after).toMatchObject({
        opened: 'VALID',
        code: 'VALID',
        valid: true,
        online: false,
        export: true,
        cloud: false,
        projects: 3,
        activationId: before.activationId,
        expiresAt: before.expiresAt,
        refresh: { refreshed: false, code: 'OFFLINE' },
        offlineError: { isLeaseholdError: true, code: 'OFFLINE' },
      });
    }
  });
});
