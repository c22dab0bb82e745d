import { randomBytes } from 'node:crypto';
import type { Clock } from '../../foundation/clock.js';
import type { IdGenerator } from '../../foundation/ids.js';
import type { MasterKey } from '../../secrets/master-key.js';
import type { Context } from '../../platform/domain/context.js';
import type { Store, Tx } from '../../platform/domain/ports.js';
import { DomainError } from '../../platform/domain/errors.js';
import { hashPassword } from '../../secrets/passwords.js';
import { hashToken, passwordMatches, SESSION_TTL_MS, type SignInThrottle } from '../access/sessions.js';
import { normalizeEmail } from '../access/staff-users.js';
import { recordEvent } from '../events/record.js';
import type { PortalDirectoryPort } from './ports.js';
import type { PortalLinkPurpose, PortalSessionRecord, PortalUserRecord } from './records.js';
import { linkUrl, newLink } from './links.js';
import { ENGLISH } from './messages.js';
import type { LinkDeps } from './users.js';

/** What portal sign-in works with: the store, the directory of portal users, time and ids. */
export interface SignInDeps {
  store: Store;
  directory: PortalDirectoryPort;
  clock: Clock;
  ids: IdGenerator;
  secrets: MasterKey;
}

export interface PortalSignedIn {
  token: string;
  session: PortalSessionRecord;
  user: PortalUserRecord;
}

/** The domain context of a portal user's request: their account, and they as the actor. */
export function portalContext(deps: SignInDeps, user: { accountId: string; id: string }, requestId: string | null): Context {
  return {
    store: deps.store.forAccount({ accountId: user.accountId, productId: null }),
    clock: deps.clock,
    ids: deps.ids,
    secrets: deps.secrets,
    actor: { type: 'portal_user', id: user.id },
    requestId,
  };
}

const invalidLink = () =>
  new DomainError('LINK_INVALID', 'This link is not valid: it was used already, has expired, or was replaced by a newer one.', {
    resolve: 'Ask for a new link.',
  });

/**
 * Uses a single-use link inside one write with what it grants (`then`): the link is marked used by a
 * conditional update, so of two requests with the same token exactly one gets through, and a link
 * whose grant fails stays unused.
 */
async function redeem<T>(
  deps: SignInDeps,
  token: string,
  purpose: PortalLinkPurpose,
  requestId: string | null,
  then: (ctx: Context, user: PortalUserRecord, tx: Tx) => Promise<T>,
): Promise<{ user: PortalUserRecord; out: T }> {
  const tokenHash = hashToken(token);
  const link = await deps.directory.findLink(tokenHash);
  if (!link) throw invalidLink();
  const ctx = portalContext(deps, { accountId: link.accountId, id: link.portalUserId }, requestId);
  return ctx.store.write(async (tx) => {
    const user = await tx.portalUsers.find(link.portalUserId);
    if (!user || user.disabledAt !== null) throw invalidLink();
    if (!(await tx.portalUsers.useLink(tokenHash, purpose, deps.clock.now()))) throw invalidLink();
    return { user, out: await then(ctx, user, tx) };
  });
}

/** Accepts an invitation: the link is used up, the password set, and the user signed in. */
export async function acceptInvitation(
  deps: SignInDeps,
  input: { token: string; password: string; requestId: string | null; userAgent: string | null },
): Promise<PortalSignedIn> {
  const passwordHash = await hashPassword(input.password);
  const { user } = await redeem(deps, input.token, 'invitation', input.requestId, async (ctx, user, tx) => {
    const now = deps.clock.now();
    await tx.portalUsers.setPassword(user.id, passwordHash, now);
    await recordEvent(tx, ctx, {
      type: 'portal_user.joined',
      subjectType: 'portal_user',
      subjectId: user.id,
      customerId: user.customerId,
      before: { state: user.joinedAt === null ? 'invited' : 'active' },
      after: { state: 'active', password: 'set' },
    });
  });
  return startPortalSession(deps, { ...user, joinedAt: user.joinedAt ?? deps.clock.now() }, input.userAgent);
}

/**
 * Email and password to a session, as staff sign in (sessions.ts): checked against each user of
 * the email, or a decoy, with the same answer and about the same time whether the address is
 * anyone's. Invited users who have not set a password match nothing.
 */
