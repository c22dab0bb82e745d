import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import type {
  ActivateResponse,
  FeatureValue,
  FeatureValues,
  Jwks,
  LeaseResponse,
  ValidationCode,
  ValidationResult,
} from '@leasehold/contract';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import { LeaseCache, writeAtomically, type CachedState } from './cache.js';
import { systemClock, type Clock, type Timer } from './clock.js';
import { LeaseholdError } from './errors.js';
import { deviceFingerprint, isValidFingerprint, type FingerprintSource } from './fingerprint.js';
import { LeaseRejected, TrustedKeys, verifyLease, type VerifiedLease } from './lease.js';
import { isOfflineResponse, type OfflineActivationRequest, type OfflineActivationResponse } from './offline.js';
import { grants, messageFor, REFUSALS, refusalCode, type LicenseStatus } from './status.js';
import { ClientApi, type Fetch } from './transport.js';

/** How to open a license. Only `product`, `publicKeys` and `cacheDir` are required. */
export interface OpenOptions {
  /** The Leasehold server, e.g. `https://licensing.example.com`. Leave out on air-gapped devices: the SDK then never calls the network. */
  serverUrl?: string | null;
  /** The product code this application is; leases for other products are refused. */
  product: string;
  /** The vendor account's JWKS (`GET /.well-known/jwks.json`), shipped inside the application. Only leases signed by these keys grant rights. */
  publicKeys: Jwks;
  /** A directory only this user can write, for the encrypted cache (`<product>.lease`). */
  cacheDir: string;
  /** The device fingerprint, when the application has its own idea of a device; default: the OS machine id hashed with the product. */
  fingerprint?: string;
  /** The vendor account id (lease `iss`) to insist on, when one server hosts several vendors. */
  account?: string;
  /** How far the clock may go back behind the latest trusted time before it counts as tampering (ms). Default 5 minutes. */
  clockToleranceMs?: number;
  /** Courtesy refresh: a quiet attempt when the license opens, then every `intervalMs` (0: never). Default on, every hour. */
  courtesy?: { onOpen?: boolean; intervalMs?: number };
  /** Retries of failed refreshes. Default: from 5 s, doubling, never over 15 minutes. */
  backoff?: Partial<BackoffPolicy>;
  /** `expiring` fires when less than this is left of a lease (ms). Default: a quarter of the lease's lifetime. */
  expiringWithinMs?: number;
  /** How often the SDK records the time it has seen, so a clock wound back between runs is noticed (ms). Default 10 minutes. */
  checkpointMs?: number;
  /** Per request (ms). Default 10 s. */
  requestTimeoutMs?: number;
  /** Sent with an activation, for the vendor's device list. */
  device?: { name?: string; platform?: string; hostname?: string; user?: string; meta?: Record<string, unknown> };
  /** Injected time and timers; default the system clock. */
  clock?: Clock;
  /** Injected HTTP; default the global `fetch`. */
  fetch?: Fetch;
  /** Injected randomness for jitter, in [0, 1); default `Math.random`. */
  random?: () => number;
}

/** What the SDK would have refused, in `warn` or `log` mode where it refuses nothing. */
export interface Violation {
  code: ValidationCode;
  message: string;
  mode: 'warn' | 'log';
  at: Date;
}

/** How a refresh went. */
export interface RefreshOutcome {
  /** A new lease was received and installed. */
  refreshed: boolean;
  /** `VALID` on success; otherwise why not: `OFFLINE`, `SIGNATURE_INVALID`, a server refusal (`SUSPENDED`, …), or `SKIPPED` (no server configured, or no license). */
  code: string;
  status: LicenseStatus;
  error?: LeaseholdError;
}

