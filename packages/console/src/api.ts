/**
 * The console talks to the public API only, with the session cookie and the session's CSRF token.
 * Wire types come from @leasehold/contract, imported as types only: the schemas would bring TypeBox
 * (about 60 kB) into the bundle for nothing the browser needs.
 */
import type { ErrorBody as ErrorEnvelope } from '@leasehold/contract';

export type ErrorBody = ErrorEnvelope['error'];

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

/** Sends a file as the body (a CSV import), with the session's CSRF token. */
export async function upload<T>(path: string, body: Blob, contentType: string): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', 'content-type': contentType };
  if (csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path, { method: 'POST', headers, credentials: 'same-origin', body });
  const parsed = (await res.json().catch(() => null)) as unknown;
  if (!res.ok) {
    const err = (parsed as { error?: ErrorBody } | null)?.error ?? {
      code: 'HTTP_' + res.status,
      message: `The server answered ${res.status}.`,
    };
    if (res.status === 401) onSignedOut();
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

/** The envelope of every list endpoint (the contract's `ListOf`). */
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
