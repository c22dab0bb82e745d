/** The events capability's tables (the event log), merged into the one `DB` interface of `platform/store/schema.ts`. */
declare module '../../../platform/store/schema.js' {
  interface DB {
    events: EventsTable;
  }
}

export interface EventsTable {
  account_id: string;
  id: string;
  type: string;
  subject_type: string;
  subject_id: string;
  customer_id: string | null;
  entitlement_id: string | null;
  product_id: string | null;
  actor_type: string;
  actor_id: string | null;
  request_id: string | null;
  before: string | null;
  after: string | null;
  at: number;
}
