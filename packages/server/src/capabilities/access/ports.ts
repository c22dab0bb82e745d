/** What the access rules ask of storage; the store implements these (capabilities/access/store/). */
import type { ApiKeyRecord, Page, PageRequest, StaffSessionRecord, StaffUserRecord } from '../../platform/domain/model.js';

/** The account row of the current scope. */
export interface AccountPort {
  insert(name: string, at: number): Promise<void>;
  exists(): Promise<boolean>;
}

/** The account's API keys; revoked ones are never found or listed. */
export interface ApiKeysPort {
  find(id: string): Promise<ApiKeyRecord | undefined>;
  list(page: PageRequest): Promise<Page<ApiKeyRecord>>;
  /** Live account-wide (not product-limited) keys with the admin role. */
  countAdmins(): Promise<number>;
  insert(k: ApiKeyRecord, tokenHash: string): Promise<void>;
  /** Revoked keys stay in the table (the audit log names them) but never authenticate again. */
  revoke(id: string, at: number): Promise<void>;
}

/** One account's staff users (an email is unique within the account). Disabled users are kept (events name them) but never listed or signed in. */
export interface StaffUsersPort {
  find(id: string): Promise<StaffUserRecord | undefined>;
  list(page: PageRequest): Promise<Page<StaffUserRecord>>;
  /** Live users with the admin role. */
  countAdmins(): Promise<number>;
  /** Refuses an email the account already has with the store's conflict (`staff_user.email`). */
  insert(u: StaffUserRecord, passwordHash: string): Promise<void>;
  /** `passwordHash` null keeps the password. */
  update(u: StaffUserRecord, passwordHash: string | null): Promise<void>;
  /** Disables the user and ends their sessions; the email is freed for a new user. */
  disable(id: string, at: number): Promise<void>;
}

/**
 * The lookups that happen before an account is known: sign-in by email, sessions by token hash,
 * and whether the server has any staff user yet.
 */
export interface StaffDirectoryPort {
  userCount(): Promise<number>;
  /** Every account's live user of this email (emails are unique per account), with the account's name. */
  findByEmail(email: string): Promise<Array<{ user: StaffUserRecord; passwordHash: string; accountName: string }>>;
  findUser(accountId: string, id: string): Promise<StaffUserRecord | undefined>;
  stampSignIn(accountId: string, id: string, at: number): Promise<void>;
  insertSession(s: StaffSessionRecord, userAgent: string | null): Promise<void>;
  /** A session by the hash of its token, unless it expired by `now`. */
  findSession(tokenHash: string, now: number): Promise<StaffSessionRecord | undefined>;
  deleteSession(tokenHash: string): Promise<void>;
  deleteExpiredSessions(now: number): Promise<void>;
  /** The account a first user joins: the oldest one (on a fresh server, the only one). */
  firstAccountId(): Promise<string | undefined>;
}

/** Its repositories, in the transaction every service is handed (`Tx`, platform/domain/ports.ts). */
declare module '../../platform/domain/ports.js' {
  interface Tx {
    readonly account: AccountPort;
    readonly apiKeys: ApiKeysPort;
    readonly staffUsers: StaffUsersPort;
  }
}
