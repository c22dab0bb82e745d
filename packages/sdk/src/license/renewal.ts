import type { LeaseResponse, ValidationResult } from '@leasehold/contract';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from '../backoff.js';
import type { Timer } from '../clock.js';
import { LeaseholdError } from '../errors.js';
import { isCallRefusal, isRefusal, refusalCode, type LicenseStatus } from '../status.js';
import { snapshotOf } from '../usage.js';
import type { Connection } from './connection.js';
import { asLeaseholdError, HOUR, MINUTE, type LicenseContext } from './context.js';
import type { Metering } from './metering.js';
import type { LeaseState } from './state.js';
import type { RefreshOutcome } from './types.js';

export type RenewalKind = 'scheduled' | 'courtesy' | 'forced';

/**
 * Keeping the lease fresh: refreshes when the lease asks for one, courtesy refreshes, heartbeats
 * for a floating seat, retries that back off, and the server's word on whether the license may
 * run (`validate`). One renewal at a time; every other caller shares it.
 */
export class Renewal {
  private readonly courtesyEvery: number;
  private readonly backoff: BackoffPolicy;
  private failures = 0;
  /** The server's `Retry-After` on the last failure (an overloaded server says when to come back). */
  private retryAfterMs: number | undefined;
  /** When the last courtesy refresh failed: the next one waits a whole interval from then, and starts no retries. */
  private courtesyFailedAt: number | null = null;
  private inflight: Promise<RefreshOutcome> | null = null;
  private timer: Timer | null = null;

  /** `retakeSeat` activates again, for a floating seat lost to missed heartbeats. */
  constructor(
    private readonly ctx: LicenseContext,
    private readonly state: LeaseState,
    private readonly connection: Connection,
    private readonly metering: Metering,
    private readonly retakeSeat: (licenseKey: string) => Promise<unknown>,
  ) {
    this.courtesyEvery = ctx.options.courtesy?.intervalMs ?? HOUR;
    this.backoff = { ...DEFAULT_BACKOFF, ...ctx.options.backoff };
  }

  /** The renewal in flight, if any; `settled()` waits for it. */
  get running(): Promise<RefreshOutcome> | null {
    return this.inflight;
  }

  /** The quiet attempt when the license opens, when there is a lease to renew and the application did not turn it off. */
  onOpen(): void {
    if (this.ctx.options.courtesy?.onOpen !== false && this.state.current?.licenseKey && this.state.lease) void this.renew('courtesy');
  }

  renew(kind: RenewalKind): Promise<RefreshOutcome> {
    if (this.inflight) return this.inflight;
    this.inflight = this.renewNow(kind).finally(() => {
      this.inflight = null;
      this.schedule();
    });
    return this.inflight;
  }

  private async renewNow(kind: RenewalKind): Promise<RefreshOutcome> {
    const key = this.state.current?.licenseKey;
    const api = this.ctx.api;
    if (!api || !key || this.ctx.closed) return { refreshed: false, code: 'SKIPPED', status: this.state.status() };
    const heartbeat = this.state.holdsByHeartbeat();
    const path = heartbeat ? '/v1/client/heartbeat' : '/v1/client/refresh';
    try {
      // Queued usage rides with every refresh, before the lease, so the new lease's quotas include it.
      if (this.metering.queue().length > 0) {
        try {
          await this.metering.send();
        } catch (error) {
          if (!(error instanceof LeaseholdError) || error.transient || isCallRefusal(error.code)) throw error;
          // Any other answer to the usage request must not keep the lease from renewing; the records stay queued.
        }
      }
      const answer = await this.connection.contact(() =>
        api.post<LeaseResponse>(path, key, { fingerprint: this.ctx.fingerprint, product: this.ctx.product }),
      );
      const activationId = this.state.lease?.claims.sub ?? this.state.current?.activationId ?? null;
      const lease = this.state.verifyOrThrow(key, answer.body.lease.token, activationId, answer.serverTime);
      this.failures = 0;
      this.courtesyFailedAt = null;
      this.state.install(key, lease, answer.serverTime);
      const status = this.state.status();
      this.ctx.events.emit('refreshed', status);
      return { refreshed: true, code: 'VALID', status };
    } catch (caught) {
      const error = asLeaseholdError(caught);
      this.retryAfterMs = error.options.retryAfterMs;
      if (error.transient && kind === 'courtesy' && this.failures === 0 && !this.state.current?.refusal) {
        // A courtesy refresh is a bonus: when it fails, the lease is as good as before, and the next
        // try is the next courtesy or the lease's own refresh — not a chain of retries, which would
        // bring every device that tried during an outage back at once when it ends.
        this.courtesyFailedAt = this.ctx.clock.now();
      } else if (error.transient || error.code === 'SIGNATURE_INVALID') {
        this.failures++;
      } else if (isRefusal(error.code)) {
        // A floating seat lost to a missed heartbeat (a laptop asleep): take one again if one is free.
        if (heartbeat && (error.code === 'HEARTBEAT_DEAD' || error.code === 'NOT_ACTIVATED') && kind !== 'forced') {
          try {
            await this.retakeSeat(key);
            return { refreshed: true, code: 'VALID', status: this.state.status() };
          } catch {
            // fall through: the refusal stands
          }
        }
        this.failures = 0;
        this.state.refuse(refusalCode(error.code), error.message);
      } else {
        this.failures++;
      }
      return { refreshed: false, code: error.code, status: this.state.status(), error };
    }
  }

