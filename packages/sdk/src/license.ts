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
import { grants } from '@leasehold/contract';
import { messageFor, REFUSALS, refusalCode, type LicenseStatus } from './status.js';
import { defaultTimeMarkDir, TimeMark } from './time-mark.js';
import { ClientApi, type Fetch } from './transport.js';
import {
  clockAfterLease,
  clockAfterObservation,
  clockVerdict,
  grantWindow,
  staleLease,
  unsignedAnswerTime,
  type StaleLease,
} from './trust.js';
import {
  checkUsageInput,
  snapshotOf,
  usageStatusOf,
  type PoolStatus,
  type QueuedUsage,
  type QuotaSnapshot,
  type UsageFlushOutcome,
  type UsageReceipt,
  type UsageRejection,
  type UsageStatus,
} from './usage.js';

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
  /**
   * Another directory, for a second record of the latest trusted time that a cache restored from a
   * backup cannot wind back (see the README, "What a local attacker can do"). Default: the user's
   * state directory (`$XDG_STATE_HOME/leasehold`, `~/.local/state/leasehold`; `%LOCALAPPDATA%\leasehold`
   * on Windows; `~/Library/Application Support/leasehold` on macOS). `null`: none.
   */
  timeMarkDir?: string | null;
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
  /**
   * Recorded usage is sent this long after the first unsent record while the server is reachable,
   * batching what comes in between (ms; 0: only with refreshes and `flushUsage()`). Default 1 minute.
   * Offline, records wait for the next refresh, which backs off.
   */
  usageFlushMs?: number;
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
  /** Usage records reached the server: how many it counted, had already counted, refused; how many are still queued. */
  usageSent: [{ accepted: number; duplicates: number; rejected: number; pending: number }];
  /** The server refused these usage records (`QUOTA_EXHAUSTED`, `FEATURE_MISSING`, …); they are not sent again. */
  usageRejected: [UsageRejection[]];
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Records per usage request (the server takes up to 1,000). */
const USAGE_BATCH = 500;
/** How far ahead of the server's clock the server accepts a record's time. */
const USAGE_FUTURE_TOLERANCE = 5 * MINUTE;
/** Refusals a usage or pool call may bring that take the license out of force (not NOT_FOUND: an older server without the route says that). */
const CALL_REFUSALS: ReadonlySet<string> = new Set([...REFUSALS].filter((code) => code !== 'NOT_FOUND'));

const STALE_MESSAGES: Record<StaleLease, string> = {
  REPLAYED: 'it is the lease this device already holds, sent again.',
  OLDER_THAN_HELD: 'it was issued before the lease this device holds (a replayed answer).',
  ISSUED_BEFORE_REFUSAL: "it was issued before the server's last refusal (a replayed answer).",
};

interface UsageAnswerBody {
  accepted: number;
  duplicates: number;
  rejected: Array<{ idempotencyKey: string; code: string; message: string }>;
  usage: Record<string, { used: number; limit: number; remaining: number; periodEndsAt: string }>;
}

interface TrialAnswerBody {
  key: string;
  entitlementId: string;
  activation: ActivateResponse['activation'];
  lease: ActivateResponse['lease'];
}

