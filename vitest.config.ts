import { mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// The SDK keeps a second mark of trusted time under XDG_STATE_HOME; tests that open it without a
// timeMarkDir of their own write there, never into the home directory of the machine running them.
const stateHome = mkdtempSync(join(tmpdir(), 'leasehold-test-state-'));

// Tests run the TypeScript sources: @leasehold/* packages resolve through their "@leasehold/source"
// export condition instead of dist/ (docs/architecture.md, "Building").
const SOURCE = '@leasehold/source';

export default defineConfig({
  resolve: { conditions: [SOURCE, ...defaultClientConditions] },
  // Not "module": Node never reads it, and the AWS SDK's "module" builds import without file extensions.
  ssr: { resolve: { conditions: [SOURCE, ...defaultServerConditions.filter((c) => c !== 'module')] } },
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // At least two test files at a time, even on two cores (Vitest's own default is one worker per
    // core but one): most files spend their time waiting on PostgreSQL, Chromium or a server
    // process of their own, so two overlap well. Measured on this 2-core machine: the whole suite in
    // about 11 min with two workers against 22 with one, every test passing. The stress step runs its
    // long variants one file at a time (package.json's test:stress).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    globalSetup: ['packages/server/test/support/global-build.ts'],
    env: { XDG_STATE_HOME: stateHome },
  },
});
