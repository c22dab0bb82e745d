import type { ErrorCode } from '@leasehold/contract';
import type { StoreRefusal } from './ports.js';

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

/**
 * The domain's error for what the store refused (a unique index, an unreadable cursor), or
 * undefined for anything else. Called where errors reach a caller: the HTTP and NetLicensing error
 * handlers and the migration runner.
 */
export function fromStore(error: unknown): DomainError | undefined {
  if (!(error instanceof Error) || error.name !== 'StoreConflict') return undefined;
  const c = error as Error & StoreRefusal;
  const quoted = JSON.stringify(c.value);
  if (c.kind === 'bad_cursor') return new DomainError('INVALID_REQUEST', 'The cursor is not one this API returned.', { field: 'cursor' });
  switch (`${c.resource}.${c.field}`) {
    case 'product.code':
      return new DomainError('DUPLICATE_CODE', `A product with code ${quoted} already exists.`, { field: 'code', code: c.value });
    case 'feature.code':
      return new DomainError('DUPLICATE_CODE', `The product already has a feature with code ${quoted}.`, { field: 'code', code: c.value });
    case 'offering.code':
      return new DomainError('DUPLICATE_CODE', `An offering with code ${quoted} already exists.`, { field: 'code', code: c.value });
    case 'customer.externalRef':
      return new DomainError('DUPLICATE_EXTERNAL_REF', `A customer with externalRef ${quoted} already exists.`, {
        field: 'externalRef',
        externalRef: c.value,
      });
    case 'entitlement.externalRef':
      return new DomainError('DUPLICATE_EXTERNAL_REF', 'An entitlement with this externalRef or license key already exists.', {
        field: 'externalRef',
        externalRef: c.value,
      });
    case 'entitlement.key':
      return new DomainError('DUPLICATE_CODE', 'An entitlement with this license key already exists.', { field: 'key' });
    case 'staff_user.email':
      return new DomainError('DUPLICATE_CODE', 'A staff user with this email exists already in this account.', { field: 'email' });
    default:
      return new DomainError('DUPLICATE_CODE', c.message, { field: c.field });
  }
}
