import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Clock } from '../../foundation/clock.js';
import type { StaffDirectoryPort } from './ports.js';
import { secretsEqual } from '../../secrets/compare.js';
import { DECOY_HASH, verifyPassword } from '../../secrets/passwords.js';
import { DomainError } from '../../platform/domain/errors.js';
import { normalizeEmail, type StaffUserRecord } from './staff-users.js';

/** A console session. Only the SHA-256 of its random token is stored. */
import type { StaffSessionRecord } from '../../platform/domain/model.js';
export type { StaffSessionRecord };

export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

// Sessions are found by this hash through a unique index, never by comparing tokens: a timing can
// only tell about the hash of a guess. A 256-bit random token needs no slow hash. The portal's
// sessions and single-use links are stored and found the same way.
export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/**
 * The CSRF token of a session: an HMAC of the session token, so it needs no storage, changes with
 * every session, and cannot be made up by a page that cannot read the console's responses.
 */
export function csrfTokenOf(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('leasehold-csrf').digest('base64url');
}

export function csrfTokenMatches(sessionToken: string, sent: string | undefined): boolean {
  return !!sent && secretsEqual(csrfTokenOf(sessionToken), sent);
}

/**
 * Failed sign-ins, counted per email and per client address over a sliding window. Past the limit,
 * sign-in is refused (even with the right password) until the oldest failure leaves the window.
 * Kept in memory: each server process counts its own, which still bounds guessing to a few per minute.
 */
export class SignInThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly clock: Clock,
    private readonly limits = { perEmail: 5, perAddress: 20, windowMs: 15 * 60 * 1000 },
  ) {}

  private recent(key: string): number[] {
    const now = this.clock.now();
    const times = (this.failures.get(key) ?? []).filter((t) => t > now - this.limits.windowMs);
    if (times.length) this.failures.set(key, times);
    else this.failures.delete(key);
    return times;
  }

  /** Throws TOO_MANY_REQUESTS when either key is over its limit. */
  check(email: string, address: string): void {
    const byEmail = this.recent(`e:${email}`);
    const byAddress = this.recent(`a:${address}`);
    const over = byEmail.length >= this.limits.perEmail ? byEmail : byAddress.length >= this.limits.perAddress ? byAddress : null;
    if (over) {
      const retryAfterSeconds = Math.max(1, Math.ceil((over[0]! + this.limits.windowMs - this.clock.now()) / 1000));
      throw new DomainError('TOO_MANY_REQUESTS', 'Too many failed sign-ins; wait a while before trying again.', { retryAfterSeconds });
    }
  }

  fail(email: string, address: string): void {
    const now = this.clock.now();
    for (const key of [`e:${email}`, `a:${address}`]) this.failures.set(key, [...this.recent(key), now]);
    if (this.failures.size > 100_000) this.failures.clear(); // a flood of made-up emails must not exhaust memory
  }

  succeed(email: string): void {
    this.failures.delete(`e:${email}`);
  }
}

export interface SignedIn {
  token: string;
  session: StaffSessionRecord;
  user: StaffUserRecord;
}

/**
 * Email and password (and, when they open several accounts, the account) to a new session. Emails
 * are unique per account, so an email alone may name users in several accounts: the password is
 * checked against each of them (at once, so one user or a few take about as long), or against a
 * decoy when there is none, and exactly one match signs in. Every failure reads the same whether
 * the email exists in any account or not; only someone who proved the password for several users
 * learns of their accounts (409 ACCOUNT_REQUIRED), and the limit on failures counts per email
 * whatever account is named.
 */
export async function signIn(
  deps: { staff: StaffDirectoryPort; clock: Clock; throttle: SignInThrottle },
  input: { email: string; password: string; account?: string | undefined; address: string; userAgent: string | null },
): Promise<SignedIn> {
  const email = normalizeEmail(input.email);
  const candidates = (await deps.staff.findByEmail(email)).filter((c) => input.account === undefined || c.user.accountId === input.account);
  const matched = await passwordMatches(deps.throttle, { ...input, email }, candidates);
  if (matched.length > 1) {
    throw new DomainError('ACCOUNT_REQUIRED', 'This email and password open several accounts; choose one and send it as account.', {
      field: 'account',
      accounts: matched.map((m) => ({ id: m.user.accountId, name: m.accountName })),
    });
  }
  deps.throttle.succeed(email);
  return startSession(deps, matched[0]!.user, input.userAgent);
}

/**
 * The candidates (people of one email) whose password this is, checked at once against each of them
 * or against a decoy when there is none (or none has a password yet), so the answer takes as long
 * whether the email is anyone's or not. Throttled per email and client address; no match counts as
 * a failure and is refused with UNAUTHENTICATED, in the same words whatever the reason.
 */
export async function passwordMatches<T extends { passwordHash: string | null }>(
  throttle: SignInThrottle,
  input: { email: string; password: string; address: string },
  candidates: T[],
): Promise<T[]> {
  throttle.check(input.email, input.address);
  const withPassword = candidates.filter((c): c is T & { passwordHash: string } => c.passwordHash !== null);
  const hashes = withPassword.length > 0 ? withPassword.map((c) => c.passwordHash) : [DECOY_HASH];
  const verdicts = await Promise.all(hashes.map((hash) => verifyPassword(input.password, hash)));
  const matched = withPassword.filter((_, i) => verdicts[i]);
  if (matched.length === 0) {
    throttle.fail(input.email, input.address);
    throw new DomainError('UNAUTHENTICATED', 'The email or password is not right.');
  }
  return matched;
}

export async function startSession(
  deps: { staff: StaffDirectoryPort; clock: Clock },
  user: StaffUserRecord,
  userAgent: string | null,
): Promise<SignedIn> {
  const now = deps.clock.now();
  const token = randomBytes(32).toString('base64url');
  const session: StaffSessionRecord = {
    tokenHash: hashToken(token),
    accountId: user.accountId,
    userId: user.id,
    createdAt: now,
    expiresAt: now + SESSION_TTL_MS,
  };
  await deps.staff.insertSession(session, userAgent?.slice(0, 300) ?? null);
  await deps.staff.stampSignIn(user.accountId, user.id, now);
  if (Math.random() < 0.05) await deps.staff.deleteExpiredSessions(now);
  return { token, session, user: { ...user, lastSignInAt: now } };
}

/** The live session and user behind a cookie's token, or undefined (expired, signed out, user removed). */
export async function resolveSession(
  deps: { staff: StaffDirectoryPort; clock: Clock },
  token: string,
): Promise<{ session: StaffSessionRecord; user: StaffUserRecord } | undefined> {
  const session = await deps.staff.findSession(hashToken(token), deps.clock.now());
  if (!session) return undefined;
  const user = await deps.staff.findUser(session.accountId, session.userId);
  return user && { session, user };
}

export function signOut(deps: { staff: StaffDirectoryPort }, token: string): Promise<void> {
  return deps.staff.deleteSession(hashToken(token));
}
