/** The portal talks to /v1/portal only, with the portal cookie and the session's CSRF token. */
import type { ErrorBody } from '@leasehold/contract';

export class PortalError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The error's details, as the server sent them (e.g. the portals to choose from on ACCOUNT_REQUIRED). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;
export const setCsrf = (token: string | null): void => {
  csrfToken = token;
};

export async function portalApi<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(`/v1/portal${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 204) return undefined as T;
  const json = (await res.json().catch(() => null)) as unknown;
  if (!res.ok) {
    const error = (json as ErrorBody | null)?.error;
    throw new PortalError(res.status, error?.code ?? 'INTERNAL', error?.message ?? `HTTP ${res.status}`, error?.details ?? {});
  }
  return json as T;
}
