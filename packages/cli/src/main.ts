import cluster from 'node:cluster';
import { readFileSync, writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import type * as Contract from '@leasehold/contract';
import type { Role } from '@leasehold/contract';
import type * as Core from '@leasehold/server';
import type { Config, OfflineActivationRequest } from '@leasehold/server';
import { registerMigrateOffering } from './migrate-offering.js';
import { registerReleaseCommands } from './releases.js';
import { ApiFailure, registerSupportCommands } from './support.js';
import { importCsvFile, importKeygenFile, registerCatalogCommands, type CsvImportOptions } from './imports.js';

/**
 * `leasehold` — the operator's command line. Commands that touch data open the database named by
 * the same environment as the server (DATABASE_URL or LEASEHOLD_DATA_DIR), so they work on a
 * stopped server and in automation.
 */
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command()
  .name('leasehold')
  .version(version)
  .description('Leasehold licensing server: serve, migrate, manage API keys')
  .showHelpAfterError()
  // Replaces commander's implicit `help <command>`, which prints without running the hook below.
  .helpCommand(false);

// `--version` and `--help` answer from commander alone. The server and the contract (most of a
// second of imports) load once a command is dispatched: every command's options, help and action
// run after this hook.
let core: typeof Core;
let contract: typeof Contract;
program.hook('preSubcommand', async () => {
  [core, contract] = await Promise.all([import('@leasehold/server'), import('@leasehold/contract')]);
});

program
  .command('serve')
  .description('Run the server (applies migrations; creates the first account on an empty database)')
  .addHelpText(
    'after',
    () => '\nEnvironment:\n' + core.CONFIG_TABLE.map((c) => `  ${c.name.padEnd(22)} ${c.meaning} (default ${c.default})`).join('\n'),
  )
  .option('--workers <n>', 'server processes sharing the port (default LEASEHOLD_WORKERS, or 1)')
  .action(async (opts: { workers?: string }) => {
    const config = core.loadConfig(opts.workers === undefined ? process.env : { ...process.env, LEASEHOLD_WORKERS: opts.workers });
    if (config.workers > 1 && cluster.isPrimary) return servePrimary(config);
    const server = await core.serve(config);
    let signals = 0;
    const shutdown = (signal: string) => {
      if (++signals > 1) process.exit(1);
      process.stderr.write(`\n${signal}: finishing in-flight requests…\n`);
      server.stop().then(
        () => process.exit(0),
        (err) => {
          process.stderr.write(`shutdown failed: ${String(err)}\n`);
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
  });

/**
 * `serve --workers N`: this process migrates and creates the first account once, then starts N
 * workers (node:cluster) that each run the whole server (background jobs included, which are safe
 * across processes) on the shared port. A worker that dies is replaced; SIGINT/SIGTERM reach every
 * worker, which finish their in-flight requests.
 */
async function servePrimary(config: Config): Promise<void> {
  const started = await core.openServices(config);
  const firstAccount = started.firstAccount;
  await started.close();
  // A scrape of /metrics reaches one worker, which asks this process for every worker's metrics.
  core.aggregateClusterMetrics();
  let stopping = false;
  let failed = false;
  let listening = 0;
  let live = 0;
  const fork = () => {
    live++;
    cluster.fork();
  };
  cluster.on('listening', (_worker, address) => {
    if (++listening !== config.workers) return;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    const url = `http://${host}:${address.port}`;
    process.stdout.write(`leasehold: ${config.workers} workers listening on ${url}\n`);
    if (firstAccount) process.stdout.write(core.firstStartBanner(firstAccount, url));
  });
  cluster.on('exit', (worker, code, signal) => {
    live--;
    if (stopping) {
      if (live === 0) process.exit(failed ? 1 : 0);
      return;
    }
    if (listening < config.workers) {
      process.stderr.write(`a worker exited (${signal ?? code}) before the server was up; stopping\n`);
      stopping = failed = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
      if (live === 0) process.exit(1);
      return;
    }
    process.stderr.write(`worker ${worker.process.pid} exited (${signal ?? code}); starting another\n`);
    fork();
  });
  // Ctrl-C reaches the workers through the terminal's process group; SIGTERM is passed on.
  process.on('SIGINT', () => (stopping = true));
  process.on('SIGTERM', () => {
    if (stopping) process.exit(1);
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
  });
  for (let i = 0; i < config.workers; i++) fork();
}

program
  .command('migrate')
  .description('Apply pending database migrations and exit')
  .action(async () => {
    const database = core.openDatabase(core.databaseConfigOf(core.loadConfig()));
    try {
      const applied = await core.migrateToLatest(database);
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'the database is up to date\n');
    } finally {
      await database.close();
    }
  });

const reports = program.command('reports').description('The reporting store (DuckDB, fed from the event log)');
reports
  .command('rebuild')
  .description(
    'Empty the reporting store and project the whole event log into it again (stop the server first: one process holds the file)',
  )
  .action(async () => {
    const config = core.loadConfig();
    await requireAnAccount(config);
    const started = await core.openServices(config);
    try {
      const t0 = Date.now();
      const events = await core.rebuildReports(started.services);
      process.stdout.write(`rebuilt the reporting store from ${events} events in ${Date.now() - t0} ms\n`);
    } finally {
      await started.close();
    }
  });

program
  .command('backup')
  .argument('<file>', 'the new backup file (never overwritten)')
  .description('Copy the embedded database consistently while the server runs (SQLite online backup); the master key is not in it')
  .action(async (file: string) => {
    const out = await core.backupDatabase(core.loadConfig(), file);
    process.stdout.write(
      `backed up to ${out.file} (${out.bytes} bytes, ${out.migrations} migrations)\n` +
        "The master key is not in the backup: keep LEASEHOLD_MASTER_KEY or the data directory's master.key safe apart from it.\n",
    );
  });

program
  .command('restore')
  .argument('<file>', 'a backup made by `leasehold backup`')
  .option('--force', 'restore although the database looks in use (only when the server is surely stopped)')
  .description('Check a backup (integrity, migration history, master key) and put it in place of the database of a stopped server')
  .action((file: string, opts: { force?: boolean }) => {
    const out = core.restoreDatabase(core.loadConfig(), file, { force: opts.force ?? false });
    process.stdout.write(
      `restored ${file} to ${out.file} (${out.migrations} migrations)` +
        (out.previous ? `; the database that was there is kept as ${out.previous}` : '') +
        '\nStart the server to apply any newer migrations.\n',
    );
  });

program
  .command('openapi')
  .description('Write the OpenAPI document the server serves at /openapi.json, for client generators (no database or port needed)')
  .option('--out <file>', 'where to write it (default: standard output)')
  .option('--server-url <url>', "the document's server URL (default LEASEHOLD_PUBLIC_URL, or relative)")
  .action(async (opts: { out?: string; serverUrl?: string }) => {
    const publicUrl = opts.serverUrl ?? core.loadConfig().publicUrl ?? undefined;
    const text = JSON.stringify(await core.openapiDocument({ publicUrl }), null, 2) + '\n';
    if (opts.out) writeFileSync(opts.out, text);
    else process.stdout.write(text);
  });

function role(value: string): Role {
  if (!(contract.ROLES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`role must be one of ${contract.ROLES.join(', ')}`);
  return value as Role;
}

const apiKeys = program.command('api-keys').description('API keys: create in the database; list and revoke over the API');
apiKeys
  .command('create')
  .description('Create an API key and print it (shown once)')
  .requiredOption('--name <name>', 'what the key is for')
  .option('--role <role>', 'what the key may do (the roles are listed below)', role, 'admin' as Role)
  .addHelpText('after', () => `\nRoles: ${contract.ROLES.join(', ')}`)
  .option('--product <id-or-code>', 'limit the key to one product')
  .option('--account <id>', 'the account (default: the only one)')
  .action(async (opts: { name: string; role: Role; product?: string; account?: string }) => {
    const config = core.loadConfig();
    await requireAnAccount(config);
    const started = await core.openServices(config);
    try {
      const { services } = started;
      const accountId = opts.account ?? (await onlyAccount(services.store));
      const ctx = {
        store: services.store.forAccount({ accountId, productId: null }),
        clock: services.clock,
        ids: services.ids,
        secrets: services.secrets,
        actor: { type: 'system' as const, id: 'cli' },
        requestId: null,
      };
      const { record, token } = await core.createApiKey(ctx, { name: opts.name, role: opts.role, productId: opts.product ?? null });
      process.stdout.write(`${token}\n`);
      process.stderr.write(
        `created ${record.id} (${record.role}${record.productId ? `, product ${record.productId}` : ''}) in ${accountId}\n`,
      );
    } finally {
      await started.close();
    }
  });

program
  .command('export')
  .description(
    'Write the whole account (catalog, customers, entitlements with keys and history, activations, leases, partners and codes, key generators, events) as JSON Lines; its secrets are sealed under a passphrase',
  )
  .argument('<file>', 'the JSON Lines file to write (never overwritten)')
  .option('--account <id>', 'the account (default: the only one)')
  .option('--passphrase-file <file>', 'a file holding the passphrase the secrets are sealed under (default: $LEASEHOLD_EXPORT_PASSPHRASE)')
  .action(async (file: string, opts: { account?: string; passphraseFile?: string }) => {
    const passphrase = exportPassphrase(opts.passphraseFile);
    const config = core.loadConfig();
    const started = await core.openServices(config);
    try {
      const ctx = cliContext(started.services, opts.account ?? (await onlyAccount(started.services.store)));
      const lines: string[] = [];
      for await (const line of core.exportAccount(ctx, { passphrase })) lines.push(JSON.stringify(line));
      writeFileSync(file, lines.join('\n') + '\n', { flag: 'wx', mode: 0o600 });
      process.stderr.write(`exported ${lines.length} records to ${file}\n`);
    } finally {
      await started.close();
    }
  });

program
  .command('import')
  .description(
    'Restore a `leasehold export` file into an empty account of this database (SQLite or PostgreSQL), in one transaction; or import a CSV file (customers, entitlements, activations) or a Keygen export (--from keygen) over the API',
  )
  .argument('<file>', 'a file written by `leasehold export`, a .csv file, or a Keygen export (JSON:API)')
  .option('--account <id>', 'the account (default: the only one)')
  .option('--kind <kind>', 'what the CSV holds: customers, entitlements or activations (default: the word in the file name)')
  .option('--from <system>', 'the file is an export of another system: keygen')
  .option('--dry-run', 'CSV or Keygen: say what would be created, updated and refused; change nothing')
  .option('--report <file>', 'CSV: where to write the refused rows (default: <file>.errors.csv)')
  .option('--url <url>', 'CSV or Keygen: the server (default: $LEASEHOLD_URL, or HOST and PORT of the configuration)')
  .option('--api-key <key>', 'CSV or Keygen: API key (default: $LEASEHOLD_API_KEY)')
  .option('--json', 'CSV or Keygen: print the whole report as JSON')
  .option('--passphrase-file <file>', 'an export: the file holding its passphrase (default: $LEASEHOLD_EXPORT_PASSPHRASE)')
  .action(async (file: string, opts: { account?: string; from?: string; passphraseFile?: string } & CsvImportOptions) => {
    if (opts.from !== undefined && opts.from !== 'keygen') throw new Error(`--from ${opts.from}: the importers are for keygen`);
    if (opts.from === 'keygen') return importKeygenFile(file, opts, serverUrl);
    if (/\.csv$/i.test(file) || opts.kind) return importCsvFile(file, opts, serverUrl);
    const config = core.loadConfig();
    await requireAnAccount(config);
    const started = await core.openServices(config);
    try {
      const ctx = cliContext(started.services, opts.account ?? (await onlyAccount(started.services.store)));
      const text = readFileSync(file, 'utf8');
      const lines = text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Core.ExportLine);
      const sealed = lines[0]?.kind === 'header';
      const counts = await core.importAccount(ctx, lines, sealed ? { passphrase: exportPassphrase(opts.passphraseFile) } : {});
      process.stdout.write(
        Object.entries(counts)
          .map(([kind, n]) => `${kind.padEnd(12)} ${n}`)
          .join('\n') + '\n',
      );
    } finally {
      await started.close();
    }
  });

/** The passphrase an export's secrets are sealed under: from a file (its first line) or the environment. */
function exportPassphrase(file: string | undefined): string {
  const passphrase = file !== undefined ? readFileSync(file, 'utf8').split('\n')[0]! : process.env['LEASEHOLD_EXPORT_PASSPHRASE'];
  if (!passphrase)
    throw new Error('give the export passphrase with --passphrase-file or LEASEHOLD_EXPORT_PASSPHRASE (12 characters or more)');
  return passphrase;
}

function cliContext(services: Core.Services, accountId: string) {
  return {
    store: services.store.forAccount({ accountId, productId: null }),
    clock: services.clock,
    ids: services.ids,
    secrets: services.secrets,
    actor: { type: 'system' as const, id: 'cli' },
    requestId: null,
  };
}

program
  .command('accounts')
  .description('Manage accounts (tenants)')
  .command('create')
  .description('Create an account and print its first admin key')
  .requiredOption('--name <name>', 'the vendor name')
  .action(async (opts: { name: string }) => {
    const config = core.loadConfig();
    await requireAnAccount(config);
    const started = await core.openServices(config);
    try {
      const clock = core.systemClock;
      const account = await core.createAccount({ ...started.services, clock, ids: new core.UlidGenerator(clock) }, opts.name);
      process.stdout.write(`${account.adminKey}\n`);
      process.stderr.write(`created account ${account.accountId}\n`);
    } finally {
      await started.close();
    }
  });

program
  .command('offline')
  .description('Offline activation for air-gapped devices')
  .command('activate')
  .description("Answer a device's activation request file (written by the SDK) with a signed response file")
  .argument('<request-file>', 'the JSON file the SDK wrote (License.writeOfflineRequest)')
  .option('--out <file>', 'where to write the response (default: standard output)')
  .option('--account <id>', 'the account (default: the only one)')
  .action(async (requestFile: string, opts: { out?: string; account?: string }) => {
    const request = JSON.parse(readFileSync(requestFile, 'utf8')) as OfflineActivationRequest;
    if (request?.format !== 'leasehold-offline-request' || request.v !== 1)
      throw new Error(`${requestFile} is not an offline activation request`);
    const config = core.loadConfig();
    await requireAnAccount(config);
    const started = await core.openServices(config);
    try {
      const { services } = started;
      const accountId = opts.account ?? (await onlyAccount(services.store));
      const ctx = {
        store: services.store.forAccount({ accountId, productId: null }),
        clock: services.clock,
        ids: services.ids,
        secrets: services.secrets,
        keyring: services.keyring,
        actor: { type: 'system' as const, id: 'cli' },
        requestId: null,
        findLicense: (hash: string) => services.store.findEntitlementByKeyHash(hash),
      };
      const answer = await core.answerOfflineActivation(ctx, request);
      const file = JSON.stringify(core.offlineResponseFile(answer, services.clock.now()), null, 2) + '\n';
      if (opts.out) writeFileSync(opts.out, file, { mode: 0o600 });
      else process.stdout.write(file);
      process.stderr.write(
        `${answer.created ? 'activated' : 'renewed'} ${answer.activationId}; lease ${answer.lease.record.id} until ${new Date(answer.lease.record.expiresAt).toISOString()}\n`,
      );
    } finally {
      await started.close();
    }
  });

/**
 * Opening the services on an empty database creates the first account, whose generated admin key
 * only `serve` prints; a command run before the first start would lose that key, so it refuses
 * instead (unless LEASEHOLD_ADMIN_KEY names the key to seed).
 */
async function requireAnAccount(config: Config): Promise<void> {
  if (config.adminKey !== null) return;
  const database = core.openDatabase(core.databaseConfigOf(config));
  try {
    await core.migrateToLatest(database);
    if ((await core.storeOf(database).accountCount()) === 0) {
      throw new Error(
        'there is no account yet: start the server once (npm start or leasehold serve); it creates the first account and prints its admin key',
      );
    }
  } finally {
    await database.close();
  }
}

async function onlyAccount(store: { accountIds(limit: number): Promise<string[]> }): Promise<string> {
  const ids = await store.accountIds(2);
  if (ids.length !== 1)
    throw new Error(ids.length === 0 ? 'there is no account yet; start the server once' : 'there are several accounts; pass --account');
  return ids[0]!;
}

const serverUrl = () => {
  const config = core.loadConfig();
  return process.env['LEASEHOLD_URL'] ?? `http://${config.host}:${config.port}`;
};
registerMigrateOffering(program, serverUrl);
registerSupportCommands(program, serverUrl);
registerCatalogCommands(program, serverUrl);
registerReleaseCommands(program, serverUrl);

program
  .command('help')
  .description('display help for command')
  .argument('[command]')
  .action((name?: string) => {
    const command = name === undefined ? program : program.commands.find((c) => c.name() === name || c.aliases().includes(name));
    if (!command) return program.error(`error: unknown command '${name}'`);
    command.help();
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`leasehold: ${error instanceof Error ? error.message : String(error)}\n`);
  // The support commands say why in their exit code: 1 refused, 3 not found, 4 server unreachable.
  process.exit(error instanceof ApiFailure ? error.exitCode : 1);
});
