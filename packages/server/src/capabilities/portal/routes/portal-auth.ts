import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../../platform/domain/errors.js';
import type { Authenticator } from '../../../platform/capability.js';
import type { Context } from '../../../platform/domain/context.js';
import type { Services } from '../../../platform/http/services.js';
import { SESSION_TTL_MS } from '../../access/sessions.js';
import { readCookie, requireCsrf, setCookie } from '../../access/routes/staff-auth.js';
import { PortalDirectory } from '../store/portal-users.js';
import type { PortalSessionRecord, PortalUserRecord } from '../records.js';
import { portalContext, resolvePortalSession, type SignInDeps } from '../sign-in.js';

/**
 * The portal's own cookie, sent only to /v1/portal: a portal session never travels with a request
 * to the management API, and the console's cookie (`leasehold_session`, or an API key) is never
 * read here.
 */
export const PORTAL_COOKIE = 'leasehold_portal';
const COOKIE_PATH = '/v1/portal';

export interface PortalPrincipal {
  user: PortalUserRecord;
  session: PortalSessionRecord;
  token: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when a portal session cookie authenticated a /v1/portal request. */
    portal: PortalPrincipal | null;
  }
}

export function setPortalCookie(request: FastifyRequest, reply: FastifyReply, token: string): void {
  setCookie(request, reply, { name: PORTAL_COOKIE, value: token, path: COOKIE_PATH, maxAgeSeconds: Math.floor(SESSION_TTL_MS / 1000) });
}

export function clearPortalCookie(request: FastifyRequest, reply: FastifyReply): void {
  setCookie(request, reply, { name: PORTAL_COOKIE, value: '', path: COOKIE_PATH, maxAgeSeconds: 0 });
}

/** What the portal's sign-in works with, from the process's services. */
export function signInDeps(services: Services): SignInDeps {
  return {
    store: services.store,
    directory: new PortalDirectory(services.store.database),
    clock: services.clock,
    ids: services.ids,
    secrets: services.secrets,
  };
}

/** The portal user behind the request's portal cookie, or undefined; writes must echo the session's CSRF token. */
export async function authenticatePortal(services: Services, request: FastifyRequest): Promise<PortalPrincipal | undefined> {
  const token = readCookie(request, PORTAL_COOKIE);
  if (!token) return undefined;
  const found = await resolvePortalSession(signInDeps(services), token);
  if (!found) return undefined;
  requireCsrf(request, token, 'portal session');
  return { ...found, token };
}

/**
 * Authentication of the portal's API, in its own child context: a route marked `portal: 'session'`
 * needs a live portal session (401 without), and nothing else stands in for one.
 */
export const portalAuth: Authenticator = {
  name: 'portal',
  install: (scope, services) => {
    scope.decorateRequest('portal', null);
    scope.addHook('onRequest', async (request) => {
      if (request.routeOptions.config?.portal !== 'session') return;
      const principal = await authenticatePortal(services, request);
      if (!principal) throw new DomainError('UNAUTHENTICATED', 'Sign in to the portal first (no portal session, or it has expired).');
      request.portal = principal;
    });
  },
};

/** The domain context of an authenticated portal request, and the customer it is confined to. */
export function portalOf(services: Services, request: FastifyRequest): { ctx: Context; customerId: string; user: PortalUserRecord } {
  const principal = request.portal;
  if (!principal) throw new Error('portalOf called on a request without a portal session');
  return {
    ctx: portalContext(signInDeps(services), principal.user, request.id),
    customerId: principal.user.customerId,
    user: principal.user,
  };
}

/** The portal admin's colleagues-only routes: a member is refused with 403. */
export function requirePortalAdmin(user: PortalUserRecord): void {
  if (user.role !== 'admin') {
    throw new DomainError('FORBIDDEN', "Only an admin of your organisation's portal may do this.", { role: user.role, needs: 'admin' });
  }
}
