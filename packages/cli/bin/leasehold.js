#!/usr/bin/env node
// Runs the TypeScript entry point through tsx, so the CLI works straight from a checkout.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
// tsx is resolved from here, not from the working directory, so the bin runs from anywhere.
const child = spawn(
  process.execPath,
  ['--import', import.meta.resolve('tsx'), join(here, '..', 'src', 'main.ts'), ...process.argv.slice(2)],
  {
    stdio: 'inherit',
  },
);

// A process manager stops `leasehold serve` by signalling this process: pass the signal on so the
// server shuts down gracefully instead of being orphaned. Ctrl-C already reaches the child through
// the terminal's process group, and a second SIGINT would force it to exit, so SIGINT is not forwarded.
for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
process.on('SIGINT', () => {});

child.on('exit', (code) => process.exit(code ?? 1));
