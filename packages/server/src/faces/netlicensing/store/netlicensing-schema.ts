/** The NetLicensing face's tables (migration 0006), merged into the one `DB` interface. */
declare module '../../../platform/store/schema.js' {
  interface DB {
    nl_objects: NlObjectsTable;
    nl_sessions: NlSessionsTable;
    nl_auto_grants: NlAutoGrantsTable;
  }
}

export interface NlObjectsTable {
  account_id: string;
  kind: string;
  ref_id: string;
  product_id: string | null;
  parent_id: string | null;
  props: string;
  created_at: number;
  updated_at: number;
}

export interface NlSessionsTable {
  account_id: string;
  customer_id: string;
  feature_id: string;
  session_id: string;
  checked_out_at: number;
  expires_at: number;
}

export interface NlAutoGrantsTable {
  account_id: string;
  customer_id: string;
  offering_id: string;
  granted_at: number;
}