  /** Plans the next renewal, unless one is in flight (it plans the next itself when it ends). */
  plan(): void {
    if (!this.inflight) this.schedule();
  }

  private schedule(): void {
    this.cancel();
    const state = this.state.current;
    const lease = this.state.lease;
    if (this.ctx.closed || !this.ctx.api || !state?.licenseKey) return;
    const now = this.ctx.clock.now();
    let due: number;
    let kind: RenewalKind = 'scheduled';
    if (this.failures > 0) {
      due = now + backoffDelay(this.backoff, this.failures - 1, this.ctx.random, this.retryAfterMs);
    } else if (!lease || state.refusal) {
      // Refused: look again now and then, so a resumed license comes back without a restart.
      if (this.courtesyEvery <= 0 || !lease) return;
      due = now + this.courtesyEvery;
    } else {
      const c = lease.claims;
      const skew = state.skewMs;
      const lifetime = (c.exp - c.iat) * 1000;
      if (this.state.holdsByHeartbeat() && !this.state.isBorrowed()) {
        // A heartbeat every third of the window: two can be lost before the seat is.
        due = c.iat * 1000 - skew + lifetime / 3 + this.ctx.random() * Math.min(lifetime / 30, MINUTE);
      } else {
        const spread = Math.min((c.exp - c.refreshAfter) * 1000 * 0.2, HOUR);
        due = c.refreshAfter * 1000 - skew + this.ctx.random() * spread;
        if (this.courtesyEvery > 0) {
          const courtesyAt = Math.max(state.lastContactAt ?? now, this.courtesyFailedAt ?? -Infinity) + this.courtesyEvery;
          if (courtesyAt < due) {
            due = courtesyAt;
            kind = 'courtesy';
          }
        }
      }
    }
    const planned = kind;
    this.timer = this.ctx.clock.setTimer(() => void this.renew(planned), Math.max(0, due - now));
  }

  /** Stops the planned renewal (on close, or before planning another). */
  cancel(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  async validate(features?: string[]): Promise<LicenseStatus & { server: ValidationResult | null }> {
    const key = this.state.current?.licenseKey;
    const api = this.ctx.api;
    if (!api || !key) return { ...this.state.status(), server: null };
    try {
      const answer = await this.connection.contact(() =>
        api.post<ValidationResult>('/v1/client/validate', key, {
          fingerprint: this.ctx.fingerprint,
          product: this.ctx.product,
          ...(features ? { features } : {}),
        }),
      );
      const result = answer.body;
      this.state.adoptQuotas(snapshotOf(result.usage, this.state.answerTime(answer.serverTime)));
      if (!result.valid && isRefusal(result.code)) this.state.refuse(result.code, result.message);
      else if (result.valid && (this.state.current?.refusal || !this.state.lease)) await this.renew('forced');
      return { ...this.state.status(), server: result };
    } catch (error) {
      if (error instanceof LeaseholdError && error.transient) return { ...this.state.status(), server: null };
      throw error;
    }
  }
}
