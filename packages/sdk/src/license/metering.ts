import { randomBytes } from 'node:crypto';
import type { CachedState } from '../cache.js';
import type { Timer } from '../clock.js';
import { LeaseholdError } from '../errors.js';
import { isCallRefusal, refusalCode } from '../status.js';
import {
  checkUsageInput,
  snapshotOf,
  usageStatusOf,
  type QueuedUsage,
  type UsageFlushOutcome,
  type UsageReceipt,
  type UsageRejection,
  type UsageStatus,
} from '../usage.js';
import type { Connection } from './connection.js';
import { asLeaseholdError, HOUR, MINUTE, type LicenseContext } from './context.js';
import type { LeaseState } from './state.js';

/** Records per usage request (the server takes up to 1,000). */
const USAGE_BATCH = 500;
/** How far ahead of the server's clock the server accepts a record's time. */
const USAGE_FUTURE_TOLERANCE = 5 * MINUTE;

interface UsageAnswerBody {
  accepted: number;
  duplicates: number;
  rejected: Array<{ idempotencyKey: string; code: string; message: string }>;
  usage: Record<string, { used: number; limit: number; remaining: number; periodEndsAt: string }>;
}

interface UsageTotals {
  accepted: number;
  duplicates: number;
  rejected: UsageRejection[];
}

/**
 * Metered usage: the queue of records in the cache, the quotas as this device sees them, and the
 * flushes that bring records to the server — one after another, so a record is never in two
 * requests at once, and out of the queue only once the server has answered for it.
 */
export class Metering {
  private readonly flushEvery: number;
  private timer: Timer | null = null;
  /** The flush running, or the last one: the next waits for it. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ctx: LicenseContext,
    private readonly state: LeaseState,
    private readonly connection: Connection,
  ) {
    this.flushEvery = ctx.options.usageFlushMs ?? MINUTE;
  }

  /** The flush running, or the last one; `settled()` waits for it. */
  get sending(): Promise<unknown> {
    return this.chain;
  }

  queue(): readonly QueuedUsage[] {
    return this.state.current?.usageQueue ?? [];
  }

  record(feature: string, quantity: number, options: { at?: Date | number }): UsageReceipt {
    const invalid = checkUsageInput(feature, quantity);
    if (invalid) throw new LeaseholdError('INVALID_REQUEST', invalid, { details: { feature, quantity } });
    if (this.ctx.closed) throw new LeaseholdError('CLOSED', 'The license was closed.');
    const status = this.state.status();
    const state = this.state.current;
    const lease = this.state.lease;
    // Without a lease or outside it the status code says why (never VALID: a license in force is permitted).
    if (!state || !lease || !status.permitted)
      throw new LeaseholdError(status.code === 'VALID' ? 'NO_LICENSE' : status.code, status.message);
    const serverNow = this.state.serverNow();
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
      this.ctx.events.emit('violation', {
        code: 'QUOTA_EXHAUSTED',
        message,
        mode: status.mode ?? 'warn',
        at: new Date(this.ctx.clock.now()),
      });
    }
    let record: QueuedUsage = { idempotencyKey: randomBytes(16).toString('base64url'), feature, quantity, at };
    const queue = [...this.queue()];
    // Without a server nothing is ever sent, so records are only there for enforcement: one per feature and hour keeps the cache small.
    const last = this.ctx.api ? -1 : queue.findLastIndex((r) => r.feature === feature);
    const merged = last >= 0 ? queue[last]! : null;
    if (merged && Math.floor(merged.at / HOUR) === Math.floor(at / HOUR) && merged.quantity + quantity <= 1_000_000_000) {
      record = { ...merged, quantity: merged.quantity + quantity };
      queue[last] = record;
    } else {
      queue.push(record);
    }
    this.state.current = { ...state, usageQueue: queue };
    try {
      this.ctx.cache.write(this.state.current);
    } catch (cause) {
      this.state.current = state;
      throw new LeaseholdError('CACHE_UNWRITABLE', `The usage could not be saved to ${this.ctx.cache.file}, so it was not recorded.`, {
        cause,
      });
    }
    this.scheduleFlush();
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

  usage(feature: string): UsageStatus | null {
    const lease = this.state.lease;
    if (!lease) return null;
    const quotas = this.state.current?.quotas ?? undefined;
    return usageStatusOf(feature, lease.claims.entitlement.features[feature], quotas, this.queue(), this.state.serverNow());
  }

  remaining(feature: string): number {
    if (!this.state.status().permitted) return 0;
    return this.usage(feature)?.allowance ?? 0;
  }

