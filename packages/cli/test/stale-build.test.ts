import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, removeDir } from '../../server/test/support/processes.js';

/**
 * A build older than its sources never runs silently: the bin refuses and says to run
 * `npm run build`, and scripts/ts-build.js (what npm install and npm start run) rebuilds. Tried on a
 * small copy of the workspace — the real bin, build script and tsconfig files, with three tiny
 * packages — so editing its sources does not disturb the other tests, which run the real dist/.
 */

let root: string;

function write(path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

function copy(path: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  copyFileSync(join(REPO_ROOT, path), join(root, path));
}

function node(args: string[]) {
  return spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 120_000 });
}

const leasehold = () => node(['packages/cli/bin/leasehold.js']);
const buildIfNeeded = () => node(['scripts/ts-build.js']);

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'leasehold-stale-'));
  write('package.json', JSON.stringify({ type: 'module', private: true }));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'));
  for (const path of [
    'tsconfig.json',
    'tsconfig.build.json',
    'scripts/ts-build.js',
    'packages/cli/bin/leasehold.js',
    ...['contract', 'server', 'cli'].map((p) => `packages/${p}/tsconfig.build.json`),
  ])
    copy(path);
  write('packages/contract/src/index.ts', "export const name = 'contract';\n");
  write('packages/server/src/index.ts', "export const greeting = 'hello';\n");
  write('packages/cli/src/main.ts', "console.log('the built cli says hello');\n");
});

afterAll(() => removeDir(root));

describe('a build older than its sources', () => {
  it('is refused before the first build, then runs once scripts/ts-build.js has built it', () => {
    const before = leasehold();
    expect(before.status).toBe(1);
    expect(before.stdout).toBe('');
    expect(before.stderr).toContain('packages/contract is not built');
    expect(before.stderr).toContain('run `npm run build`');

    const build = buildIfNeeded();
    expect(build.status, build.stderr).toBe(0);
    expect(build.stdout).toContain('building contract, server and cli');
    expect(leasehold().stdout).toBe('the built cli says hello\n');

    // Up to date: nothing to build.
    const again = buildIfNeeded();
    expect(again.status).toBe(0);
    expect(again.stdout).toBe('');
  });

  it('after a source edit, is refused naming the file, and runs the new code once rebuilt', () => {
    write('packages/server/src/index.ts', "export const greeting = 'hello, edited';\n");
    const refused = leasehold();
    expect(refused.status).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('packages/server/src/index.ts changed after the last build of packages/server');
    const check = node(['scripts/ts-build.js', '--check']);
    expect(check.status).toBe(1);
    expect(check.stderr).toContain('packages/server/src/index.ts');

    expect(buildIfNeeded().status).toBe(0);
    expect(readFileSync(join(root, 'packages/server/dist/index.js'), 'utf8')).toContain('hello, edited');
    expect(leasehold().status).toBe(0);

    write('packages/cli/src/main.ts', "console.log('the built cli says hello again');\n");
    expect(leasehold().status).toBe(1);
    expect(buildIfNeeded().status).toBe(0);
    expect(leasehold().stdout).toBe('the built cli says hello again\n');
    expect(node(['scripts/ts-build.js', '--check']).status).toBe(0);
  });
});
