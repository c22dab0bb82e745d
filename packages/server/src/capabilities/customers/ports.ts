/** What the customers' rules ask of storage; the store implements it (capabilities/customers/store/). */
import type { CustomerRecord, Page, PageRequest } from '../../platform/domain/model.js';

export interface CustomerFilter {
  /** Matches name, email or externalRef, case-insensitively. */
  q?: string | undefined;
  email?: string | undefined;
}

/** Customers are account-wide contacts; product-limited keys see them too (they need them to sell). */
export interface CustomersPort {
  /** By id or externalRef. */
  find(ref: string): Promise<CustomerRecord | undefined>;
  list(filter: CustomerFilter, page: PageRequest): Promise<Page<CustomerRecord>>;
  /** Holds the customer's row until the transaction ends (decisions that count across entitlements). */
  lock(id: string): Promise<void>;
  /** Refuses a taken externalRef with the store's conflict (`customer.externalRef`). */
  insert(c: CustomerRecord): Promise<void>;
  update(c: CustomerRecord): Promise<void>;
  delete(id: string): Promise<void>;
}

/** Its repositories, in the transaction every service is handed (`Tx`, platform/domain/ports.ts). */
declare module '../../platform/domain/ports.js' {
  interface Tx {
    readonly customers: CustomersPort;
  }
}