/** The events a license emits. */
export interface LicenseEvents {
  /** The status changed: a new lease (new rights), a refusal, an expiry, a tampered clock. */
  changed: [LicenseStatus];
  /** A new lease arrived from the server. */
  refreshed: [LicenseStatus];
  /** The lease is running out without a refresh. */
  expiring: [{ expiresAt: Date; remainingMs: number }];
  /** The lease expired without a refresh. */
  expired: [LicenseStatus];
  /** The server stopped answering (emitted when that starts, not on every attempt). */
  offline: [LeaseholdError];
  /** The server answers again after being unreachable. */
  online: [];
  /** `warn` and `log` modes: what `enforce` would have refused; the application keeps working. */
  violation: [Violation];
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * Opens the license of `product` on this device from its encrypted cache, without waiting for the
 * network: a cached lease grants its rights at once (offline too), and a courtesy refresh runs in
 * the background when a server is configured. A missing cache gives status `NO_LICENSE`; a
 * damaged, altered or copied one `CACHE_TAMPERED` — never an exception.
 *
 * @example
 * import { Leasehold } from '@leasehold/sdk';
 * import jwks from './leasehold-jwks.json' with { type: 'json' };
 *
 * const license = await Leasehold.open({
 *   serverUrl: 'https://licensing.example.com',
 *   product: 'studio',
 *   publicKeys: jwks,
 *   cacheDir: '/var/lib/studio/license',
 * });
 * if (!license.status().valid) await license.activate('X9M9J-2GKXH-9P96X-FKWAR-KXQ52');
 * if (license.hasFeature('export')) enableExport();
 */
async function open(options: OpenOptions): Promise<License> {
  return License.openSync(options);
}

/** The SDK's entry point: `Leasehold.open(options)`. */
export const Leasehold = { open };

/**
 * A product's license on this device: its lease, the rights it grants, and the work that keeps
 * it fresh (refresh, courtesy refresh, heartbeats for floating seats). Get one with
 * {@link Leasehold.open}; call {@link License.close} when the application exits.
 */
export class License extends EventEmitter<LicenseEvents> {
  /** The device fingerprint this license is bound to. */
  readonly fingerprint: string;
  /** Where the fingerprint came from (`machine-id`, `ioreg`, `registry`, `generated`, or `app`). */
  readonly fingerprintSource: FingerprintSource;
  /** The cache file. */
  readonly cacheFile: string;

  private readonly product: string;
  private readonly keys: TrustedKeys;
  private readonly cache: LeaseCache;
  private readonly api: ClientApi | null;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly tolerance: number;
  private readonly courtesyEvery: number;
  private readonly backoff: BackoffPolicy;
  private readonly checkpointEvery: number;
  private readonly options: OpenOptions;

  private state: CachedState | null = null;
  private lease: VerifiedLease | null = null;
  /** A cache that would not load: CACHE_TAMPERED or SIGNATURE_INVALID, until a lease is installed. */
  private problem: ValidationCode | null = null;
  private online: boolean | null = null;
  private failures = 0;
  private closed = false;
  private inflight: Promise<RefreshOutcome> | null = null;

  // The hot path: rights hold while okFrom <= local now < okUntil (both in local clock time).
  private features: FeatureValues = {};
  private okFrom = Infinity;
  private okUntil = -Infinity;
  private relaxed = false;

  private renewTimer: Timer | null = null;
  private expiryTimers: Timer[] = [];
  private checkpointTimer: Timer | null = null;
  private lastNotified = '';
  private lastViolation: ValidationCode | null = null;

  private constructor(options: OpenOptions) {
    super();
    if (!options.product) throw new TypeError('product is required');
    if (!options.cacheDir) throw new TypeError('cacheDir is required');
    this.options = options;
    this.product = options.product;
    this.keys = new TrustedKeys(options.publicKeys);
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.tolerance = options.clockToleranceMs ?? 5 * MINUTE;
    this.courtesyEvery = options.courtesy?.intervalMs ?? HOUR;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.checkpointEvery = options.checkpointMs ?? 10 * MINUTE;
    if (options.fingerprint !== undefined) {
      if (!isValidFingerprint(options.fingerprint)) throw new TypeError('fingerprint must be 8–256 printable ASCII characters');
      this.fingerprint = options.fingerprint;
      this.fingerprintSource = 'app';
    } else {
      const fp = deviceFingerprint(options.product, options.cacheDir);
      this.fingerprint = fp.value;
      this.fingerprintSource = fp.source;
    }
    this.cache = new LeaseCache(options.cacheDir, options.product, this.fingerprint);
    this.cacheFile = this.cache.file;
    this.api = options.serverUrl
      ? new ClientApi(options.serverUrl, options.fetch ?? ((input, init) => fetch(input, init)), options.requestTimeoutMs ?? 10_000)
      : null;
  }

