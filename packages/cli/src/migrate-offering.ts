import type { Command } from 'commander';

/**
 * `leasehold migrate-offering`: moves entitlements from one offering to another through a running
 * server's API — the dry run printed as a table first, then (with --yes) the migration started
 * and followed with a progress bar until it completes.
 */
interface Options {
  from: string;
  to: string;
  customers?: string;
  platform?: string;
  appVersion?: string;
  removeSeats?: boolean;
  rekey?: boolean;
  rekeyGraceUntil?: string;
  dryRun?: boolean;
  yes?: boolean;
  url: string;
  apiKey?: string;
  interval: string;
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function call(opts: Options, method: string, path: string, body?: unknown): Promise<Json> {
  const key = opts.apiKey ?? process.env['LEASEHOLD_API_KEY'];
  if (!key) throw new Error('set LEASEHOLD_API_KEY (or pass --api-key) to an API key that may write entitlements');
  const res = await fetch(new URL(path, opts.url), {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as Json;
  if (!res.ok) throw new Error(`${json['error']?.code ?? res.status}: ${json['error']?.message ?? 'request failed'}`);
  return json;
}

export function table(rows: Array<[string, string | number]>): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${String(v).padStart(10)}`).join('\n');
}

export function progressBar(done: number, total: number, width = 30): string {
  const share = total === 0 ? 1 : done / total;
  const filled = Math.round(share * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(share * 100)).padStart(3)}%  ${done}/${total}`;
}

/** `defaultUrl` is asked only when the command runs without --url, so help needs no configuration. */
export function registerMigrateOffering(program: Command, defaultUrl: () => string): void {
  program
    .command('migrate-offering')
    .description('Move entitlements from one offering to another: dry run first, then --yes to run it with a progress bar')
    .requiredOption('--from <offering>', 'source offering (id or code)')
    .requiredOption('--to <offering>', 'target offering (id or code)')
    .option('--customers <list>', 'only these customers (comma-separated ids or external references)')
    .option('--platform <name>', 'only entitlements with a live device on this platform')
    .option('--app-version <version>', 'only entitlements with a live device on this application version')
    .option('--remove-seats', 'remove every activation of the migrated entitlements')
    .option('--rekey', 'give each migrated entitlement a new license key')
    .option('--rekey-grace-until <time>', 'old keys keep working until this ISO time (default: 30 days)')
    .option('--dry-run', 'print the impact and stop')
    .option('--yes', 'start the migration after printing the impact')
    .option('--url <url>', 'the server (default: $LEASEHOLD_URL, or HOST and PORT of the configuration)')
    .option('--api-key <key>', 'API key (default: $LEASEHOLD_API_KEY)')
    .option('--interval <ms>', 'progress polling interval', '500')
    .action(async (given: Omit<Options, 'url'> & { url?: string }) => {
      const opts: Options = { ...given, url: given.url ?? defaultUrl() };
      const select: Json = {};
      if (opts.customers)
        select['customers'] = opts.customers
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
      if (opts.platform) select['platform'] = opts.platform;
      if (opts.appVersion) select['version'] = opts.appVersion;
      const request: Json = { sourceOfferingId: opts.from, targetOfferingId: opts.to };
      if (Object.keys(select).length) request['select'] = select;
      if (opts.removeSeats) request['removeSeats'] = true;
      if (opts.rekey) request['rekey'] = true;
      if (opts.rekeyGraceUntil) request['rekeyGraceUntil'] = opts.rekeyGraceUntil;

      const dry = await call(opts, 'POST', '/v1/migrations', { ...request, dryRun: true });
      const i = dry['impact'];
      process.stdout.write(
        `Impact of moving ${opts.from} → ${opts.to}:\n` +
          table([
            ['entitlements', i.entitlements],
            ['customers', i.customers],
            ['devices', i.activations],
            ['seats removed', i.seatsRemoved],
            ['pools over limit', i.poolsOverLimit],
            ['overrides kept', i.overridesKept],
          ]) +
          '\n',
      );
      for (const s of dry['samples'].seatsRemoved)
        process.stdout.write(`  e.g. loses its seat: ${s.fingerprint} (${s.entitlementId}, last seen ${s.lastSeenAt})\n`);
      if (opts.dryRun) return;
      if (!opts.yes) {
        process.stdout.write('Nothing changed. Run again with --yes to start the migration.\n');
        return;
      }

      const started = await call(opts, 'POST', '/v1/migrations', request);
      let m = started['migration'];
      process.stdout.write(`Started ${m.id}\n`);
      const tty = process.stderr.isTTY;
      let lastDecile = -1;
      while (m.state === 'pending' || m.state === 'running') {
        await new Promise((r) => setTimeout(r, Number(opts.interval)));
        m = await call(opts, 'GET', `/v1/migrations/${m.id}`);
        const finished = m.done + m.skipped + m.failed;
        if (tty) process.stderr.write(`\r${progressBar(finished, m.total)}`);
        else if (Math.floor((finished / Math.max(1, m.total)) * 10) !== lastDecile) {
          lastDecile = Math.floor((finished / Math.max(1, m.total)) * 10);
          process.stderr.write(`${progressBar(finished, m.total)}\n`);
        }
      }
      if (tty) process.stderr.write('\n');
      process.stdout.write(
        `${m.id} ${m.state}:\n` +
          table([
            ['entitlements moved', m.done],
            ['skipped', m.skipped],
            ['failed', m.failed],
            ['seats removed', m.result.seatsRemoved ?? 0],
            ['overrides kept', m.result.overridesKept ?? 0],
            ['re-keyed', m.result.rekeyed ?? 0],
          ]) +
          '\n',
      );
      if (m.state !== 'completed') process.exitCode = 1;
    });
}
