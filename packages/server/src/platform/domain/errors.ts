import type { ErrorCode } from '@leasehold/contract';

/** The one error type domain rules throw; the HTTP layer maps `code` to a status through the contract. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export function notFound(kind: string, ref: string): DomainError {
  return new DomainError('NOT_FOUND', `No ${kind} ${JSON.stringify(ref)} in this account.`, { resource: kind, ref });
}

export function invalid(field: string, message: string, extra?: Record<string, unknown>): DomainError {
  return new DomainError('INVALID_REQUEST', message, { field, ...extra });
}