  /** @internal Use {@link Leasehold.open}. */
  static openSync(options: OpenOptions): License {
    const license = new License(options);
    license.load();
    return license;
  }

  private load(): void {
    const read = this.cache.read();
    if (read.kind === 'tampered') this.problem = 'CACHE_TAMPERED';
    if (read.kind === 'ok') {
      this.state = read.state;
      if (read.state.token) {
        try {
          this.lease = this.verify(read.state.token, read.state.activationId);
        } catch {
          this.problem = 'SIGNATURE_INVALID';
        }
      }
    }
    this.observeTime();
    this.rearm();
    this.lastNotified = this.notifyKey(this.status());
    this.checkpointTimer = this.clock.setTimer(() => this.checkpoint(), this.checkpointEvery);
    if (this.options.courtesy?.onOpen !== false && this.state?.licenseKey && this.lease) void this.renew('courtesy');
  }

  // ---------------------------------------------------------------- asking

  /**
   * Whether a feature is granted now: a boolean feature that is on, a numeric feature above zero,
   * a quota above zero. Answered from memory in well under a microsecond; safe to call on every
   * click. Nothing is granted without a valid lease — except in `warn` and `log` modes, where the
   * lease's features stay granted and a `violation` event says what would have been refused.
   *
   * @example
   * if (license.hasFeature('export-pdf')) menu.enable('Export as PDF…');
   */
  hasFeature(code: string): boolean {
    const now = this.clock.now();
    if (now >= this.okFrom && now < this.okUntil) return grants(this.features[code]);
    return this.outsideLease() && grants(this.features[code]);
  }

  /**
   * The value of a feature now (`true`, a limit such as `10`, or a quota `{limit, period}`), or
   * `undefined` when it is not granted, under the same rules as {@link License.hasFeature}.
   *
   * @example
   * const maxProjects = Number(license.featureValue('projects') ?? 1);
   */
  featureValue(code: string): FeatureValue | undefined {
    const now = this.clock.now();
    if (now >= this.okFrom && now < this.okUntil) return this.features[code];
    return this.outsideLease() ? this.features[code] : undefined;
  }

  /** The slow path: the lease does not hold right now. Reports the change; grants only in a relaxed mode. */
  private outsideLease(): boolean {
    this.notify();
    return this.relaxed;
  }

  /**
   * The license's state now, computed offline from the cached lease, the server's last answer and
   * the clock.
   *
   * @example
   * const s = license.status();
   * if (!s.valid) console.warn(`${s.code}: ${s.message}`);
   * else console.log(`licensed to ${s.entitlement?.customer.name} until ${s.expiresAt?.toISOString()}`);
   */
  status(): LicenseStatus {
    const now = this.clock.now();
    const code = this.codeAt(now);
    const lease = this.lease?.claims ?? null;
    const valid = code === 'VALID';
    const permitted = valid || (lease !== null && lease.mode !== 'enforce');
    const at = (s: number | undefined) => (s === undefined ? null : new Date(s * 1000));
    return {
      valid,
      code,
      message: this.state?.refusal?.code === code ? this.state.refusal.message : messageFor(code),
      permitted,
      mode: lease?.mode ?? null,
      issuedAt: at(lease?.iat),
      expiresAt: at(lease?.exp),
      refreshAfter: at(lease?.refreshAfter),
      activationId: lease?.sub ?? this.state?.activationId ?? null,
      seat: lease?.seat ?? null,
      entitlement: lease?.entitlement ?? null,
      features: permitted && lease ? { ...lease.entitlement.features } : {},
      online: this.online,
      lastContactAt: this.state?.lastContactAt ? new Date(this.state.lastContactAt) : null,
      fingerprint: this.fingerprint,
    };
  }

  private codeAt(now: number): ValidationCode {
    if (!this.lease) return this.problem ?? this.state?.refusal?.code ?? 'NO_LICENSE';
    if (this.state?.refusal) return this.state.refusal.code;
    const serverNow = now + (this.state?.skewMs ?? 0);
    if (serverNow < (this.state?.trustedTime ?? 0) - this.tolerance) return 'CLOCK_TAMPERED';
    if (serverNow >= this.lease.claims.exp * 1000) return 'LEASE_EXPIRED';
    return 'VALID';
  }

