import { grants, type FeatureValue, type FeatureValues, type ValidationCode } from '@leasehold/contract';
import type { CachedState } from '../cache.js';
import type { Timer } from '../clock.js';
import { LeaseholdError } from '../errors.js';
import { LeaseRejected, verifyLease, type VerifiedLease } from '../lease.js';
import { messageFor, type LicenseStatus } from '../status.js';
import {
  clockAfterLease,
  clockAfterObservation,
  clockVerdict,
  grantWindow,
  staleLease,
  unsignedAnswerTime,
  type StaleLease,
} from '../trust.js';
import { snapshotOf, type QuotaSnapshot } from '../usage.js';
import type { Connection } from './connection.js';
import { MINUTE, type LicenseContext } from './context.js';

const STALE_MESSAGES: Record<StaleLease, string> = {
  REPLAYED: 'it is the lease this device already holds, sent again.',
  OLDER_THAN_HELD: 'it was issued before the lease this device holds (a replayed answer).',
  ISSUED_BEFORE_REFUSAL: "it was issued before the server's last refusal (a replayed answer).",
};

/**
 * The lease this device holds and what it grants: the cached state, the verified lease, a
 * refusal, the trusted time (with its time mark), and the window in which the lease grants. Every
 * change of lease or state goes through here, so `status()` and `hasFeature()` answer from one
 * window, and the decisions themselves stay in trust.ts.
 */
export class LeaseState {
  /** What the cache holds (license key, lease token, refusal, trusted time, usage queue, pools); null when no license is held. */
  current: CachedState | null = null;
  /** The lease that verified, or null. */
  lease: VerifiedLease | null = null;
  /** Called after a change of lease or state that should plan the next renewal. */
  replan: () => void = () => undefined;

  /** A cache that would not load: CACHE_TAMPERED or SIGNATURE_INVALID, until a lease is installed. */
  private problem: ValidationCode | null = null;
  /** The time mark would not authenticate: the trusted time is unknown until a lease is installed. */
  private timeDoubt = false;
  /** The trusted time last written to the mark, so an unchanged time is not written again. */
  private markedTime = -Infinity;

  // The hot path: rights hold while okFrom <= local now < okUntil (both in local clock time).
  private features: FeatureValues = {};
  private okFrom = Infinity;
  private okUntil = -Infinity;
  private relaxed = false;

  private expiryTimers: Timer[] = [];
  private checkpointTimer: Timer | null = null;
  private readonly checkpointEvery: number;
  private lastNotified = '';
  private lastViolation: ValidationCode | null = null;

  constructor(
    private readonly ctx: LicenseContext,
    private readonly connection: Connection,
  ) {
    this.checkpointEvery = ctx.options.checkpointMs ?? 10 * MINUTE;
  }

