import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type { EnforcementMode, FeatureValues, Jwks, LeaseClaims } from '@leasehold/contract';
import type { Fetch } from '../../src/index.js';
import type { ManualClock } from '../../src/index.js';

/** An Ed25519 signing key with its JWKS, signing leases the way the server does. */
export class Signer {
  readonly kid = `key_${randomBytes(6).toString('hex')}`;
  private readonly privateKey: KeyObject;
  readonly jwks: Jwks;

  constructor() {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    this.privateKey = privateKey;
    const jwk = publicKey.export({ format: 'jwk' }) as { kty: string; crv: string; x: string };
    this.jwks = { keys: [{ kty: jwk.kty, crv: jwk.crv, x: jwk.x, kid: this.kid, alg: 'EdDSA', use: 'sig' }] };
  }

  sign(claims: object, header: object = {}): string {
    const h = Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: this.kid, typ: 'leasehold-lease+jwt', ...header })).toString('base64url');
    const b = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${h}.${b}.${sign(null, Buffer.from(`${h}.${b}`), this.privateKey).toString('base64url')}`;
  }
}

export interface FakeLicense {
  key: string;
  product: string;
  features: FeatureValues;
  status: 'active' | 'suspended';
  mode: EnforcementMode;
  leaseSeconds: number;
  seatKind: 'device' | 'floating';
  heartbeatSeconds: number;
  borrowLimitSeconds: number | null;
  /** Features counted as consumption when their value is a bare number (object values always are). */
  metered: string[];
  /** Features that are element pools (their value is the pool size). */
  pools: string[];
  /** When the current quota period ends (ms). */
  periodEndsAt: number;
}

interface FakeActivation {
  id: string;
  fingerprint: string;
  heartbeatDeadline: number | null;
  borrowedUntil: number | null;
  live: boolean;
}

type Handler = (body: Record<string, unknown>, license: FakeLicense) => { status: number; body: unknown };

/**
 * A Leasehold server in memory, reached through an injected `fetch` and living on the test's
 * ManualClock: enough of the client API to drive the SDK through every state without sockets.
 */
export class FakeServer {
  readonly signer = new Signer();
  readonly calls: Array<{ path: string; at: number }> = [];
  readonly license: FakeLicense;
  readonly activations: FakeActivation[] = [];
  /** `'down'`: every call fails like a refused connection; a number: every call answers that status. */
  outage: 'down' | number | null = null;
  /** The `Retry-After` header an outage answers with (seconds), if any. */
  retryAfter: string | null = null;
  /** Signs leases with this signer instead (a server with the wrong key). */
  impostor: Signer | null = null;
  /** Usage counted this period, per feature; the idempotency keys seen; every record counted. */
  readonly used = new Map<string, number>();
  readonly usageKeys = new Set<string>();
  readonly usageRecords: Array<{ feature: string; quantity: number; at: string | undefined; idempotencyKey: string }> = [];
  /** Usage requests as received (their idempotency keys), in order. */
  readonly usageBatches: string[][] = [];
  /** Called after a usage report is counted, before the answer leaves: a crash or a lost answer can be simulated here. */
  afterUsage: (() => void) | null = null;
  /** The answer to the next usage report is lost (the connection drops after the server counted it). */
  loseUsageAnswers = 0;
  /** Pool elements held, per activation and feature. */
  readonly held = new Map<string, number>();
  readonly trials = new Set<string>();
  /** The server's clock minus the test's clock (ms): a server whose clock differs from the device's. */
  clockOffsetMs = 0;
  private seq = 0;

  constructor(
    readonly clock: ManualClock,
    license: Partial<FakeLicense> = {},
  ) {
    this.license = {
      key: 'AAAAA-BBBBB-CCCCC-DDDDD-EEEEE',
      product: 'studio',
      features: { export: true, projects: 10 },
      status: 'active',
      mode: 'enforce',
      leaseSeconds: 7 * 24 * 3600,
      seatKind: 'device',
      heartbeatSeconds: 300,
      borrowLimitSeconds: null,
      metered: [],
      pools: [],
      periodEndsAt: clock.now() + 31 * 24 * 3600 * 1000,
      ...license,
    };
  }

  /** The server's clock. */
  now(): number {
    return this.clock.now() + this.clockOffsetMs;
  }

  get jwks(): Jwks {
    return this.signer.jwks;
  }

  callsTo(path: string): number[] {
    return this.calls.filter((c) => c.path === path).map((c) => c.at);
  }

  readonly fetch: Fetch = async (input, init) => {
    const path = new URL(input).pathname;
    this.calls.push({ path, at: this.clock.now() });
    if (this.outage === 'down') throw new TypeError('fetch failed: connect ECONNREFUSED');
    if (typeof this.outage === 'number')
      return json(
        this.outage,
        { error: { code: 'SERVICE_UNAVAILABLE', message: 'down for maintenance' } },
        this.retryAfter === null ? {} : { 'retry-after': this.retryAfter, date: new Date(this.clock.now()).toUTCString() },
      );
    const key = /^License (.+)$/.exec(String((init.headers as Record<string, string>).authorization ?? ''))?.[1];
    if (key !== this.license.key && path !== '/v1/client/trial') {
      return json(401, { error: { code: 'LICENSE_KEY_INVALID', message: 'No license has this key.' } });
    }
    const pool = /^\/v1\/client\/pools\/([^/]+)\/(checkout|checkin)$/.exec(path);
    const handler = pool
      ? (body: Record<string, unknown>) => this.movePool(decodeURIComponent(pool[1]!), pool[2]!, body)
      : this.routes[path];
    if (!handler) return json(404, { error: { code: 'NOT_FOUND', message: path } });
    const out = handler(JSON.parse(String(init.body)), this.license);
    if (path === '/v1/client/usage' && this.loseUsageAnswers > 0) {
      this.loseUsageAnswers--;
      throw new TypeError('fetch failed: socket hang up');
    }
    return json(out.status, out.status === 204 ? null : { ...(out.body as object), serverTime: new Date(this.now()).toISOString() });
  };

  private refusal(): { status: number; body: unknown } | null {
    return this.license.status === 'suspended'
      ? { status: 403, body: { error: { code: 'SUSPENDED', message: 'The license is suspended.' } } }
      : null;
  }

  private find(fingerprint: unknown): FakeActivation | { status: number; body: unknown } {
    const a = this.activations.find((x) => x.live && x.fingerprint === fingerprint);
    if (!a) return { status: 404, body: { error: { code: 'NOT_ACTIVATED', message: 'This device is not activated.' } } };
    const now = this.now();
    if (a.heartbeatDeadline !== null && a.heartbeatDeadline < now && !(a.borrowedUntil !== null && a.borrowedUntil > now)) {
      a.live = false;
      return { status: 409, body: { error: { code: 'HEARTBEAT_DEAD', message: 'Heartbeats stopped.' } } };
    }
    return a;
  }

  private lease(a: FakeActivation) {
    const now = this.now();
    const l = this.license;
    let end = now + l.leaseSeconds * 1000;
    if (a.heartbeatDeadline !== null)
      end = Math.min(end, a.borrowedUntil !== null && a.borrowedUntil > now ? a.borrowedUntil : a.heartbeatDeadline);
    const iat = Math.floor(now / 1000);
    const exp = Math.floor(end / 1000);
    const claims: LeaseClaims = {
      iss: 'acc_test',
      sub: a.id,
      aud: l.product,
      jti: `lse_${++this.seq}`,
      iat,
      exp,
      refreshAfter: iat + Math.floor((exp - iat) / 2),
      fingerprint: a.fingerprint,
      mode: l.mode,
      seat: {
        kind: l.seatKind,
        heartbeatDeadline: a.heartbeatDeadline === null ? null : Math.floor(a.heartbeatDeadline / 1000),
        borrowedUntil: a.borrowedUntil === null ? null : Math.floor(a.borrowedUntil / 1000),
      },
      entitlement: {
        id: 'ent_1',
        customer: { id: 'cus_1', name: 'Acme' },
        offering: { id: 'off_1', code: 'pro', name: 'Pro' },
        status: l.status,
        startsAt: new Date(0).toISOString(),
        endsAt: null,
        licenseModel: 'subscription',
        seatModel: l.seatKind === 'floating' ? 'floating' : 'node_locked',
        seats: 5,
        leasePeriod: `PT${l.leaseSeconds}S`,
        features: { ...l.features },
        maintenanceUntil: null,
      },
      usage: Object.fromEntries(
        Object.entries(this.quotas()).map(([code, q]) => [code, { ...q, periodEndsAt: Math.floor(q.periodEndsAt / 1000) }]),
      ),
    };
    const token = (this.impostor ?? this.signer).sign(claims);
    return {
      id: claims.jti,
      token,
      issuedAt: new Date(iat * 1000).toISOString(),
      expiresAt: new Date(exp * 1000).toISOString(),
      refreshAfter: new Date(claims.refreshAfter * 1000).toISOString(),
    };
  }

  private readonly routes: Record<string, Handler> = {
    '/v1/client/activate': (body) => {
      const refused = this.refusal();
      if (refused) return refused;
      const now = this.now();
      let a = this.activations.find((x) => x.live && x.fingerprint === body.fingerprint);
      const created = !a;
      if (!a) {
        a = { id: `act_${++this.seq}`, fingerprint: String(body.fingerprint), heartbeatDeadline: null, borrowedUntil: null, live: true };
        this.activations.push(a);
      }
      if (this.license.seatKind === 'floating') a.heartbeatDeadline = now + this.license.heartbeatSeconds * 1000;
      return { status: created ? 201 : 200, body: { activation: { id: a.id }, lease: this.lease(a), warnings: [] } };
    },
    '/v1/client/refresh': (body) => this.renew(body),
    '/v1/client/heartbeat': (body) => this.renew(body),
    '/v1/client/borrow': (body) => {
      const a = this.find(body.fingerprint);
      if (!('id' in a)) return a;
      const seconds = Number(/^PT(\d+)S$/.exec(String(body.duration))?.[1] ?? NaN);
      if (this.license.borrowLimitSeconds === null || !(seconds <= this.license.borrowLimitSeconds)) {
        return { status: 422, body: { error: { code: 'BORROW_NOT_ALLOWED', message: 'no' } } };
      }
      a.borrowedUntil = this.now() + seconds * 1000;
      return { status: 200, body: { lease: this.lease(a), warnings: [] } };
    },
    '/v1/client/deactivate': (body) => {
      const a = this.find(body.fingerprint);
      if (!('id' in a)) return a;
      a.live = false;
      return { status: 204, body: null };
    },
    '/v1/client/usage': (body) => {
      const refused = this.refusal();
      if (refused) return refused;
      const a = this.find(body.fingerprint);
      if (!('id' in a)) return a;
      const records = body.records as Array<{ feature: string; quantity: number; at?: string; idempotencyKey: string }>;
      this.usageBatches.push(records.map((r) => r.idempotencyKey));
      const out = { accepted: 0, duplicates: 0, rejected: [] as Array<{ idempotencyKey: string; code: string; message: string }> };
      for (const r of records) {
        if (this.usageKeys.has(r.idempotencyKey)) {
          out.duplicates++;
          continue;
        }
        this.usageKeys.add(r.idempotencyKey);
        const rule = this.ruleOf(r.feature);
        if (!rule) {
          out.rejected.push({ idempotencyKey: r.idempotencyKey, code: 'FEATURE_MISSING', message: `${r.feature} is not metered.` });
          continue;
        }
        const used = this.used.get(r.feature) ?? 0;
        if (used + r.quantity > rule.ceiling) {
          out.rejected.push({
            idempotencyKey: r.idempotencyKey,
            code: 'QUOTA_EXHAUSTED',
            message: `${r.feature}: ${used} of ${rule.limit} used.`,
          });
          continue;
        }
        this.used.set(r.feature, used + r.quantity);
        this.usageRecords.push({ feature: r.feature, quantity: r.quantity, at: r.at, idempotencyKey: r.idempotencyKey });
        out.accepted++;
      }
      this.afterUsage?.();
      const usage = Object.fromEntries(
        Object.entries(this.quotas()).map(([code, q]) => [code, { ...q, periodEndsAt: new Date(q.periodEndsAt).toISOString() }]),
      );
      return { status: 200, body: { ...out, usage } };
    },
    '/v1/client/trial': (body) => {
      const fingerprint = String(body.fingerprint);
      if (this.trials.has(fingerprint)) {
        return {
          status: 409,
          body: { error: { code: 'TRIAL_ALREADY_USED', message: 'This device has already had a trial of this product.' } },
        };
      }
      this.trials.add(fingerprint);
      const a: FakeActivation = { id: `act_${++this.seq}`, fingerprint, heartbeatDeadline: null, borrowedUntil: null, live: true };
      this.activations.push(a);
      return {
        status: 201,
        body: { key: this.license.key, entitlementId: 'ent_1', activation: { id: a.id }, lease: this.lease(a), warnings: [] },
      };
    },
    '/v1/client/validate': (body) => {
      const a = this.activations.find((x) => x.live && x.fingerprint === body.fingerprint);
      const code = this.license.status === 'suspended' ? 'SUSPENDED' : a ? 'VALID' : 'NOT_ACTIVATED';
      return {
        status: 200,
        body: {
          valid: code === 'VALID',
          code,
          message: code,
          warnings: [],
          enforcement: this.license.mode,
          entitlement: null,
          activation: null,
        },
      };
    },
  };

  private ruleOf(feature: string): { limit: number; ceiling: number; overage: unknown } | null {
    const value = this.license.features[feature];
    let limit: number;
    let overage: 'block' | 'bill' | { allowPercent: number } = 'block';
    if (typeof value === 'object' && value !== null) {
      limit = value.limit;
      overage = value.overage ?? 'block';
    } else if (typeof value === 'number' && this.license.metered.includes(feature)) limit = value;
    else return null;
    const ceiling = overage === 'bill' ? Infinity : overage === 'block' ? limit : Math.floor(limit * (1 + overage.allowPercent / 100));
    return { limit, ceiling, overage };
  }

  /** The quota of every consumption feature now, as the server puts it in leases and usage answers. */
  quotas(): Record<string, { used: number; limit: number; remaining: number; periodEndsAt: number }> {
    const out: Record<string, { used: number; limit: number; remaining: number; periodEndsAt: number }> = {};
    for (const code of Object.keys(this.license.features)) {
      const rule = this.ruleOf(code);
      if (!rule) continue;
      const used = this.used.get(code) ?? 0;
      out[code] = { used, limit: rule.limit, remaining: Math.max(0, rule.limit - used), periodEndsAt: this.license.periodEndsAt };
    }
    return out;
  }

  /** Starts a new quota period: nothing used, ending at `endsAt`. */
  newPeriod(endsAt: number): void {
    this.used.clear();
    this.license.periodEndsAt = endsAt;
  }

  private movePool(feature: string, direction: string, body: Record<string, unknown>): { status: number; body: unknown } {
    const refused = this.refusal();
    if (refused) return refused;
    const a = this.find(body.fingerprint);
    if (!('id' in a)) return a;
    const value = this.license.features[feature];
    if (!this.license.pools.includes(feature) || typeof value !== 'number') {
      return { status: 400, body: { error: { code: 'INVALID_REQUEST', message: `${feature} is not a pool feature.` } } };
    }
    const count = Number(body.count ?? 1);
    const key = `${a.id}/${feature}`;
    const held = this.held.get(key) ?? 0;
    const inUse = [...this.held.entries()].filter(([k]) => k.endsWith(`/${feature}`)).reduce((n, [, c]) => n + c, 0);
    if (direction === 'checkout') {
      if (inUse + count > value) {
        return { status: 409, body: { error: { code: 'POOL_EXHAUSTED', message: `${feature}: ${inUse} of ${value} in use.` } } };
      }
      this.held.set(key, held + count);
      return { status: 200, body: { pool: { feature, inUse: inUse + count, limit: value, held: held + count } } };
    }
    if (count > held) return { status: 400, body: { error: { code: 'INVALID_REQUEST', message: `holds ${held}` } } };
    this.held.set(key, held - count);
    return { status: 200, body: { pool: { feature, inUse: inUse - count, limit: value, held: held - count } } };
  }

  private renew(body: Record<string, unknown>) {
    const refused = this.refusal();
    if (refused) return refused;
    const a = this.find(body.fingerprint);
    if (!('id' in a)) return a;
    if (a.heartbeatDeadline !== null) a.heartbeatDeadline = this.now() + this.license.heartbeatSeconds * 1000;
    return { status: 200, body: { lease: this.lease(a), warnings: [] } };
  }
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === null ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** Lets the SDK's background promises (a refresh started by a timer) run to completion. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}