  // ---------------------------------------------------------------- acting

  /**
   * Activates this device with a license key: takes a seat (or finds the one it already holds),
   * verifies the lease against the pinned keys, caches it, and starts keeping it fresh. Without a
   * key, the key of the cached license is used (to take a floating seat again, say). Throws a
   * {@link LeaseholdError} when the server refuses (`SEAT_LIMIT_REACHED`, `LICENSE_KEY_INVALID`,
   * `SUSPENDED`, …) or cannot be reached (`OFFLINE`).
   *
   * @example
   * const status = await license.activate('X9M9J-2GKXH-9P96X-FKWAR-KXQ52');
   * console.log(status.code, status.expiresAt); // 'VALID' 2026-03-08T10:00:00.000Z
   */
  async activate(licenseKey?: string): Promise<LicenseStatus> {
    const key = licenseKey?.trim() || this.state?.licenseKey;
    if (!key) throw new LeaseholdError('NO_LICENSE', 'Pass the license key to activate.');
    const api = this.requireApi();
    const d = this.options.device ?? {};
    const body = {
      fingerprint: this.fingerprint,
      product: this.product,
      name: d.name ?? osHostname(),
      platform: d.platform ?? `${process.platform}-${process.arch}`,
      hostname: d.hostname ?? osHostname(),
      ...(d.user === undefined ? {} : { user: d.user }),
      ...(d.meta === undefined ? {} : { meta: d.meta }),
    };
    const answer = await this.contact(() => api.post<ActivateResponse>('/v1/client/activate', key, body));
    const lease = this.verifyOrThrow(answer.body.lease.token, answer.body.activation.id);
    this.install(key, lease, answer.serverTime);
    return this.status();
  }

  /**
   * Refreshes the lease. `{force: true}` is the "refresh license" button: it asks the server now,
   * waits, and reports what happened. Without it, a courtesy refresh: the same request, but quiet —
   * it never throws and, offline, changes nothing. Either way, new rights (an upgrade, a
   * suspension) take effect at once.
   *
   * @example
   * const outcome = await license.refresh({ force: true });
   * if (outcome.refreshed) toast('License updated');
   * else toast(`Could not refresh: ${outcome.code}`); // 'OFFLINE', 'SUSPENDED', …
   */
  async refresh(options: { force?: boolean } = {}): Promise<RefreshOutcome> {
    return this.renew(options.force ? 'forced' : 'courtesy');
  }

  /**
   * Asks the server whether this license may run now (optionally with these features) and applies
   * the answer: a refusal takes effect at once, and a license that became valid again gets a fresh
   * lease. Offline, answers from the cache. Returns the status after the answer.
   *
   * @example
   * const s = await license.validate(['export-pdf']);
   * console.log(s.valid, s.code);
   */
  async validate(features?: string[]): Promise<LicenseStatus & { server: ValidationResult | null }> {
    const key = this.state?.licenseKey;
    if (!this.api || !key) return { ...this.status(), server: null };
    try {
      const answer = await this.contact(() =>
        this.api!.post<ValidationResult>('/v1/client/validate', key, {
          fingerprint: this.fingerprint,
          product: this.product,
          ...(features ? { features } : {}),
        }),
      );
      const result = answer.body;
      if (!result.valid && REFUSALS.has(result.code)) this.refuse(result.code, result.message);
      else if (result.valid && (this.state?.refusal || !this.lease)) await this.renew('forced');
      return { ...this.status(), server: result };
    } catch (error) {
      if (error instanceof LeaseholdError && error.transient) return { ...this.status(), server: null };
      throw error;
    }
  }

  /**
   * Borrows this device's floating seat for offline use (a laptop going on a trip), up to the
   * offering's borrow limit: heartbeats stop, and the lease runs until the borrow ends. `duration`
   * is an ISO 8601 duration or milliseconds.
   *
   * @example
   * await license.borrow('P3D'); // three days offline
   * await license.borrow(8 * 3600_000); // a working day
   */
  async borrow(duration: string | number): Promise<LicenseStatus> {
    const key = this.state?.licenseKey;
    if (!key || !this.lease) throw new LeaseholdError('NO_LICENSE', 'Activate before borrowing a seat.');
    const iso = typeof duration === 'number' ? `PT${Math.max(1, Math.floor(duration / 1000))}S` : duration;
    const api = this.requireApi();
    const answer = await this.contact(() =>
      api.post<LeaseResponse>('/v1/client/borrow', key, { fingerprint: this.fingerprint, duration: iso }),
    );
    this.install(key, this.verifyOrThrow(answer.body.lease.token, this.lease.claims.sub), answer.serverTime);
    return this.status();
  }

