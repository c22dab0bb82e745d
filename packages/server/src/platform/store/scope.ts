/**
 * Whose data a query may touch. Every repository method is bound to one scope, so a query that
 * forgets the account cannot be written. `productId` narrows product-limited API keys further.
 */
export interface Scope {
  accountId: string;
  productId: string | null;
}
