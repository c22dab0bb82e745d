import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIG_TABLE } from '../../src/config.js';
import { childEnv, freePort, REPO_ROOT, removeDir, tempDataDir } from '../support/processes.js';

const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

function section(title: string): string {
  const start = readme.indexOf(`\n## ${title}\n`);
  expect(start, `README.md has a "## ${title}" section`).toBeGreaterThanOrEqual(0);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

describe('README.md', () => {
  it('documents exactly the settings in CONFIG_TABLE, with their defaults and meanings', () => {
    const rows = section('Configuration')
      .split('\n')
      .filter((line) => line.startsWith('| `'));
    expect(rows).toEqual(CONFIG_TABLE.map((c) => `| \`${c.name}\` | \`${c.default}\` | ${c.meaning} |`));
  });

  it('gives npm install then npm start as the quick start, and npm test for the tests', () => {
    expect(section('Quick start')).toContain('```sh\nnpm install\nnpm start\n```');
    expect(section('Tests')).toContain('```sh\nnpm test\n```');
  });
});

describe('the quick start', () => {
  const dataDir = tempDataDir();
  afterAll(() => removeDir(dataDir));

  it('npm start builds what is out of date and serves /healthz from the built CLI on a fresh data directory', async () => {
    const port = await freePort();
    // npm runs the script through sh, which does not pass signals on: the whole group is stopped.
    const npm = spawn('npm', ['start'], {
      cwd: REPO_ROOT,
      env: childEnv({ HOST: '127.0.0.1', PORT: String(port), LEASEHOLD_DATA_DIR: dataDir }),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    npm.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    npm.stderr!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    try {
      let status = 0;
      for (const deadline = Date.now() + 90_000; status !== 200 && npm.exitCode === null && Date.now() < deadline;) {
        status = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) }).then(
          (res) => res.status,
          () => 0,
        );
        if (status !== 200) await new Promise((r) => setTimeout(r, 200));
      }
      expect(status, out).toBe(200);
      expect(out).toContain('node packages/cli/bin/leasehold.js serve');
      expect(out).toMatch(/shown only this once/);
    } finally {
      if (npm.exitCode === null) {
        const exited = new Promise((resolveExit) => npm.once('exit', resolveExit));
        process.kill(-npm.pid!, 'SIGTERM');
        await exited;
      }
    }
  }, 120_000);
});