  /**
   * Gives this device's seat back (moving to another machine counts as a rehost where the
   * offering limits those) and deletes the cache. Throws `OFFLINE` when the server cannot be
   * reached — the seat is then still taken, so the local license is kept.
   *
   * @example
   * await license.deactivate();
   * license.status().code; // 'NO_LICENSE'
   */
  async deactivate(): Promise<void> {
    const key = this.state?.licenseKey;
    if (key) {
      const api = this.requireApi();
      try {
        await this.contact(() => api.post('/v1/client/deactivate', key, { fingerprint: this.fingerprint, product: this.product }));
      } catch (error) {
        if (!(error instanceof LeaseholdError) || (error.code !== 'NOT_ACTIVATED' && error.code !== 'HEARTBEAT_DEAD')) throw error;
      }
    }
    this.cache.remove();
    this.state = null;
    this.lease = null;
    this.problem = null;
    this.rearm();
    this.notify();
  }

  /**
   * Writes an offline activation request for an air-gapped device. The customer carries the file
   * to the vendor, who answers it with `leasehold offline activate <file>` (or
   * `POST /v1/offline/activations`); {@link License.importOfflineResponse} installs the answer.
   *
   * @example
   * license.writeOfflineRequest('X9M9J-2GKXH-9P96X-FKWAR-KXQ52', '/media/usb/activation-request.json');
   */
  writeOfflineRequest(licenseKey: string, file: string): OfflineActivationRequest {
    const now = this.clock.now();
    const d = this.options.device ?? {};
    const request: OfflineActivationRequest = {
      format: 'leasehold-offline-request',
      v: 1,
      product: this.product,
      fingerprint: this.fingerprint,
      licenseKey: licenseKey.trim(),
      nonce: randomBytes(16).toString('base64url'),
      createdAt: new Date(now).toISOString(),
      name: d.name ?? osHostname(),
      platform: d.platform ?? `${process.platform}-${process.arch}`,
      hostname: d.hostname ?? osHostname(),
    };
    const keep = this.state?.licenseKey === request.licenseKey ? this.state : null;
    this.state = {
      ...(keep ?? this.emptyState(request.licenseKey)),
      pendingOffline: { nonce: request.nonce, createdAt: now },
    };
    this.save();
    writeAtomically(file, JSON.stringify(request, null, 2) + '\n');
    return request;
  }

  /**
   * Installs the vendor's answer to this device's offline activation request (a file path, or
   * the parsed file). The lease is verified like any other — pinned key, product, this device,
   * the request's nonce — and the application runs offline until it expires. Throws
   * `OFFLINE_RESPONSE_INVALID` or `SIGNATURE_INVALID` otherwise.
   *
   * @example
   * const status = license.importOfflineResponse('/media/usb/activation-response.json');
   * console.log(status.valid, status.expiresAt);
   */
  importOfflineResponse(source: string | OfflineActivationResponse): LicenseStatus {
    let response: unknown = source;
    if (typeof source === 'string') {
      try {
        response = JSON.parse(readFileSync(source, 'utf8'));
      } catch (cause) {
        throw new LeaseholdError('OFFLINE_RESPONSE_INVALID', `Cannot read ${source}: ${(cause as Error).message}`, { cause });
      }
    }
    const invalid = (why: string) => new LeaseholdError('OFFLINE_RESPONSE_INVALID', why);
    if (!isOfflineResponse(response)) throw invalid('This is not a Leasehold offline activation response.');
    const pending = this.state?.pendingOffline;
    if (!pending || !this.state) throw invalid('This device has no offline activation request waiting for an answer.');
    if (response.nonce !== pending.nonce) throw invalid('The response answers another request (its nonce differs).');
    if (response.product !== this.product || response.fingerprint !== this.fingerprint) {
      throw invalid('The response is for another product or device.');
    }
    const lease = this.verifyOrThrow(response.lease.token, response.activationId);
    const issued = Date.parse(response.serverTime);
    this.install(this.state.licenseKey, lease, null, Number.isFinite(issued) ? issued : lease.claims.iat * 1000);
    return this.status();
  }

