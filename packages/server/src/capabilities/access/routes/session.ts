import { FirstUserSetup, Session, SetupState, SignIn } from '@leasehold/contract';
import type { FastifyRequest } from 'fastify';
import { csrfTokenMatches, csrfTokenOf, signIn, signOut, SignInThrottle, startSession, type SignedIn } from '../sessions.js';
import { setupFirstUser } from '../staff-users.js';
import { DomainError } from '../../../platform/domain/errors.js';
import { answers, noContent, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { authenticateStaff, clearSessionCookie, CSRF_HEADER, readCookie, SESSION_COOKIE, setSessionCookie } from './staff-auth.js';
import { iso } from '../../../platform/http/wire.js';
import { staffUserOut } from './staff-users.js';

const tags = ['access'];
const cookie = [{ sessionCookie: [] }];

const sessionOut = ({ token, session, user }: Pick<SignedIn, 'token' | 'session' | 'user'>): Session => ({
  user: staffUserOut(user),
  accountId: session.accountId,
  csrfToken: csrfTokenOf(token),
  expiresAt: iso(session.expiresAt),
});

const userAgent = (req: FastifyRequest): string | null =>
  typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : null;

/** Console sign-in: first-user setup on an empty server, sign-in with email and password, sign-out. */
export function sessionRoutes(app: App, services: Services): void {
  const throttle = new SignInThrottle(services.clock);
  const deps = { staff: services.store.staff, clock: services.clock, throttle };

  app.get('/v1/session/setup', {
    config: { public: true },
    schema: {
      tags,
      operationId: 'getSetupState',
      description: 'True until the first console user is created; the console shows its setup page meanwhile.',
      summary: 'Whether the server still waits for its first staff user',
      response: answers(200, SetupState, []),
    },
    handler: async () => ({ needed: (await services.store.staff.userCount()) === 0 }),
  });

  app.post('/v1/session/setup', {
    config: { public: true },
    schema: {
      tags,
      operationId: 'setUpFirstUser',
      summary: 'Create the first staff user (an admin) on a server that has none, and sign in',
      description: 'Creates the first console user, an admin, and signs them in. Refused with INVALID_STATE once any user exists.',
      body: FirstUserSetup,
      response: answers(201, Session, ['INVALID_STATE']),
    },
    handler: async (req, reply) => {
      const user = await setupFirstUser(services, req.body, req.id);
      const signedIn = await startSession(deps, user, userAgent(req));
      setSessionCookie(req, reply, signedIn.token);
      return reply.code(201).send(sessionOut(signedIn));
    },
  });

  app.post('/v1/session', {
    config: { public: true },
    schema: {
      tags,
      operationId: 'signIn',
      summary: 'Sign in with email and password (and the account, if needed); sets the HttpOnly session cookie',
      description:
        'A staff email is unique within an account, so the same address may have a user in several accounts. ' +
        'With only email and password, the user whose password matches signs in; if it matches in several accounts the ' +
        'answer is 409 ACCOUNT_REQUIRED with `details.accounts` (id and name of just those accounts), and the client ' +
        'signs in again with `account`. A wrong password is 401 UNAUTHENTICATED whatever accounts have the email. ' +
        'Failed attempts are limited per email (whatever account is named) and per client address (429 TOO_MANY_REQUESTS).',
      body: SignIn,
      response: answers(201, Session, ['UNAUTHENTICATED', 'ACCOUNT_REQUIRED', 'TOO_MANY_REQUESTS']),
    },
    handler: async (req, reply) => {
      const signedIn = await signIn(deps, { ...req.body, address: req.ip, userAgent: userAgent(req) });
      setSessionCookie(req, reply, signedIn.token);
      return reply.code(201).send(sessionOut(signedIn));
    },
  });

  app.get('/v1/session', {
    config: { public: true },
    schema: {
      tags,
      security: cookie,
      operationId: 'getSession',
      summary: 'The signed-in staff user and the CSRF token for writes',
      description: 'The staff user of the session cookie and the CSRF token for writes; 401 without a live session.',
      response: answers(200, Session, ['UNAUTHENTICATED']),
    },
    handler: async (req) => {
      const staff = await authenticateStaff(services, req);
      if (!staff) throw new DomainError('UNAUTHENTICATED', 'Not signed in (no session, or it has expired).');
      return sessionOut(staff);
    },
  });

  app.delete('/v1/session', {
    config: { public: true },
    schema: {
      tags,
      security: cookie,
      operationId: 'signOut',
      description: 'Ends the session and clears the cookie; needs the CSRF token of the session.',
      summary: 'Sign out: ends the session and clears the cookie',
      response: noContent(['FORBIDDEN']),
    },
    handler: async (req, reply) => {
      const token = readCookie(req, SESSION_COOKIE);
      if (token) {
        const sent = req.headers[CSRF_HEADER];
        if (!csrfTokenMatches(token, typeof sent === 'string' ? sent : undefined)) {
          throw new DomainError('FORBIDDEN', `Sign-out must send the session's CSRF token in ${CSRF_HEADER}.`, { reason: 'csrf' });
        }
        await signOut(deps, token);
      }
      clearSessionCookie(req, reply);
      return reply.code(204).send();
    },
  });
}
