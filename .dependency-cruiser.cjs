/**
 * The boundaries of Leasehold's code, held by the linter (`npm run lint` runs this) rather than by
 * habit. README "Working on Leasehold" describes the layout these rules keep true: in the server,
 * each capability (and face) folder holds its rules at the top, its HTTP routes in routes/ and its
 * repositories in store/; platform/ holds what they all stand on.
 */
const SRC = '^packages/server/src/';
const HTTP = `${SRC}((capabilities|faces)/[^/]+/routes|platform/http)/`;
const STORE = `${SRC}((capabilities|faces)/[^/]+/store|platform/store)/`;
// Rules ("domain"): a capability's files outside routes/ and store/, and platform/domain.
const DOMAIN = `${SRC}((capabilities|faces)/[^/]+/|platform/domain/)`;
const NOT_DOMAIN = ['/routes/', '/store/', '/capability\\.ts$'];
// What the domain lends the store: its records and the ports the store implements.
const DOMAIN_TYPES = '/(model|records|ports)\\.ts$';

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
      comment: 'Rules serve HTTP, jobs and the CLI alike: they know nothing of HTTP or Fastify.',
      from: { path: DOMAIN, pathNot: NOT_DOMAIN },
      to: { path: [HTTP, '^node_modules/(fastify|@fastify)'] },
    },
    {
      name: 'domain-not-to-kysely',
      severity: 'error',
      comment: 'Rules write no SQL; they call the repositories the store implements.',
      from: { path: DOMAIN, pathNot: NOT_DOMAIN },
      to: { path: '^node_modules/(kysely|pg|better-sqlite3)' },
    },
    {
      name: 'domain-not-to-store',
      severity: 'error',
      comment:
        'Rules ask storage for what they need through the ports they own (<capability>/ports.ts, platform/domain/ports.ts); they import no store code, not even its types.',
      from: { path: DOMAIN, pathNot: NOT_DOMAIN },
      to: { path: STORE },
    },
    {
      name: 'store-not-to-rules',
      severity: 'error',
      comment:
        'The store implements what the rules ask of it: it may name their records and ports (types), never run their code; it raises its own StoreConflict, which the domain turns into its errors.',
      from: { path: STORE },
      to: { path: DOMAIN, pathNot: NOT_DOMAIN, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'store-names-records-and-ports',
      severity: 'error',
      comment:
        'Of the domain, the store sees only the records (platform/domain/model.ts, <folder>/records.ts) and the ports it implements (ports.ts), not the rules.',
      from: { path: STORE },
      to: { path: DOMAIN, pathNot: [...NOT_DOMAIN, DOMAIN_TYPES] },
    },
    {
      name: 'core-not-to-faces',
      severity: 'error',
      comment: 'Faces translate another protocol onto the core; the core knows nothing of them.',
      from: { path: `${SRC}capabilities/` },
      to: { path: `${SRC}faces/` },
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
