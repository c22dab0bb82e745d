/** The customers capability's tables (customers), merged into the one `DB` interface of `platform/store/schema.ts`. */
declare module '../../../platform/store/schema.js' {
  interface DB {
    customers: CustomersTable;
  }
}

export interface CustomersTable {
  account_id: string;
  id: string;
  name: string;
  email: string | null;
  external_ref: string | null;
  metadata: string;
  created_at: number;
  updated_at: number;
}
