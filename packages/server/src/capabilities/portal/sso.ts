/**
 * Portal sign-in through an OpenID Connect provider: the start (a sign-in under way, bound to the
 * browser) and the callback (who the provider says this is, whether the connection admits them,
 * and which portal user they are, provisioned just in time if the connection says so). The session
 * it ends in is the one password sign-in makes (sign-in.ts).
 */
import { randomBytes } from 'node:crypto';
import type { Context } from '../../platform/domain/context.js';
import { DomainError, notFound } from '../../platform/domain/errors.js';
import { hashToken } from '../access/sessions.js';
import { normalizeEmail } from '../access/staff-users.js';
import { recordEvent } from '../events/record.js';
import type { OidcIdentity, OidcPort } from './oidc.js';
import type { PortalSsoDirectoryPort } from './ports.js';
import { portalContext, startPortalSession, type PortalSignedIn, type SignInDeps } from './sign-in.js';
import { SSO_SECRET_PURPOSE, type PortalSsoConnectionRecord, type PortalUserRecord } from './records.js';

export interface SsoDeps extends SignInDeps {
  sso: PortalSsoDirectoryPort;
  oidc: OidcPort;
}

/** How long a sign-in may stay at the provider between its start and the callback. */
export const SSO_FLOW_TTL_MS = 10 * 60_000;

const random = () => randomBytes(32).toString('base64url');

const stateInvalid = () =>
  new DomainError('SSO_STATE_INVALID', 'This sign-in is not one this browser started, was used already, or took too long.', {
    resolve: 'Start signing in again.',
  });

const clientOf = (deps: SignInDeps, c: PortalSsoConnectionRecord) => ({
  connectionId: c.id,
  version: c.updatedAt,
  issuer: c.issuer,
  clientId: c.clientId,
  clientSecret: deps.secrets.decrypt(SSO_SECRET_PURPOSE, c.clientSecretSealed),
});

/** The enabled connections that admit an email domain, for the sign-in page's "Sign in with …" buttons. */
export async function ssoChoices(deps: Pick<SsoDeps, 'sso'>, domain: string) {
  return deps.sso.byDomain(domain.trim().toLowerCase());
}

/**
 * Starts a sign-in: state, nonce and PKCE verifier are made here and kept (the verifier sealed)
 * under the hash of the state, bound to the hash of `browser`, a random value the route sets as a
 * cookie. Answers the provider's authorization URL.
 */
export async function startSso(
  deps: SsoDeps,
  input: { connectionId: string; redirectUri: string; loginHint: string | null },
): Promise<{ url: string; browser: string }> {
  const connection = await deps.sso.findConnection(input.connectionId);
  if (!connection || !connection.enabled) throw notFound('SSO connection', input.connectionId);
  const state = random();
  const nonce = random();
  const codeVerifier = random();
  const browser = random();
  const url = await deps.oidc.authorizationUrl(clientOf(deps, connection), {
    redirectUri: input.redirectUri,
    state,
    nonce,
    codeVerifier,
    loginHint: input.loginHint,
  });
  const now = deps.clock.now();
  await deps.sso.insertFlow({
    stateHash: hashToken(state),
    accountId: connection.accountId,
    connectionId: connection.id,
    browserHash: hashToken(browser),
    nonce,
    verifierSealed: deps.secrets.encrypt(SSO_SECRET_PURPOSE, codeVerifier),
    createdAt: now,
    expiresAt: now + SSO_FLOW_TTL_MS,
  });
  if (Math.random() < 0.05) await deps.sso.deleteExpiredFlows(now);
  return { url, browser };
}

/**
 * Who may sign in, from what the provider verified, in order: a verified email, of a domain the
 * connection allows; the customer that domain (or the connection) lands in.
 */
export function admission(connection: PortalSsoConnectionRecord, identity: OidcIdentity): { email: string; customerId: string } {
  if (!identity.email || !identity.emailVerified) {
    throw new DomainError('SSO_EMAIL_UNVERIFIED', 'The sign-in provider does not say this email address is verified.', {
      resolve: 'Verify the address with your sign-in provider, or ask for an invitation.',
    });
  }
  const email = normalizeEmail(identity.email);
  const domain = email.slice(email.lastIndexOf('@') + 1);
  const allowed = connection.domains.find((d) => d.domain === domain);
  if (!allowed) {
    throw new DomainError('SSO_DOMAIN_NOT_ALLOWED', `Addresses at ${domain} may not sign in through ${connection.name}.`, { domain });
  }
  return { email, customerId: connection.customerId ?? allowed.customerId };
}

/**
 * The provider's callback: the state is used once (a replayed callback stops here), the code is
 * exchanged (the library checks PKCE, nonce and the ID token), the person admitted, and they become
 * or are linked to a portal user of the customer; then a portal session, as password sign-in makes.
 */
