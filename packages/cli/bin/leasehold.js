#!/usr/bin/env node
// Runs the built CLI (dist/main.js) in this process, with plain node: no TypeScript loader.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

// In a checkout of the workspace, refuse to run a build older than the sources: a developer who
// edited a file and forgot to rebuild would otherwise run yesterday's code without knowing it.
// (`npm start` rebuilds first; an installed package has no workspace and skips this.)
const workspaceBuild = join(here, '..', '..', '..', 'scripts', 'ts-build.js');
if (existsSync(workspaceBuild)) {
  const { staleBuilds } = await import(pathToFileURL(workspaceBuild).href);
  const stale = staleBuilds();
  if (stale.length > 0) {
    for (const { reason } of stale) process.stderr.write(`leasehold: ${reason}.\n`);
    process.stderr.write('leasehold: run `npm run build` (or `npm start`, which builds first), then try again.\n');
    process.exit(1);
  }
}

await import(pathToFileURL(join(here, '..', 'dist', 'main.js')).href);
