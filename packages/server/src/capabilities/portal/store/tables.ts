/** The portal's tables (its users, their single-use link tokens and sessions), merged into the one `DB` interface of `platform/store/schema.ts`. */
declare module '../../../platform/store/schema.js' {
  interface DB {
    portal_users: PortalUsersTable;
    portal_links: PortalLinksTable;
    portal_sessions: PortalSessionsTable;
    portal_seat_assignments: PortalSeatAssignmentsTable;
    portal_branding: PortalBrandingTable;
  }
}

export interface PortalUsersTable {
  account_id: string;
  id: string;
  customer_id: string;
  /** Trimmed and lower-cased; unique among the account's users that are not disabled. */
  email: string;
  name: string;
  role: string;
  /** Null until the invitation is accepted. */
  password_hash: string | null;
  invited_at: number;
  joined_at: number | null;
  last_sign_in_at: number | null;
  disabled_at: number | null;
  updated_at: number;
}

/** Invitation and sign-in links: only the SHA-256 of the token is kept, and each is used once. */
export interface PortalLinksTable {
  token_hash: string;
  account_id: string;
  portal_user_id: string;
  purpose: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface PortalSessionsTable {
  token_hash: string;
  account_id: string;
  portal_user_id: string;
  created_at: number;
  expires_at: number;
  user_agent: string | null;
}

/** Named-user seats of an entitlement kept for portal users of its customer (0042). */
export interface PortalSeatAssignmentsTable {
  account_id: string;
  entitlement_id: string;
  portal_user_id: string;
  assigned_at: number;
  assigned_by: string | null;
}

/** One row per account that set its portal's branding (0042); `domain` is unique across accounts. */
export interface PortalBrandingTable {
  account_id: string;
  product_name: string | null;
  logo_url: string | null;
  primary_color: string | null;
  accent_color: string | null;
  domain: string | null;
  updated_at: number;
}
/** The portal's OpenID Connect sign-in (issue 21): connections, their allowed domains, sign-ins under way and linked identities. */
declare module '../../../platform/store/schema.js' {
  interface DB {
    portal_sso_connections: PortalSsoConnectionsTable;
    portal_sso_domains: PortalSsoDomainsTable;
    portal_sso_flows: PortalSsoFlowsTable;
    portal_sso_identities: PortalSsoIdentitiesTable;
  }
}

export interface PortalSsoConnectionsTable {
  account_id: string;
  id: string;
  name: string;
  issuer: string;
  client_id: string;
  /** Sealed with the master key; never in plain text. */
  client_secret_sealed: string;
  /** A customer's own connection; null for one of the whole account. */
  customer_id: string | null;
  provisioning: number;
  default_role: string;
  enabled: number;
  created_at: number;
  updated_at: number;
}

/** One allowed email domain per row: unique in the account, so an address's domain names one connection and one customer. */
export interface PortalSsoDomainsTable {
  account_id: string;
  domain: string;
  connection_id: string;
  customer_id: string;
}

export interface PortalSsoFlowsTable {
  state_hash: string;
  account_id: string;
  connection_id: string;
  browser_hash: string;
  nonce: string;
  verifier_sealed: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface PortalSsoIdentitiesTable {
  account_id: string;
  connection_id: string;
  subject: string;
  portal_user_id: string;
  created_at: number;
}