interface UsageTotals {
  accepted: number;
  duplicates: number;
  rejected: UsageRejection[];
}

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
  private readonly mark: TimeMark | null;
  /** The trusted time last written to the mark, so an unchanged time is not written again. */
  private markedTime = -Infinity;
  /** The time mark would not authenticate: the trusted time is unknown until a lease is installed. */
  private timeDoubt = false;
  private readonly api: ClientApi | null;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly tolerance: number;
  private readonly courtesyEvery: number;
  private readonly backoff: BackoffPolicy;
  private readonly checkpointEvery: number;
  private readonly usageFlushEvery: number;
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
  private usageTimer: Timer | null = null;
  /** Usage flushes run one after another, so a record is never in two requests at once. */
  private usageChain: Promise<unknown> = Promise.resolve();
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
    this.usageFlushEvery = options.usageFlushMs ?? MINUTE;
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
    const markDir = options.timeMarkDir === undefined ? defaultTimeMarkDir() : options.timeMarkDir;
    this.mark = markDir === null ? null : new TimeMark(markDir, options.product, this.fingerprint, this.cache.file);
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
      this.state = this.withMark(read.state);
      if (read.state.token) {
        try {
          this.lease = this.verify(read.state.token, read.state.activationId);
          if (read.state.quotas === undefined) this.adoptQuotas(snapshotOf(this.lease.claims.usage, this.lease.claims.iat * 1000));
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
    if (this.timeDoubt) return 'CLOCK_TAMPERED';
    return clockVerdict(this.state ?? { trustedTime: 0, skewMs: 0 }, this.lease.claims, now, this.tolerance);
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
    const lease = this.verifyOrThrow(key, answer.body.lease.token, answer.body.activation.id, answer.serverTime);
    await this.settleQueueBefore(key);
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
      this.adoptQuotas(snapshotOf(result.usage, this.answerTime(answer.serverTime)));
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
    this.install(key, this.verifyOrThrow(key, answer.body.lease.token, this.lease.claims.sub, answer.serverTime), answer.serverTime);
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
      // Usage recorded here is sent first: the server takes records only from a live activation.
      const unsent = await this.flushUsage();
      if (unsent.error?.transient) throw unsent.error;
      try {
        await this.contact(() => api.post('/v1/client/deactivate', key, { fingerprint: this.fingerprint, product: this.product }));
      } catch (error) {
        if (!(error instanceof LeaseholdError) || (error.code !== 'NOT_ACTIVATED' && error.code !== 'HEARTBEAT_DEAD')) throw error;
      }
      this.dropQueue(unsent.code, 'The device was deactivated before the server took this record.');
    }
    this.cache.remove();
    this.state = null;
    this.lease = null;
    this.problem = null;
    this.rearm();
    this.notify();
  }

  // ---------------------------------------------------------------- metered usage

  /**
   * Records `quantity` uses of a consumption feature (exports, render minutes, API calls). Works
   * offline: the record gets a unique idempotency key and is written to the encrypted cache before
   * this returns; it is sent with the next refresh (or within `usageFlushMs` while the server
   * answers, or by {@link License.flushUsage}) and leaves the cache only once the server has
   * answered for it — so it is counted exactly once, across crashes and restarts.
   *
   * The quota is enforced here too, conservatively: what the server last said was used, plus
   * everything still queued on this device. Throws a {@link LeaseholdError}:
   * `QUOTA_EXHAUSTED` when the record would pass the overage rule (`block`: the limit;
   * `{allowPercent: n}`: the limit plus n %; `bill` never refuses — the excess is billed), in
   * `enforce` mode (in `warn` and `log` the record is kept and a `violation` event fires);
   * `FEATURE_MISSING` for a feature that is not metered by this license; the status code
   * (`NO_LICENSE`, `LEASE_EXPIRED`, `SUSPENDED`, …) when the license is not in force;
   * `CACHE_UNWRITABLE` when the record cannot be saved (it is then not recorded).
   *
   * `at` is when the use happened, on this device's clock (default now); it decides the quota
   * period the record counts in.
   *
   * @example
   * try {
   *   license.recordUsage('exports', 1);
   *   await renderExport();
   * } catch (error) {
   *   if (error instanceof LeaseholdError && error.code === 'QUOTA_EXHAUSTED') alert('No exports left this month.');
   *   else throw error;
   * }
   */
  recordUsage(feature: string, quantity = 1, options: { at?: Date | number } = {}): UsageReceipt {
    const invalid = checkUsageInput(feature, quantity);
    if (invalid) throw new LeaseholdError('INVALID_REQUEST', invalid, { details: { feature, quantity } });
    if (this.closed) throw new LeaseholdError('CLOSED', 'The license was closed.');
    const status = this.status();
    const state = this.state;
    const lease = this.lease;
    if (!state || !lease || !status.permitted) throw new LeaseholdError(status.code, status.message);
    const serverNow = this.serverNow();
    const startsAt = Date.parse(lease.claims.entitlement.startsAt);
    // "Now" is never before the license started, whatever the estimate of the server's clock says.
    const at = options.at === undefined ? Math.max(serverNow, startsAt) : Number(options.at) + state.skewMs;
    if (!Number.isFinite(at)) throw new LeaseholdError('INVALID_REQUEST', 'at must be a Date or a time in milliseconds.');
    if (at > serverNow + USAGE_FUTURE_TOLERANCE) throw new LeaseholdError('INVALID_REQUEST', 'A use cannot be recorded in the future.');
    if (at < startsAt) {
      throw new LeaseholdError('INVALID_REQUEST', 'A use cannot be recorded before the license started.');
    }
    const before = this.usage(feature);
    if (!before) {
      throw new LeaseholdError('FEATURE_MISSING', `${feature} is not a metered feature of this license.`, { details: { feature } });
    }
    if (quantity > before.allowance) {
      const message =
        `${feature}: ${before.used + before.queued} of ${before.limit} used this period` +
        (before.allowance > 0 ? `; only ${before.allowance} more may be recorded.` : '; the quota is exhausted.');
      if (status.mode === 'enforce') {
        throw new LeaseholdError('QUOTA_EXHAUSTED', message, {
          details: {
            feature,
            requested: quantity,
            allowance: before.allowance,
            limit: before.limit,
            used: before.used,
            queued: before.queued,
          },
        });
      }
      this.emit('violation', { code: 'QUOTA_EXHAUSTED', message, mode: status.mode ?? 'warn', at: new Date(this.clock.now()) });
    }
    let record: QueuedUsage = { idempotencyKey: randomBytes(16).toString('base64url'), feature, quantity, at };
    const queue = [...this.queue()];
    // Without a server nothing is ever sent, so records are only there for enforcement: one per feature and hour keeps the cache small.
    const last = this.api ? -1 : queue.findLastIndex((r) => r.feature === feature);
    const merged = last >= 0 ? queue[last]! : null;
    if (merged && Math.floor(merged.at / HOUR) === Math.floor(at / HOUR) && merged.quantity + quantity <= 1_000_000_000) {
      record = { ...merged, quantity: merged.quantity + quantity };
      queue[last] = record;
    } else {
      queue.push(record);
    }
    const previous = state;
    this.state = { ...state, usageQueue: queue };
    try {
      this.cache.write(this.state);
    } catch (cause) {
      this.state = previous;
      throw new LeaseholdError('CACHE_UNWRITABLE', `The usage could not be saved to ${this.cacheFile}, so it was not recorded.`, { cause });
    }
    this.scheduleUsageFlush();
    const taken = before.used + before.queued;
    const after = this.usage(feature)!;
    return {
      idempotencyKey: record.idempotencyKey,
      feature,
      quantity,
      at: new Date(at),
      remaining: after.remaining,
      allowance: after.allowance,
      overLimit: Math.max(0, taken + quantity - before.limit) - Math.max(0, taken - before.limit),
    };
  }

  /**
   * A consumption feature's quota as this device sees it now — the server's last `used` (from
   * the lease, a usage answer or a validation) plus what is queued here — or null when the
   * feature is not metered by this license. Computed offline.
   *
   * @example
   * const u = license.usage('exports');
   * if (u) label.text = `${u.remaining} of ${u.limit} exports left (${u.queued} not yet sent)`;
   */
  usage(feature: string): UsageStatus | null {
    const lease = this.lease;
    if (!lease) return null;
    return usageStatusOf(
      feature,
      lease.claims.entitlement.features[feature],
      this.state?.quotas ?? undefined,
      this.queue(),
      this.serverNow(),
    );
  }

  /**
   * How many more units of a consumption feature {@link License.recordUsage} accepts now: 0 when
   * the feature is not metered or the license is not in force; `Infinity` under a `bill` overage
   * rule; under `{allowPercent}` it includes the tolerated excess.
   *
   * @example
   * exportButton.disabled = license.usageRemaining('exports') < 1;
   */
  usageRemaining(feature: string): number {
    if (!this.status().permitted) return 0;
    return this.usage(feature)?.allowance ?? 0;
  }

  /**
   * Sends the queued usage records now and reports how it went; never throws. Records the server
   * answered for (counted, already counted, or refused — refusals also fire `usageRejected`) leave
   * the queue; offline, everything stays queued for later.
   *
   * @example
   * const sent = await license.flushUsage();
   * if (!sent.delivered) console.log(`${sent.pending} usage records wait for a connection (${sent.code})`);
   */
  async flushUsage(): Promise<UsageFlushOutcome> {
    const totals: UsageTotals = { accepted: 0, duplicates: 0, rejected: [] };
    const outcome = (code: string, error?: LeaseholdError): UsageFlushOutcome => ({
      delivered: code === 'OK',
      code,
      ...totals,
      pending: this.queue().length,
      ...(error ? { error } : {}),
    });
    if (this.queue().length === 0) return outcome('OK');
    if (!this.api || !this.state?.licenseKey || this.closed) return outcome('SKIPPED');
    try {
      await this.sendUsage(totals);
      return outcome(this.queue().length === 0 ? 'OK' : 'PENDING');
    } catch (caught) {
      const error =
        caught instanceof LeaseholdError ? caught : new LeaseholdError('INTERNAL', String((caught as Error)?.message ?? caught));
      return outcome(error.code, error);
    }
  }

  // ---------------------------------------------------------------- pools

  /**
   * Takes `count` elements of a pool feature (render nodes, instrument connections) for this
   * device. Pools are counted by the server, so this needs a connection: offline it throws
   * `OFFLINE`; at the pool's limit `POOL_EXHAUSTED` (its `details` name the holders). Elements
   * stay with this activation — across restarts — until {@link License.checkin}, deactivation,
   * or, for a floating seat, `close()` and a lost seat.
   *
   * @example
   * const pool = await license.checkout('render-nodes', 2);
   * console.log(`${pool.held} held here, ${pool.inUse} of ${pool.limit} in use`);
   */
  async checkout(feature: string, count = 1): Promise<PoolStatus> {
    return this.movePool(feature, count, 'checkout');
  }

  /**
   * Gives `count` elements of a pool back. Always accepted by the server (even when a downgrade
   * left the pool over its limit), as long as this device holds that many; needs a connection.
   *
   * @example
   * await license.checkin('render-nodes', 2);
   */
  async checkin(feature: string, count = 1): Promise<PoolStatus> {
    return this.movePool(feature, count, 'checkin');
  }

  /**
   * A pool as this device last heard of it: its size (from the lease), the elements held here and
   * in use everywhere (from the last check-out or check-in). Null when the license grants no such
   * pool. Computed offline.
   *
   * @example
   * const pool = license.poolStatus('render-nodes');
   * if (pool && pool.held > 0) await license.checkin('render-nodes', pool.held);
   */
  poolStatus(feature: string): PoolStatus | null {
    const value = this.featureValue(feature);
    const known = this.state?.pools?.[feature];
    if (typeof value !== 'number' && !known) return null;
    return {
      feature,
      limit: typeof value === 'number' ? value : known!.limit,
      held: known?.held ?? 0,
      inUse: known?.inUse ?? null,
      asOf: known ? new Date(known.at) : null,
    };
  }

  private async movePool(feature: string, count: number, direction: 'checkout' | 'checkin'): Promise<PoolStatus> {
    if (typeof feature !== 'string' || feature.length < 1 || feature.length > 64) {
      throw new LeaseholdError('INVALID_REQUEST', 'feature must be a feature code (1–64 characters).');
    }
    if (!Number.isInteger(count) || count < 1 || count > 1_000_000) {
      throw new LeaseholdError('INVALID_REQUEST', 'count must be a whole number from 1 to 1,000,000.');
    }
    const key = this.state?.licenseKey;
    if (!key || !this.lease) throw new LeaseholdError('NO_LICENSE', `Activate before checking ${feature} elements out or in.`);
    const api = this.requireApi();
    let answer;
    try {
      answer = await this.contact(() =>
        api.post<{ pool: { feature: string; inUse: number; limit: number; held: number } }>(
          `/v1/client/pools/${encodeURIComponent(feature)}/${direction}`,
          key,
          { fingerprint: this.fingerprint, count },
        ),
      );
    } catch (error) {
      if (error instanceof LeaseholdError && error.transient) {
        throw new LeaseholdError(
          error.code,
          `Pools are counted by the license server, which did not answer: ${direction} of ${feature} needs a connection.`,
          {
            ...error.options,
            cause: error,
          },
        );
      }
      if (error instanceof LeaseholdError && CALL_REFUSALS.has(error.code)) this.refuse(refusalCode(error.code), error.message);
      throw error;
    }
    const pool = answer.body.pool;
    const at = this.answerTime(answer.serverTime);
    if (this.state) {
      this.state = {
        ...this.state,
        pools: { ...this.state.pools, [feature]: { held: pool.held, inUse: pool.inUse, limit: pool.limit, at } },
      };
      this.save();
    }
    return { feature, limit: pool.limit, held: pool.held, inUse: pool.inUse, asOf: new Date(at) };
  }

  // ---------------------------------------------------------------- trials

  /**
   * Starts a trial of this product on this device, without a license key: the server grants the
   * product's trial offering to a new customer and activates this device, and the license then
   * behaves like any activated one (the trial key is kept in the cache, for refreshes and
   * restarts). One trial per device and product: a second one throws `TRIAL_ALREADY_USED`; a
   * product without a trial `NO_TRIAL`; a device that holds a valid license `ALREADY_ACTIVATED`.
   *
   * @example
   * if (license.status().code === 'NO_LICENSE') {
   *   const status = await license.startTrial({ email: 'ada@example.com' });
   *   console.log(`trial until ${status.entitlement?.endsAt}`);
   * }
   */
  async startTrial(details: { name?: string; email?: string } = {}): Promise<LicenseStatus> {
    const current = this.status();
    if (current.valid)
      throw new LeaseholdError('ALREADY_ACTIVATED', 'This device already holds a valid license; a trial would replace it.');
    const api = this.requireApi();
    const d = this.options.device ?? {};
    const body = {
      product: this.product,
      fingerprint: this.fingerprint,
      platform: d.platform ?? `${process.platform}-${process.arch}`,
      hostname: d.hostname ?? osHostname(),
      ...(this.options.account === undefined ? {} : { account: this.options.account }),
      ...(details.name === undefined ? {} : { name: details.name }),
      ...(details.email === undefined ? {} : { email: details.email }),
    };
    const answer = await this.contact(() => api.post<TrialAnswerBody>('/v1/client/trial', null, body));
    const lease = this.verifyOrThrow(answer.body.key, answer.body.lease.token, answer.body.activation.id, answer.serverTime);
    await this.settleQueueBefore(answer.body.key);
    this.install(answer.body.key, lease, answer.serverTime);
    return this.status();
  }

  /**
   * The license key this device holds (typed in, or issued by {@link License.startTrial}), or null.
   *
   * @example
   * aboutDialog.licenseKey = license.licenseKey ?? 'not activated';
   */
  get licenseKey(): string | null {
    return this.state?.licenseKey ?? null;
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
    if (!keep) this.dropQueue('LICENSE_CHANGED', 'Another license replaced the one this record was made under before the server took it.');
    this.state = {
      ...(keep ?? this.withMark(this.emptyState(request.licenseKey))),
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
    const lease = this.verifyOrThrow(this.state.licenseKey, response.lease.token, response.activationId);
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
    for (;;) {
      const pending = this.inflight ?? this.usageChain;
      await pending.catch(() => undefined);
      if (!this.inflight && pending === this.usageChain) return;
    }
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
    // Queued usage goes out now when the server answers; otherwise it stays in the cache for the next run.
    if (this.api && key && this.lease && this.queue().length > 0 && this.online !== false) {
      await this.sendUsage().catch(() => undefined);
    }
    if (this.api && key && this.lease && this.holdsByHeartbeat() && !this.isBorrowed()) {
      try {
        await this.api.post('/v1/client/deactivate', key, { fingerprint: this.fingerprint, product: this.product });
      } catch {
        // Unreachable: the server frees the seat when its heartbeat deadline passes.
      }
      // The seat is gone, and with it the pool elements it held: the server returned them.
      if (this.state) this.state = { ...this.state, token: null, activationId: null, pools: {} };
      this.lease = null;
      this.rearm(false);
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
      // Queued usage rides with every refresh, before the lease, so the new lease's quotas include it.
      if (this.queue().length > 0) {
        try {
          await this.sendUsage();
        } catch (error) {
          if (!(error instanceof LeaseholdError) || error.transient || CALL_REFUSALS.has(error.code)) throw error;
          // Any other answer to the usage request must not keep the lease from renewing; the records stay queued.
        }
      }
      const answer = await this.contact(() =>
        this.api!.post<LeaseResponse>(path, key, { fingerprint: this.fingerprint, product: this.product }),
      );
      const lease = this.verifyOrThrow(
        key,
        answer.body.lease.token,
        this.lease?.claims.sub ?? this.state?.activationId ?? null,
        answer.serverTime,
      );
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
  private async contact<T>(call: () => Promise<T>): Promise<T> {
    try {
      const answer = await call();
      this.markOnline();
      return answer;
    } catch (error) {
      if (error instanceof LeaseholdError && error.transient) {
        if (this.online !== false) {
          this.online = false;
          this.emit('offline', error);
        }
      } else if (error instanceof LeaseholdError) {
        this.markOnline();
      }
      throw error;
    }
  }

  /** The server answered. Its clock (`serverTime`, the Date header) is not signed: only a lease it carries moves the trusted time, in install(). */
  private markOnline(): void {
    const was = this.online;
    this.online = true;
    if (this.state) this.state = { ...this.state, lastContactAt: this.clock.now() };
    if (was === false) this.emit('online');
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

  /**
   * Installs a lease that verified, unless it may not replace what is held (see trust.ts): checked
   * again here because an activation awaits the usage queue between verifying and installing.
   */
  private install(licenseKey: string, lease: VerifiedLease, serverTime: number | null, offlineIssuedAt?: number): void {
    this.admitOrThrow(licenseKey, lease);
    // The time seen so far counts: a lease may carry the clock forward from it, never back.
    this.observeTime();
    const base = this.state?.licenseKey === licenseKey ? this.state : this.withMark(this.emptyState(licenseKey));
    const clock =
      offlineIssuedAt === undefined
        ? clockAfterLease(base, lease.claims, serverTime, this.clock.now(), this.tolerance)
        : clockAfterLease(base, lease.claims, offlineIssuedAt, null, this.tolerance);
    this.state = {
      ...base,
      licenseKey,
      activationId: lease.claims.sub,
      token: lease.token,
      refusal: null,
      pendingOffline: offlineIssuedAt === undefined ? base.pendingOffline : null,
      // Pool elements belong to an activation: a new one (a seat taken again) holds none.
      pools: base.activationId === lease.claims.sub ? (base.pools ?? {}) : {},
      ...clock,
      lastContactAt: offlineIssuedAt === undefined ? this.clock.now() : base.lastContactAt,
    };
    // The lease's iat is whole seconds; the answer that carried it was sent after it was signed, so
    // its time (milliseconds) orders the lease's quotas correctly against a usage answer of the same second.
    this.adoptQuotas(
      snapshotOf(lease.claims.usage, Math.max(lease.claims.iat * 1000, serverTime === null ? 0 : this.answerTime(serverTime))),
    );
    this.lease = lease;
    this.problem = null;
    this.timeDoubt = false;
    this.lastViolation = null;
    this.save();
    this.rearm();
    this.notify();
  }

  private refuse(code: ValidationCode, message: string): void {
    if (!this.state) return;
    // Unsigned: it may stop the granting, so it records when it came, in the SDK's own time, for staleLease() to weigh later leases against.
    this.state = { ...this.state, refusal: { code, message, at: this.clock.now(), serverAt: this.serverNow() } };
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
      usageQueue: [],
      quotas: null,
      pools: {},
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
    if (lease && state && !state.refusal && !this.timeDoubt) {
      const window = grantWindow(state, lease.claims, this.tolerance);
      this.okFrom = window.from;
      this.okUntil = window.until;
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
    this.usageTimer?.cancel();
    this.usageTimer = null;
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
    const clock = clockAfterObservation(this.state, this.clock.now());
    if (clock.trustedTime !== this.state.trustedTime) this.state = { ...this.state, ...clock };
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
    // In doubt, the mark that failed to authenticate is the evidence: it stays until a lease settles the time.
    if (
      this.mark &&
      !this.timeDoubt &&
      this.state.trustedTime > this.markedTime &&
      this.mark.write(this.state.licenseKey, this.state.trustedTime)
    ) {
      this.markedTime = this.state.trustedTime;
    }
  }

  /**
   * The state with the time mark of its license laid over it: the later trusted time wins, so a
   * cache restored from a backup does not wind the clock back. A mark that does not authenticate
   * leaves the trusted time in doubt until a lease is installed.
   */
  private withMark(state: CachedState): CachedState {
    if (!this.mark) return state;
    const read = this.mark.read(state.licenseKey);
    this.markedTime = read.kind === 'ok' ? read.trustedTime : -Infinity;
    if (read.kind === 'tampered') this.timeDoubt = true;
    if (read.kind !== 'ok' || read.trustedTime <= state.trustedTime) return state;
    return { ...state, trustedTime: read.trustedTime };
  }

  /** The time an unsigned answer's facts are filed under; see unsignedAnswerTime(). */
  private answerTime(serverTime: number | null): number {
    return unsignedAnswerTime(serverTime, this.serverNow(), this.tolerance);
  }

  // ---------------------------------------------------------------- usage queue

  private queue(): readonly QueuedUsage[] {
    return this.state?.usageQueue ?? [];
  }

  /** The server's clock now, as far as this device knows it. */
  private serverNow(): number {
    return this.clock.now() + (this.state?.skewMs ?? 0);
  }

  /** Takes the server's word on the quotas, unless a later word is already held. */
  private adoptQuotas(snapshot: QuotaSnapshot | null): void {
    if (!snapshot || !this.state) return;
    const held = this.state.quotas;
    if (held && held.asOf > snapshot.asOf) return;
    this.state = { ...this.state, quotas: snapshot };
  }

  /** Sends the queue, after any flush already running (so no record is ever in two requests at once). */
  private sendUsage(totals: UsageTotals = { accepted: 0, duplicates: 0, rejected: [] }): Promise<UsageTotals> {
    const run = this.usageChain.then(() => this.sendUsageNow(totals));
    this.usageChain = run.catch(() => undefined);
    return run;
  }

  private async sendUsageNow(totals: UsageTotals): Promise<UsageTotals> {
    const key = this.state?.licenseKey;
    const api = this.api;
    if (!api || !key) return totals;
    const attempted = new Set<string>();
    for (;;) {
      if (this.state?.licenseKey !== key) return totals;
      const batch = this.queue()
        .filter((r) => !attempted.has(r.idempotencyKey))
        .slice(0, USAGE_BATCH);
      if (batch.length === 0) return totals;
      for (const r of batch) attempted.add(r.idempotencyKey);
      let answer;
      try {
        answer = await this.contact(() =>
          api.post<UsageAnswerBody>('/v1/client/usage', key, {
            fingerprint: this.fingerprint,
            records: batch.map((r) => ({
              feature: r.feature,
              quantity: r.quantity,
              at: new Date(r.at).toISOString(),
              idempotencyKey: r.idempotencyKey,
            })),
          }),
        );
      } catch (error) {
        if (error instanceof LeaseholdError && CALL_REFUSALS.has(error.code)) this.refuse(refusalCode(error.code), error.message);
        throw error;
      }
      // The server has answered for every record of the batch (counted, already counted, or refused): they leave the queue.
      const sent = new Map(batch.map((r) => [r.idempotencyKey, r]));
      const rejected: UsageRejection[] = [];
      for (const r of answer.body.rejected ?? []) {
        const record = sent.get(r.idempotencyKey);
        if (record) rejected.push({ ...record, at: new Date(record.at), code: r.code, message: r.message });
      }
      if (this.state?.licenseKey === key) {
        this.state = { ...this.state, usageQueue: this.queue().filter((r) => !sent.has(r.idempotencyKey)) };
        this.adoptQuotas(snapshotOf(answer.body.usage, this.answerTime(answer.serverTime)));
        this.save();
      }
      totals.accepted += answer.body.accepted ?? 0;
      totals.duplicates += answer.body.duplicates ?? 0;
      totals.rejected.push(...rejected);
      this.emit('usageSent', {
        accepted: answer.body.accepted ?? 0,
        duplicates: answer.body.duplicates ?? 0,
        rejected: rejected.length,
        pending: this.queue().length,
      });
      if (rejected.length > 0) this.emit('usageRejected', rejected);
    }
  }

  /** Sends recorded usage a little later, batching what comes in between — only while the server answers. */
  private scheduleUsageFlush(): void {
    if (this.usageTimer || this.usageFlushEvery <= 0 || !this.api || this.online === false || this.closed) return;
    this.usageTimer = this.clock.setTimer(() => {
      this.usageTimer = null;
      void this.sendUsage().catch(() => undefined);
    }, this.usageFlushEvery);
  }

  /** Before another license key replaces this one: its queued usage goes out if it can, and what cannot is reported. */
  private async settleQueueBefore(newKey: string): Promise<void> {
    if (!this.state || this.state.licenseKey === newKey || this.queue().length === 0) return;
    const outcome = await this.flushUsage();
    const code = outcome.code === 'OK' || outcome.code === 'PENDING' ? 'LICENSE_CHANGED' : outcome.code;
    if (this.queue().length > 0)
      this.dropQueue(code, 'Another license replaced the one this record was made under before the server took it.');
  }

  /** Gives up on the queued records (the license they belong to is going away), reporting them through `usageRejected`. */
  private dropQueue(code: string, message: string): void {
    const dropped = this.queue().map((r) => ({ ...r, at: new Date(r.at), code, message }));
    if (dropped.length === 0 || !this.state) return;
    this.state = { ...this.state, usageQueue: [] };
    this.save();
    this.emit('usageRejected', dropped);
  }

  private holdsByHeartbeat(): boolean {
    const kind = this.lease?.claims.seat.kind;
    return kind === 'floating' || kind === 'ephemeral';
  }

  private isBorrowed(): boolean {
    const until = this.lease?.claims.seat.borrowedUntil;
    return until !== null && until !== undefined && until * 1000 > this.clock.now() + (this.state?.skewMs ?? 0);
  }

  private verify(token: string, activationId: string | null, notIssuedAfter: number | null = null): VerifiedLease {
    return verifyLease(token, this.keys, {
      product: this.product,
      fingerprint: this.fingerprint,
      activationId,
      account: this.options.account ?? null,
      notIssuedAfter,
    });
  }

  /**
   * A lease just received: it must also not be issued later than the time of the answer that carried
   * it (or, for an offline response, this device's time), give or take the clock tolerance, and it
   * must be one that may replace the lease held (trust.ts).
   */
  private verifyOrThrow(licenseKey: string, token: string, activationId: string | null, answeredAt: number | null = null): VerifiedLease {
    let lease: VerifiedLease;
    try {
      lease = this.verify(token, activationId, (answeredAt ?? this.serverNow()) + this.tolerance);
    } catch (error) {
      if (error instanceof LeaseRejected) {
        throw new LeaseholdError('SIGNATURE_INVALID', `The server's lease was refused: ${error.message}`, {
          details: { reason: error.reason },
        });
      }
      throw error;
    }
    this.admitOrThrow(licenseKey, lease);
    return lease;
  }

  /** Throws SIGNATURE_INVALID when a verified lease is a replay: the one held, an older one, or one from before the refusal held. */
  private admitOrThrow(licenseKey: string, lease: VerifiedLease): void {
    // The refusal held belongs to its license; a lease of another license key starts from a clean state.
    const refusal = this.state?.licenseKey === licenseKey ? this.state.refusal : null;
    const refusalAt = refusal ? (refusal.serverAt ?? refusal.at + (this.state?.skewMs ?? 0)) : null;
    const stale = staleLease(this.lease?.claims ?? null, lease.claims, refusalAt);
    if (stale)
      throw new LeaseholdError('SIGNATURE_INVALID', `The server's lease was refused: ${STALE_MESSAGES[stale]}`, {
        details: { reason: stale },
      });
  }

  private requireApi(): ClientApi {
    if (!this.api) throw new LeaseholdError('OFFLINE', 'No serverUrl is configured: this device activates offline (writeOfflineRequest).');
    if (this.closed) throw new LeaseholdError('CLOSED', 'The license was closed.');
    return this.api;
  }
}
