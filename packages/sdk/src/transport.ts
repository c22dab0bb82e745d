import { LeaseholdError } from './errors.js';

/** The `fetch` the SDK calls; inject one to test, to add a proxy agent, or to log. */
export type Fetch = (input: string, init: RequestInit) => Promise<Response>;

export interface ServerAnswer<T> {
  status: number;
  body: T;
  /** The server's clock at the answer (ms), from `serverTime` or the Date header. */
  serverTime: number | null;
}

/** The client endpoints of a Leasehold server, called with `Authorization: License <key>`. */
export class ClientApi {
  constructor(
    private readonly serverUrl: string,
    private readonly fetchFn: Fetch,
    private readonly timeoutMs: number,
  ) {}

  async post<T>(path: string, licenseKey: string, body: unknown): Promise<ServerAnswer<T>> {
    let res: Response;
    try {
      res = await this.fetchFn(`${this.serverUrl.replace(/\/+$/, '')}${path}`, {
        method: 'POST',
        headers: { authorization: `License ${licenseKey}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
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
    const serverTime = serverTimeOf(parsed, res.headers.get('date'));
    if (res.ok) return { status: res.status, body: parsed as T, serverTime };

    const error = (parsed as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | null)?.error;
    const retryAfter = retryAfterMs(res.headers.get('retry-after'));
    const transient = res.status >= 500 || res.status === 429 || res.status === 408 || !error?.code;
    throw new LeaseholdError(
      error?.code ?? (transient ? 'SERVICE_UNAVAILABLE' : 'INVALID_REQUEST'),
      error?.message ?? `HTTP ${res.status}`,
      {
        status: res.status,
        details: { ...(error?.details ?? {}), ...(serverTime === null ? {} : { serverTime }) },
        transient,
        ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }),
      },
    );
  }
}

function serverTimeOf(body: unknown, dateHeader: string | null): number | null {
  const iso = (body as { serverTime?: unknown } | null)?.serverTime;
  const at = typeof iso === 'string' ? Date.parse(iso) : dateHeader ? Date.parse(dateHeader) : NaN;
  return Number.isFinite(at) ? at : null;
}

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}