  /**
   * Resolves when no refresh is in flight: after `open()`, the courtesy refresh has finished (or
   * given up). For start-up code that prefers fresh rights when they come quickly.
   *
   * @example
   * await Promise.race([license.settled(), new Promise((r) => setTimeout(r, 2000))]);
   */
  async settled(): Promise<void> {
    while (this.inflight) await this.inflight.catch(() => undefined);
  }

  /**
   * Stops the background work, records the time seen (so a clock wound back later is noticed),
   * and gives back a floating seat that is not borrowed, so another user can take it at once.
   * Call it when the application exits.
   *
   * @example
   * process.on('SIGINT', async () => {
   *   await license.close();
   *   process.exit(0);
   * });
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.settled();
    this.cancelTimers();
    this.checkpointTimer?.cancel();
    const key = this.state?.licenseKey;
    if (this.api && key && this.lease && this.holdsByHeartbeat() && !this.isBorrowed()) {
      try {
        await this.api.post('/v1/client/deactivate', key, { fingerprint: this.fingerprint, product: this.product });
      } catch {
        // Unreachable: the server frees the seat when its heartbeat deadline passes.
      }
      if (this.state) this.state = { ...this.state, token: null, activationId: null };
      this.lease = null;
    }
    this.observeTime();
    if (this.state) this.save();
    this.removeAllListeners();
  }

  // ---------------------------------------------------------------- renewing

  private renew(kind: 'scheduled' | 'courtesy' | 'forced'): Promise<RefreshOutcome> {
    if (this.inflight) return this.inflight;
    this.inflight = this.renewNow(kind).finally(() => {
      this.inflight = null;
      this.scheduleRenewal();
    });
    return this.inflight;
  }

  private async renewNow(kind: 'scheduled' | 'courtesy' | 'forced'): Promise<RefreshOutcome> {
    const key = this.state?.licenseKey;
    if (!this.api || !key || this.closed) return { refreshed: false, code: 'SKIPPED', status: this.status() };
    const heartbeat = this.holdsByHeartbeat();
    const path = heartbeat ? '/v1/client/heartbeat' : '/v1/client/refresh';
    try {
      const answer = await this.contact(() =>
        this.api!.post<LeaseResponse>(path, key, { fingerprint: this.fingerprint, product: this.product }),
      );
      const lease = this.verifyOrThrow(answer.body.lease.token, this.lease?.claims.sub ?? this.state?.activationId ?? null);
      this.failures = 0;
      this.install(key, lease, answer.serverTime);
      const status = this.status();
      this.emit('refreshed', status);
      return { refreshed: true, code: 'VALID', status };
    } catch (caught) {
      const error =
        caught instanceof LeaseholdError ? caught : new LeaseholdError('INTERNAL', String((caught as Error)?.message ?? caught));
      if (error.transient || error.code === 'SIGNATURE_INVALID') {
        this.failures++;
      } else if (REFUSALS.has(error.code)) {
        // A floating seat lost to a missed heartbeat (a laptop asleep): take one again if one is free.
        if (heartbeat && (error.code === 'HEARTBEAT_DEAD' || error.code === 'NOT_ACTIVATED') && kind !== 'forced') {
          try {
            await this.activate(key);
            return { refreshed: true, code: 'VALID', status: this.status() };
          } catch {
            // fall through: the refusal stands
          }
        }
        this.failures = 0;
        this.refuse(refusalCode(error.code), error.message);
      } else {
        this.failures++;
      }
      return { refreshed: false, code: error.code, status: this.status(), error };
    }
  }

  /** Runs one server call, keeping track of whether the server answers and of its clock. */
  private async contact<T extends { serverTime: number | null }>(call: () => Promise<T>): Promise<T> {
    try {
      const answer = await call();
      this.markOnline(answer.serverTime);
      return answer;
    } catch (error) {
      if (error instanceof LeaseholdError && error.transient) {
        if (this.online !== false) {
          this.online = false;
          this.emit('offline', error);
        }
      } else if (error instanceof LeaseholdError) {
        const serverTime = error.details.serverTime;
        this.markOnline(typeof serverTime === 'number' ? serverTime : null);
      }
      throw error;
    }
  }

