import { formatTimestamp, inTimeRange } from '@leasehold/contract';
import { DomainError } from '../../platform/domain/errors.js';

/**
 * The NetLicensing object model as the face speaks it: every entity is an item of a type with
 * string properties and named lists (the shape of the wire envelope, JSON or XML alike).
 */
export interface NlList {
  name: string;
  properties: Array<[string, string]>;
  lists: NlList[];
}

export interface NlItem {
  type: string;
  properties: Array<[string, string]>;
  lists: NlList[];
}

/** An info of the envelope: a warning in a valid result (errors are thrown as DomainError). */
export interface NlInfo {
  id: string;
  type: 'ERROR' | 'WARNING' | 'INFO';
  value: string;
}

export function item(type: string, props: Record<string, string | null | undefined>, lists: NlList[] = []): NlItem {
  return { type, properties: defined(props), lists };
}

export function list(name: string, props: Record<string, string | null | undefined>, lists: NlList[] = []): NlList {
  return { name, properties: defined(props), lists };
}

function defined(props: Record<string, string | null | undefined>): Array<[string, string]> {
  return Object.entries(props).filter((e): e is [string, string] => typeof e[1] === 'string');
}

/**
 * A form-encoded request (body or query): every name with all its values, in order. NetLicensing
 * sends arrays as repeated names (`discount=a&discount=b`).
 */
export class NlForm {
  constructor(readonly values: Map<string, string[]> = new Map()) {}

  static of(record: Record<string, string | string[]>): NlForm {
    return new NlForm(new Map(Object.entries(record).map(([k, v]) => [k, Array.isArray(v) ? v : [v]])));
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** The last value sent under `name`, or undefined. */
  get(name: string): string | undefined {
    const all = this.values.get(name);
    return all && all.length > 0 ? all[all.length - 1] : undefined;
  }

  all(name: string): string[] {
    return this.values.get(name) ?? [];
  }

  require(name: string, message = `${name} is required`): string {
    const value = this.get(name);
    if (value === undefined || value === '') throw malformed(message, name);
    return value;
  }

  bool(name: string): boolean | undefined {
    const value = this.get(name);
    if (value === undefined || value === '') return undefined;
    if (value === 'true' || value === 'false') return value === 'true';
    throw malformed(`'${name}' must be true or false`, name);
  }

  int(name: string, opts: { min?: number } = {}): number | undefined {
    const value = this.get(name);
    if (value === undefined || value === '') return undefined;
    if (!/^-?\d+$/.test(value)) throw malformed(`'${name}' must be a whole number`, name);
    const n = Number(value);
    if (opts.min !== undefined && n < opts.min) throw malformed(`'${name}' must be at least ${opts.min}`, name);
    return n;
  }

  /** `now`, a date, or a date-time; in milliseconds. */
  date(name: string, now: number): number | undefined {
    const value = this.get(name);
    if (value === undefined || value === '') return undefined;
    if (value === 'now') return now;
    const at = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
    if (!inTimeRange(at)) throw malformed(`'${name}' must be an ISO 8601 date or 'now'`, name);
    return at;
  }

  entries(): Array<[string, string]> {
    return [...this.values.entries()].flatMap(([k, vs]) => (vs.length > 0 ? [[k, vs[vs.length - 1]!] as [string, string]] : []));
  }
}

/** MalformedRequestException on the wire. */
export function malformed(message: string, field?: string): DomainError {
  return new DomainError('INVALID_REQUEST', message, { field: field ?? 'request', netlicensing: 'MalformedRequestException' });
}

/** IllegalOperationException on the wire: understood, but the model does not allow it. */
export function illegal(message: string, details: Record<string, unknown> = {}): DomainError {
  return new DomainError('INVALID_STATE', message, { ...details, netlicensing: 'IllegalOperationException' });
}

export function nlNotFound(what: string, number: string): DomainError {
  return new DomainError('NOT_FOUND', `Requested ${what} does not exist`, { resource: what, number, netlicensing: 'NotFoundException' });
}

/**
 * Merges posted properties into stored ones: names in `skip` are not stored (they live in Leasehold
 * records or are read-only); an empty value deletes the property, as NetLicensing does.
 */
export function mergeProps(current: Record<string, string>, form: NlForm, skip: ReadonlySet<string>): Record<string, string> {
  const next = { ...current };
  for (const [name, value] of form.entries()) {
    if (skip.has(name)) continue;
    if (value === '') delete next[name];
    else next[name] = value;
  }
  return next;
}

export const bool = (b: boolean): string => (b ? 'true' : 'false');
export const isoOf = (ms: number): string => formatTimestamp(ms);

/** A generated number: a letter and eight upper-case alphanumerics (`PQVJQ5F7H`), from the id generator's randomness. */
export function generatedNumber(prefix: string, id: string): string {
  return prefix + id.slice(-8).toUpperCase();
}

export const LICENSING_MODELS = [
  'TryAndBuy',
  'Subscription',
  'Rental',
  'Floating',
  'MultiFeature',
  'PayPerUse',
  'Quota',
  'NodeLocked',
  'PricingTable',
] as const;
export type LicensingModel = (typeof LICENSING_MODELS)[number];

export const LICENSE_TYPES = ['FEATURE', 'TIMEVOLUME', 'FLOATING', 'QUANTITY'] as const;
export type LicenseType = (typeof LICENSE_TYPES)[number];

export const TIME_VOLUME_PERIODS = { DAY: 'D', WEEK: 'W', MONTH: 'M', YEAR: 'Y' } as const;
