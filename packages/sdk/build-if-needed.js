// Builds dist/ (tsup) unless it is newer than every source it is made of, so that `npm install`
// and `npm pack` leave an up-to-date build without spending ~10 s on one when nothing changed.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const contract = join(here, '..', 'contract');
const outputs = ['index.js', 'index.cjs', 'index.d.ts', 'index.d.cts'].map((name) => join(here, 'dist', name));

function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

// The contract is bundled in, so its sources count too.
const sources = [
  join(here, 'src'),
  join(here, 'package.json'),
  join(here, 'tsup.config.ts'),
  join(here, 'tsconfig.build.json'),
  join(contract, 'src'),
  join(contract, 'package.json'),
].filter(existsSync);
const fresh = outputs.every(existsSync) && Math.min(...outputs.map((p) => statSync(p).mtimeMs)) >= Math.max(...sources.map(newest));
if (fresh && !process.argv.includes('--force')) process.exit(0);

if (!existsSync(join(here, 'node_modules', '.bin', 'tsup')) && !existsSync(join(here, '..', '..', 'node_modules', '.bin', 'tsup'))) {
  // --optional (the root `npm install`): a production install without dev tools goes on without it.
  console.error('leasehold: tsup is not installed; run `npm install` to build the SDK.');
  process.exit(process.argv.includes('--optional') ? 0 : 1);
}
console.log('leasehold: building the SDK (packages/sdk/dist)…');
const run = spawnSync('npx', ['--no-install', 'tsup', '--silent'], { cwd: here, stdio: 'inherit' });
process.exit(run.status ?? 1);