  async flush(): Promise<UsageFlushOutcome> {
    const totals: UsageTotals = { accepted: 0, duplicates: 0, rejected: [] };
    const outcome = (code: string, error?: LeaseholdError): UsageFlushOutcome => ({
      delivered: code === 'OK',
      code,
      ...totals,
      pending: this.queue().length,
      ...(error ? { error } : {}),
    });
    if (this.queue().length === 0) return outcome('OK');
    if (!this.ctx.api || !this.state.current?.licenseKey || this.ctx.closed) return outcome('SKIPPED');
    try {
      await this.send(totals);
      return outcome(this.queue().length === 0 ? 'OK' : 'PENDING');
    } catch (caught) {
      const error = asLeaseholdError(caught);
      return outcome(error.code, error);
    }
  }

  /** Sends the queue, after any flush already running (so no record is ever in two requests at once). */
  send(totals: UsageTotals = { accepted: 0, duplicates: 0, rejected: [] }): Promise<UsageTotals> {
    const run = this.chain.then(() => this.sendNow(totals));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async sendNow(totals: UsageTotals): Promise<UsageTotals> {
    const key = this.state.current?.licenseKey;
    const api = this.ctx.api;
    if (!api || !key) return totals;
    const attempted = new Set<string>();
    for (;;) {
      if (this.state.current?.licenseKey !== key) return totals;
      const batch = this.queue()
        .filter((r) => !attempted.has(r.idempotencyKey))
        .slice(0, USAGE_BATCH);
      if (batch.length === 0) return totals;
      for (const r of batch) attempted.add(r.idempotencyKey);
      let answer;
      try {
        answer = await this.connection.contact(() =>
          api.post<UsageAnswerBody>('/v1/client/usage', key, {
            fingerprint: this.ctx.fingerprint,
            records: batch.map((r) => ({
              feature: r.feature,
              quantity: r.quantity,
              at: new Date(r.at).toISOString(),
              idempotencyKey: r.idempotencyKey,
            })),
          }),
        );
      } catch (error) {
        if (error instanceof LeaseholdError && isCallRefusal(error.code)) this.state.refuse(refusalCode(error.code), error.message);
        throw error;
      }
      // The server has answered for every record of the batch (counted, already counted, or refused): they leave the queue.
      const sent = new Map(batch.map((r) => [r.idempotencyKey, r]));
      const rejected: UsageRejection[] = [];
      for (const r of answer.body.rejected ?? []) {
        const record = sent.get(r.idempotencyKey);
        if (record) rejected.push({ ...record, at: new Date(record.at), code: r.code, message: r.message });
      }
      const current: CachedState | null = this.state.current;
      if (current?.licenseKey === key) {
        this.state.current = { ...current, usageQueue: this.queue().filter((r) => !sent.has(r.idempotencyKey)) };
        this.state.adoptQuotas(snapshotOf(answer.body.usage, this.state.answerTime(answer.serverTime)));
        this.state.save();
      }
      totals.accepted += answer.body.accepted ?? 0;
      totals.duplicates += answer.body.duplicates ?? 0;
      totals.rejected.push(...rejected);
      this.ctx.events.emit('usageSent', {
        accepted: answer.body.accepted ?? 0,
        duplicates: answer.body.duplicates ?? 0,
        rejected: rejected.length,
        pending: this.queue().length,
      });
      if (rejected.length > 0) this.ctx.events.emit('usageRejected', rejected);
    }
  }

  /** Sends recorded usage a little later, batching what comes in between — only while the server answers. */
  private scheduleFlush(): void {
    if (this.timer || this.flushEvery <= 0 || !this.ctx.api || this.connection.online === false || this.ctx.closed) return;
    this.timer = this.ctx.clock.setTimer(() => {
      this.timer = null;
      void this.send().catch(() => undefined);
    }, this.flushEvery);
  }

  /** Stops the delayed flush (on close; what is queued stays in the cache). */
  cancel(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  /** Before another license key replaces this one: its queued usage goes out if it can, and what cannot is reported. */
  async settleBefore(newKey: string): Promise<void> {
    const current = this.state.current;
    if (!current || current.licenseKey === newKey || this.queue().length === 0) return;
    const outcome = await this.flush();
    const code = outcome.code === 'OK' || outcome.code === 'PENDING' ? 'LICENSE_CHANGED' : outcome.code;
    if (this.queue().length > 0) this.drop(code, 'Another license replaced the one this record was made under before the server took it.');
  }

  /** Gives up on the queued records (the license they belong to is going away), reporting them through `usageRejected`. */
  drop(code: string, message: string): void {
    const dropped = this.queue().map((r) => ({ ...r, at: new Date(r.at), code, message }));
    if (dropped.length === 0 || !this.state.current) return;
    this.state.current = { ...this.state.current, usageQueue: [] };
    this.state.save();
    this.ctx.events.emit('usageRejected', dropped);
  }
}
