// Builds the console unless dist/ is newer than every source file, so `npm install` and `npm start`
// serve an up-to-date console without rebuilding (about 20 s) when nothing changed.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const built = join(here, 'dist', 'index.html');
const builtPortal = join(here, 'dist', 'portal.html');

function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const sources = ['src', 'index.html', 'portal.html', 'vite.config.ts', 'package.json'].map((p) => join(here, p)).filter(existsSync);
const fresh = existsSync(built) && existsSync(builtPortal) && statSync(built).mtimeMs >= Math.max(...sources.map(newest));
if (fresh && !process.argv.includes('--force')) process.exit(0);

if (!existsSync(join(here, 'node_modules', '.bin', 'vite')) && !existsSync(join(here, '..', '..', 'node_modules', '.bin', 'vite'))) {
  console.error('leasehold: vite is not installed; run `npm install` to build the console.');
  process.exit(0); // the server still starts and tells how to build the console
}
console.log('leasehold: building the console (packages/console/dist)…');
const run = spawnSync('npx', ['--no-install', 'vite', 'build', '--logLevel', 'warn'], { cwd: here, stdio: 'inherit' });
process.exit(run.status ?? 1);
