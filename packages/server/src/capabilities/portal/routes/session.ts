import type { FastifyRequest } from 'fastify';
import {
  PortalInvitationAccept,
  PortalLinkRedeem,
  PortalLinkRequest,
  PortalLinkRequested,
  PortalSession,
  PortalSignIn,
} from '@leasehold/contract';
import { answers, noContent, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { DomainError } from '../../../platform/domain/errors.js';
import { SignInThrottle } from '../../access/sessions.js';
import { requireCustomer } from '../../customers/customers.js';
import { readCookie, requireCsrf } from '../../access/routes/staff-auth.js';
import {
  acceptInvitation,
  endPortalSession,
  portalContext,
  portalSignIn,
  redeemSignInLink,
  requestSignInLink,
  type PortalSignedIn,
} from '../sign-in.js';
import { authenticatePortal, clearPortalCookie, PORTAL_COOKIE, setPortalCookie, signInDeps } from './portal-auth.js';
import { linkDeps, portalSessionOut } from './wire.js';

const tags = ['portal'];
const security = [{ portalSession: [] }];

const userAgent = (req: FastifyRequest): string | null =>
  typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : null;

/** Portal sign-in: accept an invitation, password, an emailed link; the session; sign-out. */
export function portalSessionRoutes(app: App, services: Services): void {
  const deps = signInDeps(services);
  const throttle = new SignInThrottle(services.clock);
  // Asking for links is limited apart from failed passwords: every request counts, known address or not.
  const linkRequests = new SignInThrottle(services.clock, { perEmail: 5, perAddress: 20, windowMs: 15 * 60 * 1000 });

  const sessionOf = async (signedIn: PortalSignedIn) => {
    const ctx = portalContext(deps, signedIn.user, null);
    const customer = await ctx.store.read((tx) => requireCustomer(tx, signedIn.user.customerId));
    return portalSessionOut(signedIn, customer.name);
  };
  const signedInAnswer = async (req: FastifyRequest, reply: import('fastify').FastifyReply, signedIn: PortalSignedIn) => {
    setPortalCookie(req, reply, signedIn.token);
    return reply.code(201).send(await sessionOf(signedIn));
  };

  app.post('/v1/portal/invitations/accept', {
    config: { portal: 'open' },
    schema: {
      tags,
      operationId: 'acceptPortalInvitation',
      summary: 'Accept a portal invitation: set a password and sign in',
      description:
        'Uses the invitation link once (its token), sets the password and signs in (sets the HttpOnly portal cookie). ' +
        'A link used already, expired, replaced by a newer invitation, or of a disabled user is refused with 403 LINK_INVALID.',
      body: PortalInvitationAccept,
      response: answers(201, PortalSession, ['LINK_INVALID', 'TOO_MANY_REQUESTS']),
    },
    handler: async (req, reply) =>
      signedInAnswer(req, reply, await acceptInvitation(deps, { ...req.body, requestId: req.id, userAgent: userAgent(req) })),
  });

  app.post('/v1/portal/session', {
    config: { portal: 'open' },
    schema: {
      tags,
      operationId: 'portalSignIn',
      summary: 'Sign in to the portal with email and password; sets the HttpOnly portal cookie',
      description:
        'A wrong password, an unknown address and an invitation not yet accepted all answer the same 401 UNAUTHENTICATED. ' +
        'Failed attempts are limited per email and per client address (429). If the email and password open the portals of several vendors, ' +
        '409 ACCOUNT_REQUIRED lists them and the client signs in again with `account`.',
      body: PortalSignIn,
      response: answers(201, PortalSession, ['UNAUTHENTICATED', 'ACCOUNT_REQUIRED', 'TOO_MANY_REQUESTS']),
    },
    handler: async (req, reply) =>
      signedInAnswer(
        req,
        reply,
        await portalSignIn({ ...deps, throttle }, { ...req.body, address: req.ip, userAgent: userAgent(req), requestId: req.id }),
      ),
  });

  app.post('/v1/portal/sign-in-links', {
    config: { portal: 'open' },
    schema: {
      tags,
      operationId: 'requestPortalSignInLink',
      summary: 'Email a single-use sign-in link (passwordless sign-in)',
      description:
        'Answers 202 the same whether or not the address belongs to a portal user; if it does (and the user has joined), a link ' +
        'valid for LEASEHOLD_PORTAL_LINK_MINUTES is emailed. Needs LEASEHOLD_SMTP_URL; without it nothing is sent. Requests are limited per email and address (429).',
      body: PortalLinkRequest,
      response: answers(202, PortalLinkRequested, ['TOO_MANY_REQUESTS']),
    },
    handler: async (req, reply) => {
      const email = req.body.email.trim().toLowerCase();
      linkRequests.check(email, req.ip);
      linkRequests.fail(email, req.ip);
      // After the answer, so it takes as long whether or not the address is anyone's.
      const links = linkDeps(services, req);
      void requestSignInLink({ ...deps, ...links }, { email, requestId: req.id }).catch(links.onMailError);
      return reply.code(202).send({ accepted: true });
    },
  });

  app.post('/v1/portal/sign-in-links/redeem', {
    config: { portal: 'open' },
    schema: {
      tags,
      operationId: 'redeemPortalSignInLink',
      summary: 'Sign in with an emailed link (once); sets the HttpOnly portal cookie',
      description: 'Uses the sign-in link once and signs in. A link used already, expired or replaced is refused with 403 LINK_INVALID.',
      body: PortalLinkRedeem,
      response: answers(201, PortalSession, ['LINK_INVALID', 'TOO_MANY_REQUESTS']),
    },
    handler: async (req, reply) =>
      signedInAnswer(req, reply, await redeemSignInLink(deps, { token: req.body.token, requestId: req.id, userAgent: userAgent(req) })),
  });

  app.get('/v1/portal/session', {
    config: { portal: 'open' },
    schema: {
      tags,
      security,
      operationId: 'getPortalSession',
      summary: 'The signed-in portal user, their customer and the CSRF token for writes',
      description: 'The portal user of the portal cookie and the CSRF token for writes; 401 without a live portal session.',
      response: answers(200, PortalSession, ['UNAUTHENTICATED']),
    },
    handler: async (req) => {
      const principal = await authenticatePortal(services, req);
      if (!principal) throw new DomainError('UNAUTHENTICATED', 'Not signed in to the portal (no portal session, or it has expired).');
      return sessionOf(principal);
    },
  });

  app.delete('/v1/portal/session', {
    config: { portal: 'open' },
    schema: {
      tags,
      security,
      operationId: 'portalSignOut',
      summary: 'Sign out of the portal: ends the session and clears the cookie',
      description: 'Ends the portal session and clears the cookie; needs the CSRF token of the session.',
      response: noContent(['FORBIDDEN']),
    },
    handler: async (req, reply) => {
      const token = readCookie(req, PORTAL_COOKIE);
      if (token) {
        requireCsrf(req, token, 'portal session');
        await endPortalSession(deps, token);
      }
      clearPortalCookie(req, reply);
      return reply.code(204).send();
    },
  });
}
