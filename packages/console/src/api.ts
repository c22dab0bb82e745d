/** The console talks to the public API only, with the session cookie and the session's CSRF token. */

export interface ErrorBody {
  code: string;
  message: string;
  details?: Record<string, unknown>;
  requestId?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
  ) {
    super(body.message);
  }
  /** The input field the server blamed (`features.export` → `features`), if any. */
  get field(): string | null {
    const f = this.body.details?.['field'];
    return typeof f === 'string' ? (f.split('.')[0] ?? null) : null;
  }
}

let csrfToken: string | null = null;
let onSignedOut: () => void = () => {};

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}
export function whenSignedOut(fn: () => void): void {
  onSignedOut = fn;
}

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!res.ok) {
    const err = (parsed as { error?: ErrorBody } | null)?.error ?? {
      code: 'HTTP_' + res.status,
      message: `The server answered ${res.status}.`,
    };
    if (res.status === 401 && !path.startsWith('/v1/session')) onSignedOut();
    throw new ApiError(res.status, err);
  }
  return parsed as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, body ?? {});
export const patch = <T>(path: string, body: unknown) => api<T>('PATCH', path, body);
export const del = (path: string) => api<void>('DELETE', path);

export function qs(params: Record<string, string | number | undefined | null | false>): string {
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '' && v !== false) out.set(k, String(v));
  const s = out.toString();
  return s ? `?${s}` : '';
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** Every item of a list, following cursors (bounded: the console shows summaries, not exports). */
export async function all<T>(path: string, max = 2000): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page: Page<T> = await get<Page<T>>(`${path}${sep}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    out.push(...page.data);
    cursor = page.nextCursor;
  } while (cursor && out.length < max);
  return out;
}

// ---- wire types the console reads (a subset of the OpenAPI document) ----

export type Role = 'admin' | 'support' | 'readonly';
export interface StaffUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  createdAt: string;
  lastSignInAt: string | null;
}
export interface Session {
  user: StaffUser;
  accountId: string;
  csrfToken: string;
  expiresAt: string;
}
export interface Product {
  id: string;
  code: string;
  name: string;
  createdAt: string;
}
export interface Feature {
  id: string;
  productId: string;
  code: string;
  name: string;
  type: 'boolean' | 'numeric' | 'consumption' | 'pool';
  unit: string | null;
}
export type FeatureValue = boolean | number | Record<string, unknown>;
export interface Offering {
  id: string;
  productId: string;
  code: string;
  name: string;
  licenseModel: string;
  seatModel: string;
  seats: number;
  term: string | null;
  leasePeriod: string;
  features: Record<string, FeatureValue>;
  rehostLimit: number | null;
  maintenanceTerm: string | null;
  activationRules: unknown[];
  upgradePaths: string[];
  evictionOrder: string;
  version: number;
}
export interface Customer {
  id: string;
  name: string;
  email: string | null;
  externalRef: string | null;
  createdAt: string;
}
export interface Effective {
  status: string;
  startsAt: string;
  endsAt: string | null;
  licenseModel: string;
  seatModel: string;
  seats: number;
  term: string | null;
  leasePeriod: string;
  rehostLimit: number | null;
  maintenanceUntil: string | null;
  features: Record<string, FeatureValue>;
}
export interface Entitlement {
  id: string;
  key: string;
  customerId: string;
  offeringId: string;
  productId: string;
  orderRef: string | null;
  state: string;
  startsAt: string;
  endsAt: string | null;
  overrides: Partial<Pick<Effective, 'seats' | 'leasePeriod' | 'term' | 'rehostLimit'>> & {
    maintenanceTerm?: string;
    features?: Record<string, FeatureValue>;
  };
  effective: Effective;
  version: number;
  createdAt: string;
}
export interface Activation {
  id: string;
  entitlementId: string;
  fingerprint: string;
  seatKind: string;
  state: string;
  name: string | null;
  platform: string | null;
  hostname: string | null;
  user: string | null;
  version: string | null;
  pinned: boolean;
  createdAt: string;
  lastSeenAt: string;
  endedAt: string | null;
}
export interface Lease {
  id: string;
  activationId: string;
  kid: string;
  issuedAt: string;
  expiresAt: string;
  refreshAfter: string;
}
export interface EventRecord {
  id: string;
  type: string;
  subjectType: string;
  subjectId: string;
  customerId: string | null;
  entitlementId: string | null;
  productId: string | null;
  actor: { type: string; id: string | null };
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  at: string;
}
export interface ChangeOfferingResult {
  entitlement: Entitlement;
  removedActivations: { id: string; fingerprint: string; name: string | null; lastSeenAt: string; pinned: boolean }[];
  keptOverrides: string[];
  droppedOverrides: string[];
  datesChanged: boolean;
  warnings: { code: string; message: string }[];
  dryRun: boolean;
}
export interface Migration {
  id: string;
  state: 'pending' | 'running' | 'completed' | 'failed';
  sourceOfferingId: string;
  targetOfferingId: string;
  impact: Record<string, number>;
  result: Record<string, number>;
  total: number;
  done: number;
  skipped: number;
  failed: number;
  progress: number;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
}
export interface MigrationAnswer {
  dryRun: boolean;
  impact: Record<string, number>;
  samples: { seatsRemoved: { activationId: string; entitlementId: string; fingerprint: string; lastSeenAt: string }[] };
  migration: Migration | null;
}
export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  productId: string | null;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
}
export interface SigningKey {
  id: string;
  algorithm: string;
  state: 'active' | 'retired';
  createdAt: string;
  retiredAt: string | null;
  publishedUntil: string | null;
}
export interface QuotaStatus {
  used: number;
  limit: number;
  remaining: number;
  periodEndsAt: string;
  overage: 'block' | 'bill' | { allowPercent: number };
}
export interface EntitlementUsage {
  quotas: Record<string, QuotaStatus>;
  pools: { feature: string; inUse: number; limit: number; holders: { activationId: string; fingerprint: string; count: number }[] }[];
}
export interface UsageGroup {
  key: string;
  feature: string;
  quantity: number;
  records: number;
}
export interface HistoryEntry {
  version: number;
  at: string;
  change: string;
  actor: { type: string; id: string | null };
  requestId: string | null;
  offeringId: string;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
}