export async function finishSso(
  deps: SsoDeps,
  input: {
    connectionId: string;
    query: { state?: string | undefined; code?: string | undefined; error?: string | undefined };
    browser: string | null;
    callbackUrl: URL;
    userAgent: string | null;
    requestId: string | null;
  },
): Promise<PortalSignedIn & { connectionId: string }> {
  const { state } = input.query;
  if (!state || !input.browser) throw stateInvalid();
  const stateHash = hashToken(state);
  const flow = await deps.sso.findFlow(stateHash);
  if (!flow || flow.connectionId !== input.connectionId || flow.browserHash !== hashToken(input.browser)) throw stateInvalid();
  const account = deps.store.forAccount({ accountId: flow.accountId, productId: null });
  // Used before the provider is asked: a failed exchange burns it too, and the person starts again.
  if (!(await account.write((tx) => tx.portalSso.useFlow(stateHash, deps.clock.now())))) throw stateInvalid();

  if (input.query.error) throw new DomainError('SSO_REJECTED', 'The sign-in provider refused the sign-in.', { reason: input.query.error });
  const connection = await account.read((tx) => tx.portalSso.find(flow.connectionId));
  if (!connection || !connection.enabled)
    throw new DomainError('SSO_REJECTED', 'This sign-in connection was disabled or removed.', { reason: 'connection' });
  const identity = await deps.oidc.exchange(clientOf(deps, connection), {
    callbackUrl: input.callbackUrl,
    state,
    nonce: flow.nonce,
    codeVerifier: deps.secrets.decrypt(SSO_SECRET_PURPOSE, flow.verifierSealed),
  });
  const admitted = admission(connection, identity);
  const user = await portalUserOf(deps, connection, identity, admitted, input.requestId);
  return { ...(await startPortalSession(deps, user, input.userAgent)), connectionId: connection.id };
}

/**
 * The portal user a verified identity is: the one its subject was linked to, else the customer's
 * invited or joined user of the address (linked now), else a new member if the connection
 * provisions. A disabled user is refused, whichever way they were found.
 */
async function portalUserOf(
  deps: SsoDeps,
  connection: PortalSsoConnectionRecord,
  identity: OidcIdentity,
  admitted: { email: string; customerId: string },
  requestId: string | null,
): Promise<PortalUserRecord> {
  const base = portalContext(deps, { accountId: connection.accountId, id: '' }, requestId);
  return base.store.write(async (tx) => {
    const now = deps.clock.now();
    const facts = { method: 'sso', connectionId: connection.id };
    const as = (user: PortalUserRecord): Context => ({ ...base, actor: { type: 'portal_user', id: user.id } });
    const linked = await tx.portalSso.findIdentity(connection.id, identity.subject);
    let user = linked && (await tx.portalUsers.find(linked.portalUserId));
    const wasDisabled = user !== undefined && user.disabledAt !== null;
    // A link into another customer (its domain now lands elsewhere) is followed no more.
    if (wasDisabled || (user && user.customerId !== admitted.customerId)) user = undefined;
    user ??= await tx.portalSso.findUserByEmail(admitted.customerId, admitted.email);
    // Disabling holds until staff (or a portal admin) invite the address anew.
    if (!user && wasDisabled) throw disabled();
    if (user) {
      if (user.joinedAt === null) {
        await tx.portalSso.markJoined(user.id, now);
        await recordEvent(tx, as(user), {
          type: 'portal_user.joined',
          subjectType: 'portal_user',
          subjectId: user.id,
          customerId: user.customerId,
          before: { state: 'invited' },
          after: { state: 'active' },
          context: facts,
        });
        user = { ...user, joinedAt: now };
      }
    } else {
      if (!connection.provisioning) {
        throw new DomainError('SSO_USER_UNKNOWN', 'Nobody of this address has been invited to this portal.', {
          resolve: "Ask an admin of your organisation's portal for an invitation.",
        });
      }
      user = {
        id: deps.ids.next('portalUser'),
        accountId: connection.accountId,
        customerId: admitted.customerId,
        email: admitted.email,
        name: (identity.name ?? admitted.email.slice(0, admitted.email.indexOf('@'))).slice(0, 200),
        role: connection.defaultRole,
        invitedAt: now,
        joinedAt: now,
        lastSignInAt: null,
        disabledAt: null,
        updatedAt: now,
      };
      await tx.portalUsers.insert(user);
      await recordEvent(tx, as(user), {
        type: 'portal_user.provisioned',
        subjectType: 'portal_user',
        subjectId: user.id,
        customerId: user.customerId,
        after: { id: user.id, customerId: user.customerId, email: user.email, name: user.name, role: user.role },
        context: facts,
      });
    }
    if (!linked || linked.portalUserId !== user.id) {
      await tx.portalSso.linkIdentity({ connectionId: connection.id, subject: identity.subject, portalUserId: user.id, createdAt: now });
    }
    await recordEvent(tx, as(user), {
      type: 'portal_user.signed_in',
      subjectType: 'portal_user',
      subjectId: user.id,
      customerId: user.customerId,
      context: facts,
    });
    return user;
  });
}

const disabled = () =>
  new DomainError('SSO_USER_DISABLED', 'This portal user is disabled and cannot sign in.', {
    resolve: "Ask an admin of your organisation's portal, or the vendor.",
  });
