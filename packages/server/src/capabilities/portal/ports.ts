/** What the portal's rules ask of storage and of the mail; the store implements these (capabilities/portal/store/). */
import type { Page, PageRequest } from '../../platform/domain/model.js';
import type {
  PortalBrandingRecord,
  PortalLinkPurpose,
  PortalLinkRecord,
  PortalSessionRecord,
  PortalSsoConnectionRecord,
  PortalSsoFlowRecord,
  PortalSsoIdentityRecord,
  PortalUserRecord,
  SeatAssignmentRecord,
} from './records.js';

/** One account's portal users. Disabled users are kept (events name them) and found, but never sign in. */
export interface PortalUsersPort {
  find(id: string): Promise<PortalUserRecord | undefined>;
  listOfCustomer(customerId: string, page: PageRequest): Promise<Page<PortalUserRecord>>;
  /**
   * Refuses an email another live user of the same customer has with the store's conflict (`portal_user.email`).
   * With no password; `joinedAt` is null for an invitation, set for a user an SSO sign-in provisions.
   */
  insert(u: PortalUserRecord): Promise<void>;
  update(u: PortalUserRecord): Promise<void>;
  /** Disables the user, ends their sessions and voids their unused links; the email is freed. */
  disable(id: string, at: number): Promise<void>;
  /** Every portal user of the customer, disabled ones too (erasure learns their names and emails). */
  allOfCustomer(customerId: string): Promise<PortalUserRecord[]>;
  /**
   * Erasure: the name and email become `name`/`email` as given (placeholders), the user is disabled
   * if not already, and their sessions and links are dropped.
   */
  erase(id: string, replacement: { name: string; email: string }, at: number): Promise<void>;
  /** A new link for the user; their earlier unused links of the same purpose stop working. */
  issueLink(link: PortalLinkRecord): Promise<void>;
  /**
   * Marks a live link used: true for exactly one of any number of racing callers, false when it is
   * unknown, of another purpose, used already or expired by `now`.
   */
  useLink(tokenHash: string, purpose: PortalLinkPurpose, now: number): Promise<boolean>;
  /** The name of the account (the vendor), as emails name it. */
  accountName(): Promise<string>;
  /** Sets the password (the invitation accepted), and ends the user's other sessions. */
  setPassword(id: string, passwordHash: string, joinedAt: number): Promise<void>;
}

/** The lookups that happen before an account is known: sign-in by email, links and sessions by token hash. */
export interface PortalDirectoryPort {
  /** Every account's live, joined user of this email, with the account's name. */
  findByEmail(email: string): Promise<Array<{ user: PortalUserRecord; passwordHash: string | null; accountName: string }>>;
  findUser(accountId: string, id: string): Promise<PortalUserRecord | undefined>;
  /** Whose link this is, whatever its state (the write that uses it checks that it is live). */
  findLink(tokenHash: string): Promise<{ accountId: string; portalUserId: string } | undefined>;
  stampSignIn(accountId: string, id: string, at: number): Promise<void>;
  insertSession(s: PortalSessionRecord, userAgent: string | null): Promise<void>;
  /** A session by the hash of its token, unless it expired by `now`. */
  findSession(tokenHash: string, now: number): Promise<PortalSessionRecord | undefined>;
  deleteSession(tokenHash: string): Promise<void>;
  deleteExpired(now: number): Promise<void>;
}

/** Outgoing mail (SMTP when LEASEHOLD_SMTP_URL is set). */
export interface MailPort {
  send(message: {
    to: string;
    subject: string;
    text: string;
    /** Files attached (a scheduled report export's CSV). */
    attachments?: Array<{ filename: string; content: string; contentType: string }>;
  }): Promise<void>;
}

/** Named-user seats assigned to portal users (licensing reads them as reservations: SeatReservationsPort). */
export interface SeatAssignmentsPort {
  /** The entitlement's assignments whose portal user is not disabled, oldest first. */
  ofEntitlement(entitlementId: string): Promise<SeatAssignmentRecord[]>;
  /** A portal user's assignments, on whichever of their customer's entitlements. */
  ofUser(portalUserId: string): Promise<SeatAssignmentRecord[]>;
  /** Refuses an assignment that exists with the store's conflict (`seat_assignment.portal_user`). */
  insert(a: Omit<SeatAssignmentRecord, 'name' | 'email'>): Promise<void>;
  /** False when there was none. */
  remove(entitlementId: string, portalUserId: string): Promise<boolean>;
}

/** The account's portal branding (one row, or none: the defaults). */
export interface PortalBrandingPort {
  get(): Promise<PortalBrandingRecord | undefined>;
  /** Refuses a domain another account has with the store's conflict (`portal_branding.domain`). */
  put(b: PortalBrandingRecord): Promise<void>;
}

/** Before an account is known: whose portal a host name is. */
export interface PortalDomainsPort {
  byDomain(domain: string): Promise<{ accountId: string; accountName: string; branding: PortalBrandingRecord } | undefined>;
}

/** One account's SSO connections, the identities they signed in, and the sign-ins under way. */
export interface PortalSsoPort {
  find(id: string): Promise<PortalSsoConnectionRecord | undefined>;
  /** Newest first; with `customerId`, the connections that land someone in that customer. */
  list(page: PageRequest, customerId?: string): Promise<Page<PortalSsoConnectionRecord>>;
  /** Refuses a domain another connection of the account has with the store's conflict (`portal_sso_connection.domain`). */
  insert(c: PortalSsoConnectionRecord): Promise<void>;
  update(c: PortalSsoConnectionRecord): Promise<void>;
  /** The connection, its domains and its identity links; a sign-in under way through it fails at its callback. */
  delete(id: string): Promise<void>;
  /** Marks a sign-in's state used: true for exactly one of any number of racing callbacks, false if used or expired by `now`. */
  useFlow(stateHash: string, now: number): Promise<boolean>;
  findIdentity(connectionId: string, subject: string): Promise<PortalSsoIdentityRecord | undefined>;
  /** Links (or links anew) a provider's subject to a portal user. */
  linkIdentity(identity: PortalSsoIdentityRecord): Promise<void>;
  /** The customer's portal user of this email that is not disabled, invited or joined. */
  findUserByEmail(customerId: string, email: string): Promise<PortalUserRecord | undefined>;
  /** An invited user's first SSO sign-in: joined now, their password (none) untouched. */
  markJoined(id: string, at: number): Promise<void>;
}

/** The SSO lookups before an account is known: the start and callback name a connection, the sign-in page a domain. */
export interface PortalSsoDirectoryPort {
  findConnection(id: string): Promise<PortalSsoConnectionRecord | undefined>;
  /** Every account's enabled connection allowing the domain, with the account's name. */
  byDomain(domain: string): Promise<Array<{ connection: PortalSsoConnectionRecord; accountName: string }>>;
  insertFlow(flow: PortalSsoFlowRecord): Promise<void>;
  /** A sign-in under way by the hash of its state, used or not (the write that uses it checks). */
  findFlow(stateHash: string): Promise<(PortalSsoFlowRecord & { usedAt: number | null }) | undefined>;
  deleteExpiredFlows(now: number): Promise<void>;
}

/** Its repositories, in the transaction every service is handed (`Tx`, platform/domain/ports.ts). */
declare module '../../platform/domain/ports.js' {
  interface Tx {
    readonly portalUsers: PortalUsersPort;
    readonly seatAssignments: SeatAssignmentsPort;
    readonly portalBranding: PortalBrandingPort;
    readonly portalSso: PortalSsoPort;
  }
}
