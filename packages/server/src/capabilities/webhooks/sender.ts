/**
 * One delivery attempt over HTTP: POST, no redirects followed (node's client follows none), a
 * bounded time from connection to last byte, and the connection's own addresses checked by the
 * SSRF guard (the lookup below is the one the socket uses, so a rebinding name cannot slip
 * through between a check and the connect).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import type { AttemptResult } from './ports.js';
import { isPublicAddress } from './address-guard.js';
import { parseRetryAfter } from './schedule.js';

const EXCERPT_BYTES = 1024;

export interface Outgoing {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** The body's media type (default application/json, an event). */
  contentType?: string;
  timeoutMs: number;
  allowPrivateNetworks: boolean;
  now: () => number;
}

const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { all: true, family: options.family ?? 0 }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', 0);
    const refused = addresses.find((a) => !isPublicAddress(a.address));
    if (refused) {
      const e = Object.assign(new Error(`refused address ${refused.address}`), { code: 'ADDRESS_REFUSED' });
      return callback(e, '', 0);
    }
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    return callback(null, addresses[0]!.address, addresses[0]!.family);
  });
};

function errorName(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === 'ADDRESS_REFUSED') return (error as Error).message;
  if (code === 'ECONNRESET') return 'connection reset';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  return code ? code.toLowerCase() : String((error as Error).message ?? error);
}

/** Sends once; never throws: every way an attempt can end is an AttemptResult. */
export function send(out: Outgoing): Promise<AttemptResult> {
  const started = out.now();
  const t0 = performance.now();
  const finish = (
    status: number | null,
    error: string | null,
    excerpt: string | null,
    retryAfterMs: number | null = null,
  ): AttemptResult => ({
    at: started,
    status,
    error,
    excerpt,
    durationMs: Math.round(performance.now() - t0),
    retryAfterMs,
  });
  let url: URL;
  try {
    url = new URL(out.url);
  } catch {
    return Promise.resolve(finish(null, 'not a URL', null));
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!out.allowPrivateNetworks) {
    if (url.protocol !== 'https:') return Promise.resolve(finish(null, 'refused: not https', null));
    // An address in the URL is connected to without a lookup: check it here.
    if (isIP(host) && !isPublicAddress(host)) return Promise.resolve(finish(null, `refused address ${host}`, null));
  }
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: AttemptResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          ...out.headers,
          'content-type': out.contentType ?? 'application/json',
          'content-length': String(Buffer.byteLength(out.body)),
        },
        ...(out.allowPrivateNetworks ? {} : { lookup: guardedLookup }),
        agent: false,
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < EXCERPT_BYTES) chunks.push(chunk);
          size += chunk.length;
          if (size > 64 * EXCERPT_BYTES) res.destroy();
        });
        const end = () => {
          const excerpt = Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8');
          const retryAfter = res.headers['retry-after'];
          done(
            finish(
              res.statusCode ?? null,
              null,
              excerpt || null,
              parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, out.now()),
            ),
          );
        };
        res.on('end', end);
        res.on('close', end);
        res.on('error', end);
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      done(finish(null, 'timeout', null));
    }, out.timeoutMs);
    req.on('error', (error) => done(finish(null, errorName(error), null)));
    req.end(out.body);
  });
}

/** Every address a name resolves to (the creation-time check; deliveries check again as they connect). */
export function resolveHost(hostname: string): Promise<string[]> {
  return new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses.map((a) => a.address)))),
  );
}
