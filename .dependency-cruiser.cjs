/**
 * The boundaries of Leasehold's code, held by the linter (`npm run lint` runs this) rather than by
 * habit. See README "Working on Leasehold" for the layout these rules keep true.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'An import cycle makes a layer impossible to read or test on its own.',
      from: { path: '^packages/[^/]+/src' },
      to: { circular: true },
    },
    {
      name: 'domain-not-to-http',
      severity: 'error',
      comment: 'Domain code serves HTTP, jobs and the CLI alike: it knows nothing of HTTP.',
      from: { path: '^packages/server/src/domain' },
      to: { path: ['^packages/server/src/http', '^node_modules/(fastify|@fastify)'] },
    },
    {
      name: 'domain-not-to-kysely',
      severity: 'error',
      comment: 'Domain code writes no SQL; it calls the ports the store implements.',
      from: { path: '^packages/server/src/domain' },
      to: { path: '^node_modules/(kysely|pg|better-sqlite3)' },
    },
    {
      name: 'domain-not-to-store-runtime',
      severity: 'error',
      comment: 'Domain code may name the store types it is handed, never run store code itself.',
      from: { path: '^packages/server/src/domain' },
      to: { path: '^packages/server/src/store', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'sdk-console-not-to-server',
      severity: 'error',
      comment: 'The SDK and the console talk to the server over the wire; they share only the contract.',
      from: { path: '^packages/(sdk|console)/src' },
      to: { path: '^packages/(server|cli)' },
    },
    {
      name: 'contract-stands-alone',
      severity: 'error',
      comment: 'The contract is wire types and shared rules: no I/O, no other package.',
      from: { path: '^packages/contract/src' },
      to: { path: ['^packages/(server|sdk|console|cli)', '^node_modules/(fastify|kysely|pg|better-sqlite3)'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: ['/test/', '/dist/', '\\.test\\.ts$', '/bench/'] },
  },
};
