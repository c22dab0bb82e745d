import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../../foundation/clock.js';
import { DomainError } from '../domain/errors.js';
import { licenseKeyHashOf } from '../../capabilities/licensing/routes/license-auth.js';
import type { Services } from './services.js';

/** Requests allowed per minute for each key; 0 turns that limit off. */
export interface RateLimits {
  /** /v1/client/* per license key (every device of a license shares it). */
  clientPerKey: number;
  /** /v1/client/* per client address (a NAT'd office shares it). */
  clientPerAddress: number;
  /** POST /v1/session per client address, on top of the failed-sign-in throttle. */
  signInPerAddress: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { clientPerKey: 1200, clientPerAddress: 6000, signInPerAddress: 60 };

const MAX_TRACKED_KEYS = 100_000;

/**
 * Token buckets on the injected clock: each key holds up to `perMinute` tokens (the allowed burst) and
 * regains `perMinute` per minute. Written here rather than taken from @fastify/rate-limit because that
 * plugin's stores read Date.now() (tests would have to sleep or fake timers), it keys one registration
 * by one key while a client request is counted against two, and its 429 would need re-shaping anyway.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly perMinute: number,
  ) {}

  /** Takes a token for `key`; returns the whole seconds to wait when there is none. */
  take(key: string): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const now = this.clock.now();
    const perMs = this.perMinute / 60_000;
    const bucket = this.buckets.get(key);
    const tokens = bucket ? Math.min(this.perMinute, bucket.tokens + Math.max(0, now - bucket.at) * perMs) : this.perMinute;
    if (tokens < 1) {
      this.buckets.set(key, { tokens, at: now });
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)) };
    }
    if (!bucket && this.buckets.size >= MAX_TRACKED_KEYS) this.forgetFull(now);
    this.buckets.set(key, { tokens: tokens - 1, at: now });
    return { ok: true };
  }

  /** A flood of made-up keys must not exhaust memory: buckets that have refilled carry no state. */
  private forgetFull(now: number): void {
    const perMs = this.perMinute / 60_000;
    for (const [key, b] of this.buckets) if (b.tokens + (now - b.at) * perMs >= this.perMinute) this.buckets.delete(key);
    if (this.buckets.size >= MAX_TRACKED_KEYS) this.buckets.clear();
  }
}

const LICENSE_HEADER = /^License\s+(\S+)\s*$/i;

/**
 * Rate limits on the client API (per license key and per address) and on sign-in (per address),
 * checked before authentication so a flood costs no database lookup. Limits are per process.
 */
export function installRateLimits(app: FastifyInstance, services: Services, limits: RateLimits): void {
  const bucketsFor = (perMinute: number) => (perMinute > 0 ? new TokenBuckets(services.clock, perMinute) : null);
  const perKey = bucketsFor(limits.clientPerKey);
  const perAddress = bucketsFor(limits.clientPerAddress);
  const signIn = bucketsFor(limits.signInPerAddress);

  const check = (buckets: TokenBuckets | null, key: string, what: string) => {
    const taken = buckets?.take(key);
    if (taken && !taken.ok) {
      throw new DomainError('TOO_MANY_REQUESTS', `Too many requests ${what}; retry after ${taken.retryAfterSeconds} s.`, {
        retryAfterSeconds: taken.retryAfterSeconds,
      });
    }
  };

  // A callback hook, not an async one: it never waits, and a promise per request is not free.
  app.addHook('onRequest', (request: FastifyRequest, _reply, done) => {
    try {
      limit(request);
      done();
    } catch (error) {
      done(error as Error);
    }
  });

  const limit = (request: FastifyRequest) => {
    const url = request.routeOptions.url;
    if (url?.startsWith('/v1/client/')) {
      check(perAddress, request.ip, 'from this address');
      const header = request.headers.authorization;
      const match = typeof header === 'string' ? LICENSE_HEADER.exec(header) : null;
      if (match) check(perKey, licenseKeyHashOf(services, request, match[1]!), 'for this license key');
    } else if (
      (request.method === 'POST' && (url === '/v1/session' || request.routeOptions.config.portal === 'open')) ||
      // The portal's SSO routes (a lookup by domain, a start that keeps a sign-in under way, the callback) are GETs.
      url?.startsWith('/v1/portal/sso/')
    ) {
      // The customer portal's sign-in, invitation and link routes share the console's budget.
      check(signIn, request.ip, 'to sign in from this address');
    }
  };
}