export async function portalSignIn(
  deps: SignInDeps & { throttle: SignInThrottle },
  input: {
    email: string;
    password: string;
    account?: string | undefined;
    customer?: string | undefined;
    address: string;
    userAgent: string | null;
    requestId: string | null;
  },
): Promise<PortalSignedIn> {
  const email = normalizeEmail(input.email);
  const candidates = (await deps.directory.findByEmail(email)).filter(
    (c) =>
      (input.account === undefined || c.user.accountId === input.account) &&
      (input.customer === undefined || c.user.customerId === input.customer),
  );
  const matched = await passwordMatches(deps.throttle, { email, password: input.password, address: input.address }, candidates);
  if (matched.length > 1) {
    // Only someone who proved the password for each of them learns of these portals.
    throw new DomainError(
      'ACCOUNT_REQUIRED',
      'This email and password open several portals; choose one and send its account and customer.',
      {
        field: 'account',
        accounts: matched.map((m) => ({ id: m.user.accountId, name: m.accountName, customerId: m.user.customerId })),
      },
    );
  }
  deps.throttle.succeed(email);
  const user = matched[0]!.user;
  await signedInEvent(deps, user, 'password', input.requestId);
  return startPortalSession(deps, user, input.userAgent);
}

async function signedInEvent(
  deps: SignInDeps,
  user: PortalUserRecord,
  method: 'password' | 'link',
  requestId: string | null,
): Promise<void> {
  const ctx = portalContext(deps, user, requestId);
  await ctx.store.write((tx) =>
    recordEvent(tx, ctx, {
      type: 'portal_user.signed_in',
      subjectType: 'portal_user',
      subjectId: user.id,
      customerId: user.customerId,
      context: { method },
    }),
  );
}

/**
 * Passwordless sign-in, first step: when the address is a joined user's, a single-use link is
 * emailed. The route answers before this runs, the same whoever the address belongs to, so it
 * tells nobody whether the address is known; the caller limits how often it is asked.
 */
export async function requestSignInLink(deps: SignInDeps & LinkDeps, input: { email: string; requestId: string | null }): Promise<void> {
  if (!deps.mail) return;
  const email = normalizeEmail(input.email);
  const candidates = (await deps.directory.findByEmail(email)).filter((c) => c.user.joinedAt !== null);
  for (const { user, accountName } of candidates) {
    const ctx = portalContext(deps, user, input.requestId);
    const { token, record } = newLink(user, 'sign_in', deps.clock.now(), deps.settings.signInLinkMs);
    await ctx.store.write((tx) => tx.portalUsers.issueLink(record));
    const url = linkUrl(deps.base, 'sign_in', token);
    void deps.mail
      .send({
        to: user.email,
        subject: ENGLISH.signInSubject(accountName),
        text: ENGLISH.signInText({ name: user.name, vendor: accountName, url, minutes: Math.round(deps.settings.signInLinkMs / 60_000) }),
      })
      .catch(deps.onMailError);
  }
}

/** Passwordless sign-in, second step: the emailed link, once, to a session. */
export async function redeemSignInLink(
  deps: SignInDeps,
  input: { token: string; requestId: string | null; userAgent: string | null },
): Promise<PortalSignedIn> {
  const { user } = await redeem(deps, input.token, 'sign_in', input.requestId, async (ctx, user, tx) => {
    if (user.joinedAt === null) throw invalidLink();
    await recordEvent(tx, ctx, {
      type: 'portal_user.signed_in',
      subjectType: 'portal_user',
      subjectId: user.id,
      customerId: user.customerId,
      context: { method: 'link' },
    });
  });
  return startPortalSession(deps, user, input.userAgent);
}

export async function startPortalSession(
  deps: Pick<SignInDeps, 'directory' | 'clock'>,
  user: PortalUserRecord,
  userAgent: string | null,
): Promise<PortalSignedIn> {
  const now = deps.clock.now();
  const token = randomBytes(32).toString('base64url');
  const session: PortalSessionRecord = {
    tokenHash: hashToken(token),
    accountId: user.accountId,
    portalUserId: user.id,
    createdAt: now,
    expiresAt: now + SESSION_TTL_MS,
  };
  await deps.directory.insertSession(session, userAgent?.slice(0, 300) ?? null);
  await deps.directory.stampSignIn(user.accountId, user.id, now);
  if (Math.random() < 0.05) await deps.directory.deleteExpired(now);
  return { token, session, user: { ...user, lastSignInAt: now } };
}

/** The live session and user behind a portal cookie's token, or undefined (expired, signed out, user disabled). */
export async function resolvePortalSession(
  deps: Pick<SignInDeps, 'directory' | 'clock'>,
  token: string,
): Promise<{ session: PortalSessionRecord; user: PortalUserRecord } | undefined> {
  const session = await deps.directory.findSession(hashToken(token), deps.clock.now());
  if (!session) return undefined;
  const user = await deps.directory.findUser(session.accountId, session.portalUserId);
  return user && user.joinedAt !== null ? { session, user } : undefined;
}

export function endPortalSession(deps: Pick<SignInDeps, 'directory'>, token: string): Promise<void> {
  return deps.directory.deleteSession(hashToken(token));
}
