import { createReadStream, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { parse as parseYaml } from 'yaml';
import type { Command } from 'commander';
import { columns } from './support.js';
import { progressBar } from './migrate-offering.js';

/**
 * The imports over a running server's API: `leasehold import <file.csv>` (customers, entitlements,
 * activations; the file streamed with a progress bar, the refused rows printed and written to an
 * error report), `leasehold import --from keygen <export.json>`, and the catalog as code
 * (`leasehold catalog plan|apply catalog.yaml`). The server does the work; these send and print.
 */
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface ApiOptions {
  url?: string;
  apiKey?: string;
}

export const KINDS = ['customers', 'entitlements', 'activations'] as const;

async function send(opts: ApiOptions, defaultUrl: () => string, path: string, init: RequestInit & { duplex?: 'half' }): Promise<Json> {
  const key = opts.apiKey ?? process.env['LEASEHOLD_API_KEY'];
  if (!key) throw new Error('set LEASEHOLD_API_KEY (or pass --api-key) to an API key of the account');
  const url = new URL(path, opts.url ?? defaultUrl());
  let res: Response;
  try {
    res = await fetch(url, { ...init, headers: { authorization: `Bearer ${key}`, ...(init.headers as Record<string, string>) } });
  } catch (error) {
    throw new Error(`cannot reach ${url.origin}: ${(error as Error).message}`);
  }
  const text = await res.text();
  const json = (text ? JSON.parse(text) : {}) as Json;
  if (!res.ok) throw new Error(`${json['error']?.code ?? res.status}: ${json['error']?.message ?? 'request failed'}`);
  return json;
}

/** The kind a file holds: --kind, or the word in its name (customers.csv, 2026-entitlements.csv). */
export function kindOf(file: string, given?: string): (typeof KINDS)[number] {
  const kind = given ?? KINDS.find((k) => basename(file).toLowerCase().includes(k));
  if (!kind || !(KINDS as readonly string[]).includes(kind)) {
    throw new Error(`say what ${file} holds with --kind ${KINDS.join('|')} (or name the file after it, e.g. customers.csv)`);
  }
  return kind as (typeof KINDS)[number];
}

export interface CsvImportOptions extends ApiOptions {
  kind?: string;
  dryRun?: boolean;
  report?: string;
  json?: boolean;
}

/**
 * Streams the file to POST /v1/imports. The bar follows the bytes sent: the server reads the
 * upload as it applies the rows, so what has been sent is (within a socket buffer) what is done.
 */
export async function importCsvFile(file: string, opts: CsvImportOptions, defaultUrl: () => string): Promise<void> {
  const kind = kindOf(file, opts.kind);
  const total = statSync(file).size;
  let sent = 0;
  let drawn = -1;
  const tty = process.stderr.isTTY;
  const draw = () => {
    const share = Math.floor((sent / Math.max(1, total)) * (tty ? 100 : 10));
    if (share === drawn) return;
    drawn = share;
    process.stderr.write(`${tty ? '\r' : ''}${progressBar(sent, total)} bytes${tty ? '' : '\n'}`);
  };
  const counted = createReadStream(file).pipe(
    new Transform({
      transform(chunk: Buffer, _enc, done) {
        sent += chunk.length;
        draw();
        done(null, chunk);
      },
    }),
  );
  const report = await send(opts, defaultUrl, `/v1/imports?kind=${kind}${opts.dryRun ? '&dryRun=true' : ''}`, {
    method: 'POST',
    headers: { 'content-type': 'text/csv' },
    body: Readable.toWeb(counted) as ReadableStream,
    duplex: 'half',
  });
  if (tty) process.stderr.write('\n');
  if (opts.json) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  } else {
    const c = report['counts'];
    process.stdout.write(
      `${opts.dryRun ? 'Dry run (nothing changed): would be ' : ''}${kind}: ${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged, ${c.refused} refused of ${c.rows} rows\n`,
    );
    const refused = (report['results'] as Json[]).filter((r) => r['outcome'] === 'refused');
    if (refused.length > 0) {
      process.stdout.write(
        columns(
          ['LINE', 'REF', 'CODE', 'COLUMN', 'WHY'],
          refused.slice(0, 50).map((r) => [r['line'], r['ref'], r['code'], r['field'], r['message']]),
        ),
      );
      if (refused.length > 50) process.stdout.write(`… and ${refused.length - 50} more (see the error report)\n`);
    }
  }
  const refused = (report['results'] as Json[]).filter((r) => r['outcome'] === 'refused');
  if (refused.length > 0) {
    const out = opts.report ?? `${file.replace(/\.csv$/i, '')}.errors.csv`;
    const cell = (v: unknown) =>
      v === null || v === undefined ? '' : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v);
    writeFileSync(
      out,
      [
        'line,ref,code,column,message',
        ...refused.map((r) => [r['line'], r['ref'], r['code'], r['field'], r['message']].map(cell).join(',')),
      ].join('\n') + '\n',
    );
    process.stderr.write(`error report: ${out}\n`);
    process.exitCode = 1;
  }
}