  /** Loads the cache (a damaged or altered one leaves a problem, never an exception) and starts the checkpoints. */
  load(): void {
    const read = this.ctx.cache.read();
    if (read.kind === 'tampered') this.problem = 'CACHE_TAMPERED';
    if (read.kind === 'ok') {
      this.current = this.withMark(read.state);
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
    this.checkpointTimer = this.ctx.clock.setTimer(() => this.checkpoint(), this.checkpointEvery);
  }

  // ---------------------------------------------------------------- asking

  hasFeature(code: string): boolean {
    const now = this.ctx.clock.now();
    if (now >= this.okFrom && now < this.okUntil) return grants(this.features[code]);
    return this.outsideLease() && grants(this.features[code]);
  }

  featureValue(code: string): FeatureValue | undefined {
    const now = this.ctx.clock.now();
    if (now >= this.okFrom && now < this.okUntil) return this.features[code];
    return this.outsideLease() ? this.features[code] : undefined;
  }

  /** The slow path: the lease does not hold right now. Reports the change; grants only in a relaxed mode. */
  private outsideLease(): boolean {
    this.notify();
    return this.relaxed;
  }

  status(): LicenseStatus {
    const now = this.ctx.clock.now();
    const code = this.codeAt(now);
    const lease = this.lease?.claims ?? null;
    const state = this.current;
    const valid = code === 'VALID';
    const permitted = valid || (lease !== null && lease.mode !== 'enforce');
    const at = (s: number | undefined) => (s === undefined ? null : new Date(s * 1000));
    return {
      valid,
      code,
      message: state?.refusal?.code === code ? state.refusal.message : messageFor(code),
      permitted,
      mode: lease?.mode ?? null,
      issuedAt: at(lease?.iat),
      expiresAt: at(lease?.exp),
      refreshAfter: at(lease?.refreshAfter),
      activationId: lease?.sub ?? state?.activationId ?? null,
      seat: lease?.seat ?? null,
      entitlement: lease?.entitlement ?? null,
      features: permitted && lease ? { ...lease.entitlement.features } : {},
      online: this.connection.online,
      lastContactAt: state?.lastContactAt ? new Date(state.lastContactAt) : null,
      fingerprint: this.ctx.fingerprint,
    };
  }

  private codeAt(now: number): ValidationCode {
    if (!this.lease) return this.problem ?? this.current?.refusal?.code ?? 'NO_LICENSE';
    if (this.current?.refusal) return this.current.refusal.code;
    if (this.timeDoubt) return 'CLOCK_TAMPERED';
    return clockVerdict(this.current ?? { trustedTime: 0, skewMs: 0 }, this.lease.claims, now, this.ctx.tolerance);
  }

  /** The server's clock now, as far as this device knows it. */
  serverNow(): number {
    return this.ctx.clock.now() + (this.current?.skewMs ?? 0);
  }

  /** The time an unsigned answer's facts are filed under; see unsignedAnswerTime(). */
  answerTime(serverTime: number | null): number {
    return unsignedAnswerTime(serverTime, this.serverNow(), this.ctx.tolerance);
  }

  /** The seat is held by heartbeats (floating or ephemeral), not for good. */
  holdsByHeartbeat(): boolean {
    const kind = this.lease?.claims.seat.kind;
    return kind === 'floating' || kind === 'ephemeral';
  }

  isBorrowed(): boolean {
    const until = this.lease?.claims.seat.borrowedUntil;
    return until !== null && until !== undefined && until * 1000 > this.serverNow();
  }

  // ---------------------------------------------------------------- leases in

  /**
   * A lease just received: it must also not be issued later than the time of the answer that carried
   * it (or, for an offline response, this device's time), give or take the clock tolerance, and it
   * must be one that may replace the lease held (trust.ts).
   */
  verifyOrThrow(licenseKey: string, token: string, activationId: string | null, answeredAt: number | null = null): VerifiedLease {
    let lease: VerifiedLease;
    try {
      lease = this.verify(token, activationId, (answeredAt ?? this.serverNow()) + this.ctx.tolerance);
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

  private verify(token: string, activationId: string | null, notIssuedAfter: number | null = null): VerifiedLease {
    return verifyLease(token, this.ctx.keys, {
      product: this.ctx.product,
      fingerprint: this.ctx.fingerprint,
      activationId,
      account: this.ctx.options.account ?? null,
      notIssuedAfter,
    });
  }

  /** Throws SIGNATURE_INVALID when a verified lease is a replay: the one held, an older one, or one from before the refusal held. */
  private admitOrThrow(licenseKey: string, lease: VerifiedLease): void {
    // The refusal held belongs to its license; a lease of another license key starts from a clean state.
    const refusal = this.current?.licenseKey === licenseKey ? this.current.refusal : null;
    const refusalAt = refusal ? (refusal.serverAt ?? refusal.at + (this.current?.skewMs ?? 0)) : null;
    const stale = staleLease(this.lease?.claims ?? null, lease.claims, refusalAt);
    if (stale)
      throw new LeaseholdError('SIGNATURE_INVALID', `The server's lease was refused: ${STALE_MESSAGES[stale]}`, {
        details: { reason: stale },
      });
  }

  /**
   * Installs a lease that verified, unless it may not replace what is held (see trust.ts): checked
   * again here because an activation awaits the usage queue between verifying and installing.
   */
  install(licenseKey: string, lease: VerifiedLease, serverTime: number | null, offlineIssuedAt?: number): void {
    this.admitOrThrow(licenseKey, lease);
    // The time seen so far counts: a lease may carry the clock forward from it, never back.
    this.observeTime();
    const base = this.current?.licenseKey === licenseKey ? this.current : this.fresh(licenseKey);
    const now = this.ctx.clock.now();
    const clock =
      offlineIssuedAt === undefined
        ? clockAfterLease(base, lease.claims, serverTime, now, this.ctx.tolerance)
        : clockAfterLease(base, lease.claims, offlineIssuedAt, null, this.ctx.tolerance);
    this.current = {
      ...base,
      licenseKey,
      activationId: lease.claims.sub,
      token: lease.token,
      refusal: null,
      pendingOffline: offlineIssuedAt === undefined ? base.pendingOffline : null,
      // Pool elements belong to an activation: a new one (a seat taken again) holds none.
      pools: base.activationId === lease.claims.sub ? (base.pools ?? {}) : {},
      ...clock,
      lastContactAt: offlineIssuedAt === undefined ? now : base.lastContactAt,
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

  refuse(code: ValidationCode, message: string): void {
    if (!this.current) return;
    // Unsigned: it may stop the granting, so it records when it came, in the SDK's own time, for staleLease() to weigh later leases against.
    this.current = { ...this.current, refusal: { code, message, at: this.ctx.clock.now(), serverAt: this.serverNow() } };
    this.save();
    this.rearm();
    this.notify();
  }

  /** Takes the server's word on the quotas, unless a later word is already held. */
  adoptQuotas(snapshot: QuotaSnapshot | null): void {
    if (!snapshot || !this.current) return;
    const held = this.current.quotas;
    if (held && held.asOf > snapshot.asOf) return;
    this.current = { ...this.current, quotas: snapshot };
  }

  /** The server answered: the contact is recorded with the state (saved with its next change). */
  recordContact(): void {
    if (this.current) this.current = { ...this.current, lastContactAt: this.ctx.clock.now() };
  }

  /** The state of a license key this device starts to hold, keeping the trusted clock of the one before. */
  fresh(licenseKey: string): CachedState {
    return this.withMark({
      licenseKey,
      activationId: null,
      token: null,
      refusal: null,
      trustedTime: this.current?.trustedTime ?? 0,
      skewMs: this.current?.skewMs ?? 0,
      lastContactAt: null,
      pendingOffline: null,
      usageQueue: [],
      quotas: null,
      pools: {},
    });
  }

  /** The device gave its seat back: no license, no cache. */
  forget(): void {
    this.ctx.cache.remove();
    this.current = null;
    this.lease = null;
    this.problem = null;
    this.rearm();
    this.notify();
  }

  /** A floating seat given back on close: the lease goes, and with it the pool elements the server returned. */
  dropSeat(): void {
    if (this.current) this.current = { ...this.current, token: null, activationId: null, pools: {} };
    this.lease = null;
    this.rearm(false);
  }

  // ---------------------------------------------------------------- window, events, time

  /**
   * Recomputes the hot-path window and re-arms the expiry timers after any change of lease or
   * state; and, unless told otherwise, plans the next renewal (a checkpoint must not, or it would
   * keep pushing a backed-off retry further away).
   */
  rearm(replan = true): void {
    const lease = this.lease;
    const state = this.current;
    this.features = lease?.claims.entitlement.features ?? {};
    this.relaxed = lease !== null && lease.claims.mode !== 'enforce';
    const window = lease && state && !state.refusal && !this.timeDoubt ? grantWindow(state, lease.claims, this.ctx.tolerance) : null;
    this.okFrom = window?.from ?? Infinity;
    this.okUntil = window?.until ?? -Infinity;
    this.cancelExpiry();
    if (this.ctx.closed) return;
    if (lease && state && !state.refusal) {
      const { clock } = this.ctx;
      const now = clock.now();
      const end = lease.claims.exp * 1000 - state.skewMs;
      const warnWithin = this.ctx.options.expiringWithinMs ?? ((lease.claims.exp - lease.claims.iat) * 1000) / 4;
      if (end > now) {
        this.expiryTimers.push(
          clock.setTimer(
            () => this.ctx.events.emit('expiring', { expiresAt: new Date(lease.claims.exp * 1000), remainingMs: end - clock.now() }),
            Math.max(0, end - warnWithin - now),
          ),
          clock.setTimer(() => this.notify(), end - now),
        );
      }
    }
    if (replan) this.replan();
  }

  /** Stops the expiry timers and the checkpoints (on close). */
  stop(): void {
    this.cancelExpiry();
    this.checkpointTimer?.cancel();
  }

  private cancelExpiry(): void {
    for (const t of this.expiryTimers) t.cancel();
    this.expiryTimers = [];
  }

  /** Emits `changed` (and `expired`, `violation`) when the status differs from the last one reported. */
  notify(): void {
    const status = this.status();
    const key = this.notifyKey(status);
    if (key === this.lastNotified) return;
    this.lastNotified = key;
    const { events } = this.ctx;
    if (status.code === 'LEASE_EXPIRED') events.emit('expired', status);
    if (!status.valid && status.mode && status.mode !== 'enforce' && this.lastViolation !== status.code) {
      this.lastViolation = status.code;
      events.emit('violation', { code: status.code, message: status.message, mode: status.mode, at: new Date(this.ctx.clock.now()) });
    }
    if (status.valid) this.lastViolation = null;
    events.emit('changed', status);
  }

  /** What the application can see: a renewed lease with the same rights is `refreshed`, not `changed`. */
  private notifyKey(s: LicenseStatus): string {
    const e = s.entitlement;
    return JSON.stringify([s.code, s.mode, s.features, e?.status, e?.offering.id, e?.seats, e?.endsAt, s.seat?.kind, s.activationId]);
  }

  /** Records the time seen, unless the clock is behind it: then it is the clock that is wrong. */
  observeTime(): void {
    if (!this.current) return;
    const clock = clockAfterObservation(this.current, this.ctx.clock.now());
    if (clock.trustedTime !== this.current.trustedTime) this.current = { ...this.current, ...clock };
  }

  private checkpoint(): void {
    if (this.ctx.closed) return;
    const before = this.current?.trustedTime;
    this.observeTime();
    if (this.current && this.current.trustedTime !== before) {
      this.save();
      this.rearm(false);
    }
    this.notify();
    this.checkpointTimer = this.ctx.clock.setTimer(() => this.checkpoint(), this.checkpointEvery);
  }

  save(): void {
    const state = this.current;
    if (!state) return;
    try {
      this.ctx.cache.write(state);
    } catch {
      // A read-only or full disk must not stop the application; the lease still holds in memory.
    }
    const { mark } = this.ctx;
    // In doubt, the mark that failed to authenticate is the evidence: it stays until a lease settles the time.
    if (mark && !this.timeDoubt && state.trustedTime > this.markedTime && mark.write(state.licenseKey, state.trustedTime)) {
      this.markedTime = state.trustedTime;
    }
  }

  /**
   * The state with the time mark of its license laid over it: the later trusted time wins, so a
   * cache restored from a backup does not wind the clock back. A mark that does not authenticate
   * leaves the trusted time in doubt until a lease is installed.
   */
  private withMark(state: CachedState): CachedState {
    const { mark } = this.ctx;
    if (!mark) return state;
    const read = mark.read(state.licenseKey);
    this.markedTime = read.kind === 'ok' ? read.trustedTime : -Infinity;
    if (read.kind === 'tampered') this.timeDoubt = true;
    if (read.kind !== 'ok' || read.trustedTime <= state.trustedTime) return state;
    return { ...state, trustedTime: read.trustedTime };
  }
}
