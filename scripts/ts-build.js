// The TypeScript packages that run as built JavaScript: contract, server and cli compile with
// `tsc -b tsconfig.build.json` into their dist/ (docs/architecture.md, "Building").
//
//   node scripts/ts-build.js            builds when a source is newer than its build (npm install, npm start)
//   node scripts/ts-build.js --check    exits 1 naming the stale package, builds nothing
//
// The bin (packages/cli/bin/leasehold.js) imports staleBuilds() to refuse to run old code from a
// checkout whose sources changed after the last build.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const PROJECTS = ['packages/contract', 'packages/server', 'packages/cli'];

/** The newest file under path (a file or a directory), as [mtime in whole ms, path]. */
function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return [Math.floor(s.mtimeMs), path];
  let best = [0, path];
  for (const name of readdirSync(path)) {
    const found = newest(join(path, name));
    if (found[0] > best[0]) best = found;
  }
  return best;
}

/**
 * The packages whose build is missing or older than one of their inputs (a source file, their
 * tsconfig.build.json, the root tsconfig.json), each with a sentence saying why. tsc writes
 * dist/.tsbuildinfo at the end of every build, and touches it when an input changed only its
 * timestamp, so that file's time is the time of the last build.
 */
export function staleBuilds(root = ROOT) {
  const stale = [];
  for (const project of PROJECTS) {
    const dir = join(root, project);
    const stamp = join(dir, 'dist', '.tsbuildinfo');
    if (!existsSync(stamp)) {
      stale.push({ project, reason: `${project} is not built` });
      continue;
    }
    const built = Math.floor(statSync(stamp).mtimeMs);
    const inputs = [join(dir, 'src'), join(dir, 'tsconfig.build.json'), join(root, 'tsconfig.json')].filter(existsSync);
    const [changed, file] = inputs.map(newest).reduce((a, b) => (b[0] > a[0] ? b : a));
    if (changed > built) stale.push({ project, reason: `${relative(root, file)} changed after the last build of ${project}` });
  }
  return stale;
}

function build() {
  let tsc;
  try {
    tsc = createRequire(join(ROOT, 'package.json')).resolve('typescript/bin/tsc');
  } catch {
    console.error('leasehold: TypeScript is not installed; run `npm install` (with dev dependencies) to build.');
    return 1;
  }
  console.log('leasehold: building contract, server and cli (tsc -b)…');
  const run = spawnSync(process.execPath, [tsc, '-b', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
  return run.status ?? 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const stale = staleBuilds();
  if (process.argv.includes('--check')) {
    for (const { reason } of stale) console.error(`leasehold: ${reason}`);
    process.exit(stale.length ? 1 : 0);
  }
  process.exit(stale.length === 0 && !process.argv.includes('--force') ? 0 : build());
}