  private markOnline(serverTime: number | null): void {
    const was = this.online;
    this.online = true;
    if (this.state && serverTime !== null) this.syncTime(serverTime);
    if (was === false) this.emit('online');
  }

  /** The server's clock is the reference: adopt it, even when it is earlier than a time this device had recorded. */
  private syncTime(serverTime: number): void {
    if (!this.state) return;
    const now = this.clock.now();
    this.state = { ...this.state, skewMs: serverTime - now, trustedTime: serverTime, lastContactAt: now };
  }

  private scheduleRenewal(): void {
    this.renewTimer?.cancel();
    this.renewTimer = null;
    if (this.closed || !this.api || !this.state?.licenseKey) return;
    const now = this.clock.now();
    let due: number;
    if (this.failures > 0) {
      due = now + backoffDelay(this.backoff, this.failures - 1, this.random);
    } else if (!this.lease || this.state.refusal) {
      // Refused: look again now and then, so a resumed license comes back without a restart.
      if (this.courtesyEvery <= 0 || !this.lease) return;
      due = now + this.courtesyEvery;
    } else {
      const c = this.lease.claims;
      const skew = this.state.skewMs;
      const lifetime = (c.exp - c.iat) * 1000;
      if (this.holdsByHeartbeat() && !this.isBorrowed()) {
        // A heartbeat every third of the window: two can be lost before the seat is.
        due = c.iat * 1000 - skew + lifetime / 3 + this.random() * Math.min(lifetime / 30, MINUTE);
      } else {
        const spread = Math.min((c.exp - c.refreshAfter) * 1000 * 0.2, HOUR);
        due = c.refreshAfter * 1000 - skew + this.random() * spread;
        if (this.courtesyEvery > 0) due = Math.min(due, (this.state.lastContactAt ?? now) + this.courtesyEvery);
      }
    }
    this.renewTimer = this.clock.setTimer(() => void this.renew('scheduled'), Math.max(0, due - now));
  }

  // ---------------------------------------------------------------- state

  private install(licenseKey: string, lease: VerifiedLease, serverTime: number | null, offlineIssuedAt?: number): void {
    const base = this.state?.licenseKey === licenseKey ? this.state : this.emptyState(licenseKey);
    this.state = {
      ...base,
      licenseKey,
      activationId: lease.claims.sub,
      token: lease.token,
      refusal: null,
      pendingOffline: offlineIssuedAt === undefined ? base.pendingOffline : null,
    };
    if (serverTime !== null) this.syncTime(serverTime);
    else this.state.trustedTime = Math.max(this.state.trustedTime, offlineIssuedAt ?? 0, lease.claims.iat * 1000);
    this.lease = lease;
    this.problem = null;
    this.lastViolation = null;
    this.save();
    this.rearm();
    this.notify();
  }

  private refuse(code: ValidationCode, message: string): void {
    if (!this.state) return;
    this.state = { ...this.state, refusal: { code, message, at: this.clock.now() } };
    this.save();
    this.rearm();
    this.notify();
  }

  private emptyState(licenseKey: string): CachedState {
    return {
      licenseKey,
      activationId: null,
      token: null,
      refusal: null,
      trustedTime: this.state?.trustedTime ?? 0,
      skewMs: this.state?.skewMs ?? 0,
      lastContactAt: null,
      pendingOffline: null,
    };
  }

