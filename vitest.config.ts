import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// The SDK keeps a second mark of trusted time under XDG_STATE_HOME; tests that open it without a
// timeMarkDir of their own write there, never into the home directory of the machine running them.
const stateHome = mkdtempSync(join(tmpdir(), 'leasehold-test-state-'));

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    env: { XDG_STATE_HOME: stateHome },
  },
});
