/**
 * An operation the SDK could not do. `code` is the server's error code (`SEAT_LIMIT_REACHED`,
 * `SUSPENDED`, `LICENSE_KEY_INVALID`, …) or one of the SDK's: `OFFLINE` (no answer from the
 * server), `SIGNATURE_INVALID` (the server's lease does not verify against the pinned keys),
 * `NO_LICENSE`, `OFFLINE_RESPONSE_INVALID`, `CLOSED`; from metered usage `QUOTA_EXHAUSTED`,
 * `FEATURE_MISSING`, `CACHE_UNWRITABLE`; from `startTrial` `ALREADY_ACTIVATED`.
 *
 * @example
 * import { LeaseholdError } from '@leasehold/sdk';
 * try {
 *   await license.activate(key);
 * } catch (error) {
 *   if (error instanceof LeaseholdError && error.code === 'SEAT_LIMIT_REACHED') console.log('All seats are taken.');
 *   else throw error;
 * }
 */
export class LeaseholdError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly options: {
      status?: number | null;
      details?: Record<string, unknown>;
      /** Worth retrying later: the server was unreachable, overloaded or failing. */
      transient?: boolean;
      retryAfterMs?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LeaseholdError';
  }

  get status(): number | null {
    return this.options.status ?? null;
  }
  get details(): Record<string, unknown> {
    return this.options.details ?? {};
  }
  get transient(): boolean {
    return this.options.transient ?? false;
  }
}