  /**
   * Recomputes the hot-path window and re-arms the expiry timers after any change of lease or
   * state; and, unless told otherwise, plans the next renewal (a checkpoint must not, or it would
   * keep pushing a backed-off retry further away).
   */
  private rearm(replan = true): void {
    const lease = this.lease;
    const state = this.state;
    this.features = lease?.claims.entitlement.features ?? {};
    this.relaxed = lease !== null && lease.claims.mode !== 'enforce';
    if (lease && state && !state.refusal) {
      this.okFrom = state.trustedTime - this.tolerance - state.skewMs;
      this.okUntil = lease.claims.exp * 1000 - state.skewMs;
    } else {
      this.okFrom = Infinity;
      this.okUntil = -Infinity;
    }
    for (const t of this.expiryTimers) t.cancel();
    this.expiryTimers = [];
    if (this.closed) return;
    if (lease && state && !state.refusal) {
      const now = this.clock.now();
      const end = lease.claims.exp * 1000 - state.skewMs;
      const warnWithin = this.options.expiringWithinMs ?? ((lease.claims.exp - lease.claims.iat) * 1000) / 4;
      if (end > now) {
        this.expiryTimers.push(
          this.clock.setTimer(
            () => this.emit('expiring', { expiresAt: new Date(lease.claims.exp * 1000), remainingMs: end - this.clock.now() }),
            Math.max(0, end - warnWithin - now),
          ),
          this.clock.setTimer(() => this.notify(), end - now),
        );
      }
    }
    if (replan && !this.inflight) this.scheduleRenewal();
  }

  private cancelTimers(): void {
    for (const t of this.expiryTimers) t.cancel();
    this.expiryTimers = [];
    this.renewTimer?.cancel();
    this.renewTimer = null;
  }

  /** Emits `changed` (and `expired`, `violation`) when the status differs from the last one reported. */
  private notify(): void {
    const status = this.status();
    const key = this.notifyKey(status);
    if (key === this.lastNotified) return;
    this.lastNotified = key;
    if (status.code === 'LEASE_EXPIRED') this.emit('expired', status);
    if (!status.valid && status.mode && status.mode !== 'enforce' && this.lastViolation !== status.code) {
      this.lastViolation = status.code;
      this.emit('violation', { code: status.code, message: status.message, mode: status.mode, at: new Date(this.clock.now()) });
    }
    if (status.valid) this.lastViolation = null;
    this.emit('changed', status);
  }

  /** What the application can see: a renewed lease with the same rights is `refreshed`, not `changed`. */
  private notifyKey(s: LicenseStatus): string {
    const e = s.entitlement;
    return JSON.stringify([s.code, s.mode, s.features, e?.status, e?.offering.id, e?.seats, e?.endsAt, s.seat?.kind, s.activationId]);
  }

  /** Records the time seen, unless the clock is behind it: then it is the clock that is wrong. */
  private observeTime(): void {
    if (!this.state) return;
    const serverNow = this.clock.now() + this.state.skewMs;
    if (serverNow > this.state.trustedTime) this.state = { ...this.state, trustedTime: serverNow };
  }

  private checkpoint(): void {
    if (this.closed) return;
    const before = this.state?.trustedTime;
    this.observeTime();
    if (this.state && this.state.trustedTime !== before) {
      this.save();
      this.rearm(false);
    }
    this.notify();
    this.checkpointTimer = this.clock.setTimer(() => this.checkpoint(), this.checkpointEvery);
  }

  private save(): void {
    if (!this.state) return;
    try {
      this.cache.write(this.state);
    } catch {
      // A read-only or full disk must not stop the application; the lease still holds in memory.
    }
  }

  private holdsByHeartbeat(): boolean {
    const kind = this.lease?.claims.seat.kind;
    return kind === 'floating' || kind === 'ephemeral';
  }

  private isBorrowed(): boolean {
    const until = this.lease?.claims.seat.borrowedUntil;
    return until !== null && until !== undefined && until * 1000 > this.clock.now() + (this.state?.skewMs ?? 0);
  }

  private verify(token: string, activationId: string | null): VerifiedLease {
    return verifyLease(token, this.keys, {
      product: this.product,
      fingerprint: this.fingerprint,
      activationId,
      account: this.options.account ?? null,
    });
  }

  private verifyOrThrow(token: string, activationId: string | null): VerifiedLease {
    try {
      return this.verify(token, activationId);
    } catch (error) {
      if (error instanceof LeaseRejected) {
        throw new LeaseholdError('SIGNATURE_INVALID', `The server's lease was refused: ${error.message}`, {
          details: { reason: error.reason },
        });
      }
      throw error;
    }
  }

  private requireApi(): ClientApi {
    if (!this.api) throw new LeaseholdError('OFFLINE', 'No serverUrl is configured: this device activates offline (writeOfflineRequest).');
    if (this.closed) throw new LeaseholdError('CLOSED', 'The license was closed.');
    return this.api;
  }
}
