import { isLeaseholdErrorCode, LeaseholdError } from './errors.js';

/** The `fetch` the SDK calls; inject one to test, to add a proxy agent, or to log. */
export type Fetch = (input: string, init: RequestInit) => Promise<Response>;

export interface ServerAnswer<T> {
  status: number;
  body: T;
  /** The server's clock at the answer (ms), from `serverTime` or the Date header. */
  serverTime: number | null;
  /** The time came from the Date header, which counts whole seconds: the server's clock was somewhere in [serverTime, serverTime + 1 s). */
  serverTimeCoarse: boolean;
}

/** The client endpoints of a Leasehold server, called with `Authorization: License <key>` (or without a key: a trial). */
export class ClientApi {
  constructor(
    private readonly serverUrl: string,
    private readonly fetchFn: Fetch,
    private readonly timeoutMs: number,
  ) {}

  post<T>(path: string, licenseKey: string | null, body: unknown): Promise<ServerAnswer<T>> {
    return this.send<T>('POST', path, licenseKey, body);
  }

  /** A GET of the client API (`path` carries its query). */
  get<T>(path: string, licenseKey: string): Promise<ServerAnswer<T>> {
    return this.send<T>('GET', path, licenseKey, undefined);
  }

  private async send<T>(method: 'GET' | 'POST', path: string, licenseKey: string | null, body: unknown): Promise<ServerAnswer<T>> {
    let res: Response;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (method === 'POST') headers['content-type'] = 'application/json';
    if (licenseKey !== null) headers.authorization = `License ${licenseKey}`;
    try {
      res = await this.fetchFn(`${this.serverUrl.replace(/\/+$/, '')}${path}`, {
        method,
        headers,
        ...(method === 'POST' ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (cause) {
      throw new LeaseholdError('OFFLINE', `The license server did not answer (${(cause as Error).message ?? cause}).`, {
        transient: true,
        cause,
      });
    }
    const text = await res.text().catch(() => '');
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: a proxy's error page, say
    }
    const { serverTime, coarse } = serverTimeOf(parsed, res.headers.get('date'));
    if (res.ok) return { status: res.status, body: parsed as T, serverTime, serverTimeCoarse: coarse };

    const error = (parsed as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | null)?.error;
    // A date is read against the server's own clock (its Date header), so a skewed device waits as long as the server asked.
    const retryAfter = retryAfterMs(res.headers.get('retry-after'), dateOf(res.headers.get('date')));
    const transient = res.status >= 500 || res.status === 429 || res.status === 408 || !error?.code;
    const code = error?.code;
    // A code outside the contract (a newer server) gets the generic one its status implies; the server's word stays in the details.
    const unknown = code !== undefined && !isLeaseholdErrorCode(code);
    throw new LeaseholdError(
      isLeaseholdErrorCode(code) ? code : transient ? 'SERVICE_UNAVAILABLE' : 'INVALID_REQUEST',
      error?.message ?? `HTTP ${res.status}`,
      {
        status: res.status,
        details: {
          ...(error?.details ?? {}),
          ...(unknown ? { serverCode: code } : {}),
          ...(serverTime === null ? {} : { serverTime, serverTimeCoarse: coarse }),
        },
        transient,
        ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }),
      },
    );
  }
}

function dateOf(header: string | null): number | null {
  const at = header ? Date.parse(header) : NaN;
  return Number.isFinite(at) ? at : null;
}

function serverTimeOf(body: unknown, dateHeader: string | null): { serverTime: number | null; coarse: boolean } {
  const iso = (body as { serverTime?: unknown } | null)?.serverTime;
  const coarse = typeof iso !== 'string';
  const at = !coarse ? Date.parse(iso) : dateHeader ? Date.parse(dateHeader) : NaN;
  return { serverTime: Number.isFinite(at) ? at : null, coarse };
}

/** `Retry-After` in seconds or as an HTTP date (RFC 9110 §10.2.3). */
function retryAfterMs(header: string | null, now: number | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (header.trim() !== '' && Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const at = Date.parse(header);
  return Number.isFinite(at) && now !== null ? Math.max(0, at - now) : undefined;
}
