/** The access capability's tables (accounts, API keys, staff users and their sessions), merged into the one `DB` interface of `platform/store/schema.ts`. */
declare module '../../../platform/store/schema.js' {
  interface DB {
    accounts: AccountsTable;
    api_keys: ApiKeysTable;
    staff_users: StaffUsersTable;
    staff_sessions: StaffSessionsTable;
  }
}

export interface AccountsTable {
  id: string;
  name: string;
  created_at: number;
}

export interface ApiKeysTable {
  account_id: string;
  id: string;
  name: string;
  role: string;
  product_id: string | null;
  token_hash: string;
  prefix: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface StaffUsersTable {
  account_id: string;
  id: string;
  email: string;
  name: string;
  role: string;
  password_hash: string;
  created_at: number;
  updated_at: number;
  last_sign_in_at: number | null;
  disabled_at: number | null;
}

export interface StaffSessionsTable {
  token_hash: string;
  account_id: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  user_agent: string | null;
}
