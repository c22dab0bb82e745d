import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, childEnv, killAll, REPO_ROOT, removeDir, startServer, tempDataDir } from '../../server/test/support/processes.js';

/**
 * `leasehold` as it ships: packages/cli/bin/leasehold.js run with plain node loads the built
 * JavaScript in dist/, with no TypeScript loader. A recorder (support/record-imports.js) lists every
 * module a process loads, which shows what ran and what did not.
 */

const RECORDER = join(REPO_ROOT, 'packages', 'cli', 'test', 'support', 'record-imports.js');
const CLI_VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'packages', 'cli', 'package.json'), 'utf8')) as { version: string }).version;
const dirs: string[] = [];

afterAll(() => {
  killAll();
  for (const dir of dirs) removeDir(dir);
});

function recordFile(): string {
  const dir = tempDataDir();
  dirs.push(dir);
  return join(dir, 'imports.txt');
}

function loaded(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

/** Runs `node --import recorder bin <args>` to completion; returns its output and what it loaded. */
function runRecorded(args: string[]) {
  const file = recordFile();
  const run = spawnSync(process.execPath, ['--import', pathToFileURL(RECORDER).href, BIN, ...args], {
    cwd: REPO_ROOT,
    env: childEnv({ LEASEHOLD_RECORD_IMPORTS: file }),
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { ...run, loaded: loaded(file) };
}

const packagesDir = pathToFileURL(join(REPO_ROOT, 'packages')).href + '/';
const ofWorkspace = (urls: string[]) => urls.filter((url) => url.startsWith(packagesDir)).map((url) => url.slice(packagesDir.length));

describe('the built leasehold command', () => {
  it('--version prints the version of @leasehold/cli from dist/, loading nothing of the server or the contract', () => {
    const run = runRecorded(['--version']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toBe(`${CLI_VERSION}\n`);
    expect(ofWorkspace(run.loaded)).toEqual([
      'cli/bin/leasehold.js',
      'cli/dist/main.js',
      'cli/dist/migrate-offering.js',
      'cli/dist/releases.js',
      'cli/dist/support.js',
      'cli/dist/imports.js',
    ]);
    expect(run.loaded.filter((url) => /\/node_modules\/(tsx|typescript|fastify)\//.test(url))).toEqual([]);
  });

  it('--help lists the commands without loading the server either', () => {
    const run = runRecorded(['--help']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Usage: leasehold /);
    for (const command of ['serve', 'migrate', 'api-keys', 'accounts', 'offline', 'migrate-offering', 'help'])
      expect(run.stdout).toContain(`\n  ${command} `);
    expect(ofWorkspace(run.loaded).filter((path) => !path.startsWith('cli/'))).toEqual([]);
  });

  it('serve --help and help serve list the environment, which needs the server loaded', () => {
    for (const args of [
      ['serve', '--help'],
      ['help', 'serve'],
    ]) {
      const run = runRecorded(args);
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toContain('LEASEHOLD_DATA_DIR');
      expect(ofWorkspace(run.loaded)).toContain('server/dist/index.js');
    }
    const unknown = runRecorded(['help', 'nonsense']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("unknown command 'nonsense'");
  });

  it('serve answers /healthz on a fresh SQLite database, running only JavaScript from dist/ and no TypeScript loader', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const file = recordFile();
    const server = await startServer(
      { LEASEHOLD_DATA_DIR: dataDir, LEASEHOLD_RECORD_IMPORTS: file },
      { nodeArgs: ['--import', pathToFileURL(RECORDER).href] },
    );
    try {
      const health = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(5000) });
      expect(health.status).toBe(200);
      expect(server.bannerKey()).toMatch(/^lh_/);

      const workspace = ofWorkspace(loaded(file));
      expect(workspace).toContain('server/dist/index.js');
      expect(workspace).toContain('contract/dist/index.js');
      // Every file of ours that ran is built JavaScript (or the bin); no .ts source, no tsx.
      expect(workspace.filter((path) => !/^(contract|server|cli)\/dist\/.+\.js$/.test(path) && path !== 'cli/bin/leasehold.js')).toEqual(
        [],
      );
      expect(loaded(file).filter((url) => /\.tsx?$|\/node_modules\/(tsx|typescript)\//.test(url))).toEqual([]);
    } finally {
      expect(await server.stop()).toEqual({ code: 0, signal: null });
    }
  });
});
