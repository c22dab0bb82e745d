import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { ActivateRequest, CustomerCreate, EntitlementCreate, parseTimestamp, type ImportKind } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import { invalid } from '../../platform/domain/errors.js';
import type { Tx } from '../../platform/domain/ports.js';
import { integerCell, upsertActivation, upsertCustomer, upsertEntitlement, type ImportDeps, type Upserted } from './upserts.js';

type AddFormats = (ajv: Ajv) => Ajv;
const addFormats: AddFormats =
  (addFormatsModule as unknown as { default?: AddFormats }).default ?? (addFormatsModule as unknown as AddFormats);
// A row is held to the schema its API body has, with the API's one date parser (as http/validation.ts).
const ajv = addFormats(new Ajv({ allErrors: false, strict: false }));
ajv.addFormat('date-time', { type: 'string', validate: (text: string) => parseTimestamp(text) !== null });

/** The columns each kind of file may have (`metadata.<key>` columns too, where `metadata` is listed); starred ones are required. */
export const CSV_COLUMNS: Record<ImportKind, { required: string[]; optional: string[]; metadata: boolean }> = {
  customers: { required: ['externalRef', 'name'], optional: ['email'], metadata: true },
  entitlements: {
    required: ['externalRef', 'customer', 'offering'],
    optional: ['key', 'orderRef', 'startsAt', 'endsAt', 'seats'],
    metadata: true,
  },
  activations: { required: ['entitlement', 'fingerprint'], optional: ['name', 'platform', 'hostname', 'user'], metadata: false },
};

/** Refuses a header with unknown or missing columns before any row is read. */
export function checkHeader(kind: ImportKind, header: string[]): void {
  const spec = CSV_COLUMNS[kind];
  const known = new Set([...spec.required, ...spec.optional]);
  const unknown = header.filter((h) => !known.has(h) && !(spec.metadata && /^metadata\.[^.]{1,64}$/.test(h)));
  if (unknown.length > 0) {
    throw invalid(
      'csv',
      `Unknown column(s) for ${kind}: ${unknown.join(', ')}. Columns: ${[...known].join(', ')}${spec.metadata ? ', metadata.<key>' : ''}.`,
      {
        columns: unknown,
      },
    );
  }
  const missing = spec.required.filter((c) => !header.includes(c));
  if (missing.length > 0) throw invalid('csv', `A ${kind} file needs the column(s) ${missing.join(', ')}.`, { columns: missing });
  const twice = header.filter((h, i) => header.indexOf(h) !== i);
  if (twice.length > 0) throw invalid('csv', `Column(s) named twice: ${twice.join(', ')}.`, { columns: twice });
}

const checks = new Map<object, ValidateFunction>();
function held<T>(schema: object, value: unknown): T {
  let check = checks.get(schema);
  if (!check) checks.set(schema, (check = ajv.compile(schema)));
  if (!check(value)) {
    const e = check.errors![0]!;
    const field = e.instancePath.split('/')[1] || ((e.params as { missingProperty?: string }).missingProperty ?? 'row');
    throw invalid(field, `${field} ${e.message ?? 'is not valid'}.`);
  }
  return value as T;
}

/** An empty cell is no value: left out on create, left as it is on update. */
function cells(row: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(row).filter(([, v]) => v !== ''));
}

function metadataOf(row: Record<string, string>): Record<string, string> | undefined {
  const entries = Object.entries(row).filter(([k]) => k.startsWith('metadata.'));
  return entries.length ? Object.fromEntries(entries.map(([k, v]) => [k.slice('metadata.'.length), v])) : undefined;
}

function required(row: Record<string, string>, column: string): string {
  const value = row[column];
  if (value === undefined) throw invalid(column, `${column} is empty.`);
  return value;
}

/** One CSV row of the given kind, applied in `tx` (or refused with a DomainError, nothing written). */
export function applyCsvRow(tx: Tx, ctx: Context, deps: ImportDeps, kind: ImportKind, raw: Record<string, string>): Promise<Upserted> {
  const row = cells(raw);
  if (kind === 'customers') {
    const input = held<CustomerCreate & { externalRef: string }>(CustomerCreate, {
      externalRef: required(row, 'externalRef'),
      name: required(row, 'name'),
      ...(row['email'] ? { email: row['email'] } : {}),
      ...(metadataOf(row) ? { metadata: metadataOf(row) } : {}),
    });
    return upsertCustomer(tx, ctx, input);
  }
  if (kind === 'entitlements') {
    const seats = row['seats'] === undefined ? undefined : integerCell('seats', row['seats']);
    const input = held<EntitlementCreate & { externalRef: string }>(EntitlementCreate, {
      externalRef: required(row, 'externalRef'),
      customerId: required(row, 'customer'),
      offeringId: required(row, 'offering'),
      ...(row['key'] ? { key: row['key'] } : {}),
      ...(row['orderRef'] ? { orderRef: row['orderRef'] } : {}),
      ...(row['startsAt'] ? { startsAt: row['startsAt'] } : {}),
      ...(row['endsAt'] ? { endsAt: row['endsAt'] === 'never' ? null : row['endsAt'] } : {}),
      ...(seats !== undefined ? { overrides: { seats } } : {}),
      ...(metadataOf(row) ? { metadata: metadataOf(row) } : {}),
    });
    return upsertEntitlement(tx, ctx, input);
  }
  const { entitlement, ...device } = row;
  if (entitlement === undefined) throw invalid('entitlement', 'entitlement is empty.');
  return upsertActivation(tx, ctx, deps, { entitlement, device: held<ActivateRequest>(ActivateRequest, device) });
}

/** What a row is known by in the report. */
export function refOf(kind: ImportKind, row: Record<string, string>): string | null {
  return (kind === 'activations' ? row['fingerprint'] : row['externalRef']) || null;
}
