import { ERROR_CODES, SDK_VALIDATION_CODES, SERVER_VALIDATION_CODES, type ErrorCode, type ValidationCode } from '@leasehold/contract';

/** Codes only the SDK throws, beyond the validation codes it shares with the server. */
const SDK_ERROR_CODES = ['CLOSED', 'OFFLINE_RESPONSE_INVALID', 'CACHE_UNWRITABLE', 'ALREADY_ACTIVATED'] as const;

/**
 * Every code a {@link LeaseholdError} can carry: the server's error codes, the validation codes
 * (a license not in force throws its status code; `VALID` is never an error) and the SDK's own.
 * Closed, so a misspelt code does not compile.
 *
 * @example
 * import type { LeaseholdErrorCode } from '@leasehold/sdk';
 * const retryable: LeaseholdErrorCode[] = ['OFFLINE', 'SERVICE_UNAVAILABLE', 'TOO_MANY_REQUESTS'];
 */
export type LeaseholdErrorCode = ErrorCode | Exclude<ValidationCode, 'VALID'> | (typeof SDK_ERROR_CODES)[number];

const KNOWN_CODES: ReadonlySet<string> = new Set<string>([
  ...ERROR_CODES,
  ...SERVER_VALIDATION_CODES.filter((code) => code !== 'VALID'),
  ...SDK_VALIDATION_CODES,
  ...SDK_ERROR_CODES,
]);

/** Whether a code that came over the wire is one this SDK knows (a newer server may send others). */
export function isLeaseholdErrorCode(code: unknown): code is LeaseholdErrorCode {
  return typeof code === 'string' && KNOWN_CODES.has(code);
}

/**
 * An operation the SDK could not do. `code`, a {@link LeaseholdErrorCode}, is the server's error
 * code (`SEAT_LIMIT_REACHED`, `SUSPENDED`, `LICENSE_KEY_INVALID`, …) or one of the SDK's: `OFFLINE` (no answer from the
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
    readonly code: LeaseholdErrorCode,
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
