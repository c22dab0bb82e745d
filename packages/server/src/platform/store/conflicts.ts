import type { StoreRefusal } from '../domain/ports.js';

/**
 * What the store refuses, in its own terms: a write that would break a unique index, or a cursor it
 * cannot read. The store knows tables and columns, not the API's error codes; the domain turns these
 * into its errors (`fromStore` in platform/domain/errors.ts) where they reach a caller.
 */
export class StoreConflict extends Error implements StoreRefusal {
  override readonly name = 'StoreConflict';
  constructor(
    readonly kind: 'duplicate' | 'bad_cursor',
    /** The record kind, e.g. 'product', 'entitlement'. */
    readonly resource: string,
    /** The field whose value is taken (or 'cursor'). */
    readonly field: string,
    readonly value: string | null = null,
  ) {
    super(kind === 'duplicate' ? `A ${resource} with this ${field} exists already.` : `The ${field} cannot be read.`);
  }
}
