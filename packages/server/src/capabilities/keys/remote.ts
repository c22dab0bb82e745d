import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { DomainError, invalid } from '../../platform/domain/errors.js';
import type { RemoteSettings } from './ports.js';

/** What Leasehold tells the vendor's endpoint about the entitlement it needs a key for. */
export interface RemoteKeyRequest {
  entitlementId: string;
  accountId: string;
  product: { id: string; code: string };
  offering: { id: string; code: string };
  customer: { id: string; name: string; email: string | null; externalRef: string | null };
  seats: number;
  startsAt: string;
  endsAt: string | null;
}

/** A new Standard Webhooks secret (`whsec_` + base64 of 32 random bytes), shown to the vendor once. */
export function newRemoteSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export function checkRemote(r: RemoteSettings): void {
  const url = new URL(r.url);
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw invalid('remote.url', 'A remote key generator is called over https (http only on a loopback address).');
  }
}

const KEY_SHAPE = /^[A-Za-z0-9._-]{8,500}$/;

/**
 * Asks the vendor's endpoint for a key: a POST signed the Standard Webhooks way (`webhook-id`,
 * `webhook-timestamp`, `webhook-signature`), with the entitlement id as `Idempotency-Key` so a
 * retried call yields the same key. Each attempt is bounded by `timeoutMs`; a timeout, a network
 * error, a 429 or a 5xx is tried again up to `retries` times; anything else (a 4xx, an answer
 * without a usable `key`) fails at once. A failure is KEY_GENERATOR_FAILED, thrown before any row
 * is written, so the entitlement is not created.
 */
export async function remoteKey(
  settings: RemoteSettings,
  secret: string,
  request: RemoteKeyRequest,
  now: () => number,
  fetcher: typeof fetch = fetch,
): Promise<string> {
  const signer = new Webhook(secret);
  const body = JSON.stringify({ type: 'license_key.requested', timestamp: new Date(now()).toISOString(), data: request });
  const attempts = 1 + (settings.retries ?? 2);
  const timeoutMs = settings.timeoutMs ?? 3000;
  let last = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** (attempt - 2)));
    const at = new Date(now());
    try {
      const res = await fetcher(settings.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': request.entitlementId,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': signer.sign(request.entitlementId, at, body),
          'idempotency-key': request.entitlementId,
        },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      if (res.status === 429 || res.status >= 500) {
        last = `answered ${res.status}`;
        continue;
      }
      if (!res.ok) throw failed(`answered ${res.status}`, attempt);
      const key = (JSON.parse(text) as { key?: unknown }).key;
      if (typeof key !== 'string' || !KEY_SHAPE.test(key))
        throw failed('answered without a usable "key" (8–500 letters, digits, . _ -)', attempt);
      return key;
    } catch (error) {
      if (error instanceof DomainError) throw error;
      if (error instanceof SyntaxError) throw failed('answered with something other than JSON', attempt);
      last = error instanceof Error && error.name === 'TimeoutError' ? `did not answer within ${timeoutMs} ms` : 'could not be reached';
    }
  }
  throw failed(last, attempts);
}

function failed(why: string, attempts: number): DomainError {
  return new DomainError('KEY_GENERATOR_FAILED', `The remote key generator ${why}; no entitlement was created.`, {
    attempts,
    reason: `The remote key generator ${why}.`,
    resolve: "Check the vendor's key endpoint, then create the entitlement again.",
  });
}