export async function importKeygenFile(file: string, opts: CsvImportOptions, defaultUrl: () => string): Promise<void> {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Json;
  // A file of one document, or a list of them (one per endpoint exported).
  const documents = Array.isArray(parsed) ? parsed : Array.isArray(parsed['documents']) ? parsed['documents'] : [parsed];
  const report = await send(opts, defaultUrl, '/v1/imports/keygen', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ documents, dryRun: opts.dryRun ?? false }),
  });
  if (opts.json) return void process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  process.stdout.write(opts.dryRun ? 'Dry run (nothing changed):\n' : '');
  process.stdout.write(
    columns(
      ['KEYGEN TYPE', 'CREATED', 'UPDATED', 'UNCHANGED', 'REFUSED'],
      Object.entries(report['counts'] as Record<string, Json>).map(([t, c]) => [
        t,
        c['created'],
        c['updated'],
        c['unchanged'],
        c['refused'],
      ]),
    ),
  );
  const refused = (report['results'] as Json[]).filter((r) => r['outcome'] === 'refused');
  if (refused.length > 0) {
    process.stdout.write(
      columns(
        ['TYPE', 'KEYGEN ID', 'CODE', 'WHY'],
        refused.map((r) => [r['type'], r['keygenId'], r['code'], r['message']]),
      ),
    );
    process.exitCode = 1;
  }
}

/** `leasehold catalog plan|apply <catalog.yaml>`: the file read here, the diff and the transaction on the server. */
export function registerCatalogCommands(program: Command, defaultUrl: () => string): void {
  const catalog = program
    .command('catalog')
    .description('The catalog as code: products, features and offerings kept in a reviewed YAML file');
  const read = (file: string) => {
    try {
      return parseYaml(readFileSync(file, 'utf8')) as unknown;
    } catch (error) {
      throw new Error(`${file} is not YAML: ${(error as Error).message}`);
    }
  };
  const print = (plan: Json, applied: boolean) => {
    const changes = plan['changes'] as Json[];
    if (changes.length === 0) return void process.stdout.write('No changes: the server matches the file.\n');
    const sign = { create: '+', change: '~', remove: '-' } as Record<string, string>;
    for (const c of changes) {
      const reach = c['entitlements'] > 0 ? `  (${c['entitlements']} entitlement${c['entitlements'] === 1 ? '' : 's'})` : '';
      process.stdout.write(
        `${sign[c['action']]} ${c['resource']} ${c['product']}${c['resource'] === 'product' ? '' : '/' + c['code']}${reach}\n`,
      );
      for (const [field, d] of Object.entries(c['fields'] as Record<string, Json>)) {
        process.stdout.write(`    ${field}: ${JSON.stringify(d['from'])} → ${JSON.stringify(d['to'])}\n`);
      }
    }
    const n = (a: string) => changes.filter((c) => c['action'] === a).length;
    process.stdout.write(
      `${applied ? 'Applied' : 'Plan'}: ${n('create')} to create, ${n('change')} to change, ${n('remove')} to remove.\n`,
    );
  };
  const common = (c: Command) =>
    c
      .argument('<file>', 'the catalog file (YAML)')
      .option('--url <url>', 'the server (default: $LEASEHOLD_URL, or HOST and PORT of the configuration)')
      .option('--api-key <key>', 'API key (default: $LEASEHOLD_API_KEY)')
      .option('--json', 'print the plan as JSON');
  common(
    catalog
      .command('plan')
      .description('Show what applying the file would create, change and remove, and the entitlements each change reaches'),
  ).action(async (file: string, opts: ApiOptions & { json?: boolean }) => {
    const plan = await send(opts, defaultUrl, '/v1/catalog/plan', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ catalog: read(file) }),
    });
    if (opts.json) process.stdout.write(JSON.stringify(plan, null, 2) + '\n');
    else print(plan, false);
  });
  common(catalog.command('apply').description('Apply the file in one transaction: every change, or none')).action(
    async (file: string, opts: ApiOptions & { json?: boolean }) => {
      const plan = await send(opts, defaultUrl, '/v1/catalog/apply', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ catalog: read(file) }),
      });
      if (opts.json) process.stdout.write(JSON.stringify(plan, null, 2) + '\n');
      else print(plan, true);
    },
  );
}
