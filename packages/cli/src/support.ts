import type { Command } from 'commander';

/**
 * The commands a support person uses, over a running server's API (LEASEHOLD_URL and
 * LEASEHOLD_API_KEY, or --url and --api-key): find a license by the key a customer reads out, look
 * at it and its devices, suspend, resume and extend it, and list and revoke API keys. Tables for
 * people, `--json` for scripts.
 *
 * Exit codes: 0 done; 1 refused by the server (the error code and message are printed) or bad
 * usage; 3 not found; 4 the server could not be reached or failed.
 */
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface Common {
  url?: string;
  apiKey?: string;
  json?: boolean;
}

export class ApiFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export async function call(opts: Common, defaultUrl: () => string, method: string, path: string, body?: unknown): Promise<Json> {
  const key = opts.apiKey ?? process.env['LEASEHOLD_API_KEY'];
  if (!key) throw new ApiFailure('set LEASEHOLD_API_KEY (or pass --api-key) to an API key of the account', 1);
  const url = new URL(path, opts.url ?? defaultUrl());
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new ApiFailure(`cannot reach ${url.origin}: ${(error as Error).message}`, 4);
  }
  const text = await res.text();
  const json = (text ? JSON.parse(text) : {}) as Json;
  if (res.ok) return json;
  const message = `${json['error']?.code ?? res.status}: ${json['error']?.message ?? 'request failed'}`;
  throw new ApiFailure(message, res.status === 404 ? 3 : res.status >= 500 ? 4 : 1);
}

