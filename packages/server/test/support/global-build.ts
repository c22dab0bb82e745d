import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './processes.js';

/**
 * Vitest global setup: the end-to-end tests run the `leasehold` command as it ships, the built
 * JavaScript in dist/, so the build is brought up to date with the sources before any test runs
 * (nothing to do, in a few milliseconds, when it already is; an incremental `tsc -b` otherwise).
 */
export default function buildBeforeTests(): void {
  const run = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'ts-build.js')], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (run.status !== 0) throw new Error(`building the packages failed (exit ${run.status}); the end-to-end tests need dist/`);
}
