import { EventEmitter } from 'node:events';
import type { FeatureValue, ValidationResult } from '@leasehold/contract';
import type { FingerprintSource } from './fingerprint.js';
import type { OfflineActivationRequest, OfflineActivationResponse } from './offline.js';
import type { LicenseStatus } from './status.js';
import type { PoolStatus, UsageFlushOutcome, UsageReceipt, UsageStatus } from './usage.js';
import { Connection } from './license/connection.js';
import { contextOf, type LicenseContext } from './license/context.js';
import { Enrolment } from './license/enrolment.js';
import { Metering } from './license/metering.js';
import { Pools } from './license/pools.js';
import { Renewal } from './license/renewal.js';
import { LeaseState } from './license/state.js';
import { Updates, type UpdateCheck, type UpdateQuery } from './license/updates.js';
import type { LicenseEvents, OpenOptions, RefreshOutcome } from './license/types.js';

export type { LicenseEvents, OpenOptions, RefreshOutcome, Violation } from './license/types.js';
export type { UpdateCheck, UpdateQuery } from './license/updates.js';

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
 *
 * The class is the public face of parts that each hold one concern (license/): the lease held and
 * what it grants (state), keeping it fresh (renewal), metered usage (metering), pools, and how a
 * device comes to hold a license and gives it back (enrolment).
 */
export class License extends EventEmitter<LicenseEvents> {
  /** The device fingerprint this license is bound to. */
  readonly fingerprint: string;
  /** Where the fingerprint came from (`machine-id`, `ioreg`, `registry`, `generated`, or `app`). */
  readonly fingerprintSource: FingerprintSource;
  /** The cache file. */
  readonly cacheFile: string;

  private readonly ctx: LicenseContext;
  private readonly connection: Connection;
  private readonly state: LeaseState;
  private readonly metering: Metering;
  private readonly enrolment: Enrolment;
  private readonly renewal: Renewal;
  private readonly pools: Pools;
  private readonly updates: Updates;

  private constructor(options: OpenOptions) {
    super();
    this.ctx = contextOf(options, this);
    this.fingerprint = this.ctx.fingerprint;
    this.fingerprintSource = this.ctx.fingerprintSource;
    this.cacheFile = this.ctx.cache.file;
    this.connection = new Connection(this, () => this.state.recordContact());
    this.state = new LeaseState(this.ctx, this.connection);
    this.metering = new Metering(this.ctx, this.state, this.connection);
    this.enrolment = new Enrolment(this.ctx, this.state, this.connection, this.metering);
    this.renewal = new Renewal(this.ctx, this.state, this.connection, this.metering, (key) => this.enrolment.activate(key));
    this.pools = new Pools(this.ctx, this.state, this.connection);
    this.updates = new Updates(this.ctx, this.state, this.connection);
    this.state.replan = () => this.renewal.plan();
    // A critical or required update is surfaced with the refresh that finds it (the `updates` option).
    this.on('refreshed', () => void this.updates.afterRefresh());
  }

  /** @internal Use {@link Leasehold.open}. */
  static openSync(options: OpenOptions): License {
    const license = new License(options);
    license.state.load();
    license.renewal.onOpen();
    return license;
  }

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
    return this.state.hasFeature(code);
  }

  /**
   * The value of a feature now (`true`, a limit such as `10`, or a quota `{limit, period}`), or
   * `undefined` when it is not granted, under the same rules as {@link License.hasFeature}.
   *
   * @example
   * const maxProjects = Number(license.featureValue('projects') ?? 1);
   */
  featureValue(code: string): FeatureValue | undefined {
    return this.state.featureValue(code);
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
    return this.state.status();
  }

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
    await this.enrolment.activate(licenseKey);
    await this.updates.afterRefresh();
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
    const outcome = await this.renewal.renew(options.force ? 'forced' : 'courtesy');
    await this.updates.settled();
    return outcome;
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
    return this.renewal.validate(features);
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
    await this.enrolment.borrow(duration);
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
    return this.enrolment.deactivate();
  }

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
    return this.metering.record(feature, quantity, options);
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
    return this.metering.usage(feature);
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
    return this.metering.remaining(feature);
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
    return this.metering.flush();
  }

  /**
   * Asks the license server for the newest release this license may install over `version` (on a
   * channel, for a platform): `release` is null when there is none; `critical` flags a security
   * fix to install now; `required` says this version is below a release's minimumVersion. Needs a
   * connection (offline it throws `OFFLINE`).
   *
   * @example
   * const update = await license.checkForUpdate({ version: app.version, platform: 'linux', arch: 'x86_64' });
   * if (update.release && (update.critical || update.required)) showUpdateDialog(update.release);
   */
  async checkForUpdate(query: UpdateQuery): Promise<UpdateCheck> {
    return this.updates.check(query);
  }

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
    return this.pools.move(feature, count, 'checkout');
  }

  /**
   * Gives `count` elements of a pool back. Always accepted by the server (even when a downgrade
   * left the pool over its limit), as long as this device holds that many; needs a connection.
   *
   * @example
   * await license.checkin('render-nodes', 2);
   */
  async checkin(feature: string, count = 1): Promise<PoolStatus> {
    return this.pools.move(feature, count, 'checkin');
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
    return this.pools.status(feature);
  }

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
    await this.enrolment.startTrial(details);
    return this.status();
  }

  /**
   * The license key this device holds (typed in, or issued by {@link License.startTrial}), or null.
   *
   * @example
   * aboutDialog.licenseKey = license.licenseKey ?? 'not activated';
   */
  get licenseKey(): string | null {
    return this.state.current?.licenseKey ?? null;
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
    return this.enrolment.writeOfflineRequest(licenseKey, file);
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
    this.enrolment.importOfflineResponse(source);
    return this.status();
  }

  /**
   * Installs this device's lease from a batch activation's offline lease bundle (the JSON Lines
   * of `GET /v1/activation-batches/{id}/leases`: a file path, its text, or its parsed lines), for
   * machines provisioned on a factory line that never go online. The entry for this product and
   * fingerprint is picked out and verified offline like any lease — pinned key, product, this
   * device — and the application runs until it expires (or refreshes, if it ever reaches the
   * server, with `licenseKey`). Throws `OFFLINE_RESPONSE_INVALID` when the bundle has no entry for
   * this device, `SIGNATURE_INVALID` when its lease does not verify.
   *
   * @example
   * const status = license.importLeaseBundle('/opt/app/leases.jsonl', 'X9M9J-2GKXH-9P96X-FKWAR-KXQ52');
   * console.log(status.valid, status.expiresAt);
   */
  importLeaseBundle(source: string | readonly OfflineActivationResponse[], licenseKey: string): LicenseStatus {
    this.enrolment.importLeaseBundle(source, licenseKey);
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
      const pending = this.renewal.running ?? this.metering.sending;
      await pending.catch(() => undefined);
      if (!this.renewal.running && pending === this.metering.sending) return;
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
    if (this.ctx.closed) return;
    this.ctx.closed = true;
    await this.settled();
    this.renewal.cancel();
    this.metering.cancel();
    this.state.stop();
    // Queued usage goes out now when the server answers; otherwise it stays in the cache for the next run.
    if (this.ctx.api && this.licenseKey && this.state.lease && this.metering.queue().length > 0 && this.connection.online !== false) {
      await this.metering.send().catch(() => undefined);
    }
    await this.enrolment.releaseFloatingSeat();
    this.state.observeTime();
    if (this.state.current) this.state.save();
    this.removeAllListeners();
  }
}