/** Columns padded to their widest cell; null shows as a dash. */
export function columns(headers: string[], rows: unknown[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null || c === undefined || c === '' ? '—' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return (
    cells
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

const day = (iso: unknown) => (typeof iso === 'string' ? iso.slice(0, 10) : null);

function entitlementRows(list: Json[]): string {
  return columns(
    ['ID', 'KEY', 'CUSTOMER', 'OFFERING', 'STATE', 'ENDS', 'SEATS'],
    list.map((e) => [
      e['id'],
      e['key'],
      e['customerId'],
      e['offeringId'],
      e['state'],
      day(e['effective']?.['endsAt']) ?? 'never',
      e['effective']?.['seats'],
    ]),
  );
}

export function registerSupportCommands(program: Command, defaultUrl: () => string): void {
  const remote = (c: Command) =>
    c
      .option('--json', 'print the API answer as JSON')
      .option('--url <url>', 'the server (default: $LEASEHOLD_URL, or HOST and PORT of the configuration)')
      .option('--api-key <key>', 'API key (default: $LEASEHOLD_API_KEY)');
  const out = (opts: Common, json: unknown, text: () => string) =>
    process.stdout.write(opts.json ? JSON.stringify(json, null, 2) + '\n' : text());
  const api = (opts: Common, method: string, path: string, body?: unknown) => call(opts, defaultUrl, method, path, body);

  const customers = program.command('customers').description('Customers, over the API');
  remote(customers.command('list').description('List customers, or search their name, email and external reference'))
    .option('--search <text>', 'name, email or external reference')
    .action(async (opts: Common & { search?: string }) => {
      const page = await api(opts, 'GET', `/v1/customers?limit=100${opts.search ? `&q=${encodeURIComponent(opts.search)}` : ''}`);
      out(opts, page, () =>
        columns(
          ['ID', 'NAME', 'EMAIL', 'EXTERNAL REF'],
          page['data'].map((c: Json) => [c['id'], c['name'], c['email'], c['externalRef']]),
        ),
      );
    });

  remote(
    customers
      .command('erase')
      .argument('<id>', 'customer id or external reference')
      .description("Erase a customer's personal data (GDPR): names, emails, device names and hostnames. Cannot be undone"),
  )
    .option('--yes', 'erase: without it nothing is done')
    .option('--erase-external-ref', 'erase the external reference too (when it is personal, an email say)')
    .action(async (ref: string, opts: Common & { yes?: boolean; eraseExternalRef?: boolean }) => {
      if (!opts.yes) throw new ApiFailure(`erasing ${ref} cannot be undone: run again with --yes`, 1);
      const customer = await api(opts, 'GET', `/v1/customers/${encodeURIComponent(ref)}`);
      const body = { confirm: customer['id'], ...(opts.eraseExternalRef ? { externalRef: 'erase' } : {}) };
      const result = await api(opts, 'POST', `/v1/customers/${encodeURIComponent(customer['id'])}/erase`, body);
      out(opts, result, () =>
        result['erased']
          ? `erased ${result['customerId']}: ${result['fields'].join(', ')} ` +
            `(${result['counts']['activations']} activation(s), ${result['counts']['events']} event(s), ${result['counts']['records']} record(s))\n`
          : `nothing left to erase for ${result['customerId']}\n`,
      );
    });

  const entitlements = program.command('entitlements').description('Entitlements, over the API');
  remote(
    entitlements
      .command('find')
      .description('Find entitlements by license key (as the customer reads it out), customer or order reference'),
  )
    .option('--key <key>', 'a license key; case, spaces, dashes and O/I/L are forgiven')
    .option('--customer <ref>', 'customer id or external reference')
    .option('--order <ref>', 'order reference')
    .action(async (opts: Common & { key?: string; customer?: string; order?: string }) => {
      const query = new URLSearchParams({ limit: '100' });
      if (opts.key) query.set('key', opts.key);
      if (opts.customer) query.set('customer', opts.customer);
      if (opts.order) query.set('orderRef', opts.order);
      if (query.size === 1) throw new ApiFailure('say what to look for: --key, --customer or --order', 1);
      const page = await api(opts, 'GET', `/v1/entitlements?${query}`);
      if (page['data'].length === 0) throw new ApiFailure('no entitlement matches', 3);
      out(opts, page, () => entitlementRows(page['data']));
    });
  remote(
    entitlements.command('show').argument('<id>', 'entitlement id').description('One entitlement: its rights, term and devices'),
  ).action(async (id: string, opts: Common) => {
    const e = await api(opts, 'GET', `/v1/entitlements/${encodeURIComponent(id)}`);
    const devices = await api(opts, 'GET', `/v1/entitlements/${encodeURIComponent(id)}/activations?state=active`);
    out(opts, { entitlement: e, devices: devices['data'] }, () => {
      const x = e['effective'];
      const features = Object.entries(x['features'] as Record<string, unknown>).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
      return (
        columns(
          ['FIELD', 'VALUE'],
          [
            ['id', e['id']],
            ['key', e['key']],
            ['customer', e['customerId']],
            ['offering', e['offeringId']],
            ['state', e['state']],
            ['starts', day(x['startsAt'])],
            ['ends', day(x['endsAt']) ?? 'never'],
            ['maintenance until', day(x['maintenanceUntil'])],
            ['seats', `${devices['data'].length} of ${x['seats']} in use`],
            ['features', features.join(', ')],
            ['order', e['orderRef']],
          ],
        ) +
        '\n' +
        columns(
          ['DEVICE', 'NAME', 'PLATFORM', 'VERSION', 'LAST SEEN'],
          devices['data'].map((a: Json) => [a['id'], a['name'] ?? a['hostname'], a['platform'], a['version'], a['lastSeenAt']]),
        )
      );
    });
  });
  for (const [name, what] of [
    ['suspend', 'Suspend (non-payment, say): devices lose their rights at their next refresh'],
    ['resume', 'Lift a suspension'],
  ] as const) {
    remote(entitlements.command(name).argument('<id>', 'entitlement id').description(what))
      .option('--reason <text>', 'recorded in the event log')
      .action(async (id: string, opts: Common & { reason?: string }) => {
        const e = await api(opts, 'POST', `/v1/entitlements/${encodeURIComponent(id)}/${name}`, opts.reason ? { reason: opts.reason } : {});
        out(opts, e, () => `${e['id']} is ${e['state']}\n`);
      });
  }
  remote(
    entitlements.command('extend').argument('<id>', 'entitlement id').description('Renew: extend by the term (or --term) from the end'),
  )
    .option('--term <duration>', 'ISO 8601 duration, e.g. P1Y (default: the effective term)')
    .action(async (id: string, opts: Common & { term?: string }) => {
      const e = await api(opts, 'POST', `/v1/entitlements/${encodeURIComponent(id)}/renew`, opts.term ? { term: opts.term } : {});
      out(
        opts,
        e,
        () =>
          `${e['id']} now ends ${day(e['effective']['endsAt']) ?? 'never'}${e['effective']['maintenanceUntil'] ? `, maintenance until ${day(e['effective']['maintenanceUntil'])}` : ''}\n`,
      );
    });

  const devices = program.command('devices').description('Devices (activations), over the API');
  remote(devices.command('list').argument('<entitlement>', 'entitlement id').description('The devices of an entitlement'))
    .option('--all', 'ended ones too')
    .action(async (id: string, opts: Common & { all?: boolean }) => {
      const page = await api(
        opts,
        'GET',
        `/v1/entitlements/${encodeURIComponent(id)}/activations?limit=500${opts.all ? '' : '&state=active'}`,
      );
      out(opts, page, () =>
        columns(
          ['ID', 'FINGERPRINT', 'NAME', 'PLATFORM', 'VERSION', 'STATE', 'LAST SEEN'],
          page['data'].map((a: Json) => [
            a['id'],
            a['fingerprint'],
            a['name'] ?? a['hostname'],
            a['platform'],
            a['version'],
            a['state'],
            a['lastSeenAt'],
          ]),
        ),
      );
    });
  remote(
    devices
      .command('deactivate')
      .argument('<activation>', 'activation id')
      .description('Free a device’s seat (the vendor side of a rehost)'),
  ).action(async (id: string, opts: Common) => {
    await api(opts, 'DELETE', `/v1/activations/${encodeURIComponent(id)}`);
    out(opts, { deactivated: id }, () => `${id} deactivated\n`);
  });

  const keys = program.commands.find((c) => c.name() === 'api-keys') ?? program.command('api-keys');
  remote(keys.command('list').description('API keys of the account (never their secrets)')).action(async (opts: Common) => {
    const page = await api(opts, 'GET', '/v1/api-keys?limit=500');
    out(opts, page, () =>
      columns(
        ['ID', 'NAME', 'ROLE', 'PRODUCT', 'LAST USED', 'REVOKED'],
        page['data'].map((k: Json) => [k['id'], k['name'], k['role'], k['productId'], k['lastUsedAt'], k['revokedAt']]),
      ),
    );
  });
  remote(keys.command('revoke').argument('<id>', 'API key id').description('Revoke an API key at once')).action(
    async (id: string, opts: Common) => {
      await api(opts, 'DELETE', `/v1/api-keys/${encodeURIComponent(id)}`);
      out(opts, { revoked: id }, () => `${id} revoked\n`);
    },
  );
}
