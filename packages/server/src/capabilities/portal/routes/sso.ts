import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { IdParams, PortalSsoCallbackQuery, PortalSsoChoices, PortalSsoLookupQuery, PortalSsoStartQuery } from '@leasehold/contract';
import { answers, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { DomainError } from '../../../platform/domain/errors.js';
import { readCookie, setCookie } from '../../access/routes/staff-auth.js';
import { finishSso, SSO_FLOW_TTL_MS, ssoChoices, startSso } from '../sso.js';
import { setPortalCookie } from './portal-auth.js';
import { portalBase, ssoCallbackPath, ssoDeps, ssoStartPath, under } from './sso-wire.js';

const tags = ['portal'];

/** The cookie that binds a sign-in under way to the browser that started it, sent only to the SSO routes. */
export const SSO_BROWSER_COOKIE = 'leasehold_portal_sso';
const SSO_COOKIE_PATH = '/v1/portal/sso';

const SeeOther = Type.Null({
  description: 'See Other: to the provider (start), to the portal signed in (callback), or to its sign-in page with `#sso_error=CODE`',
});

const userAgent = (req: FastifyRequest): string | null =>
  typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : null;

/**
 * The start and the callback are browser navigations, not API calls: a refusal is a redirect to the
 * portal's sign-in page with its stable code in the fragment (`/portal/sign-in#sso_error=SSO_…`),
 * which the web app shows; only a malformed request or a fault answers JSON.
 */
async function orSignInPage(reply: FastifyReply, run: () => Promise<FastifyReply>): Promise<FastifyReply> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    reply.log.info({ code: error.code, details: error.details }, 'portal SSO sign-in refused');
    return reply.header('cache-control', 'no-store').redirect(`/portal/sign-in#sso_error=${error.code}`, 303);
  }
}

/** Sign-in through an OpenID Connect provider: which connections an address may use, the start, and the provider's callback. */
export function portalSsoRoutes(app: App, services: Services): void {
  const deps = ssoDeps(services);

  app.get('/v1/portal/sso/connections', {
    config: { portal: 'open' },
    schema: {
      tags,
      operationId: 'findPortalSsoConnections',
      summary: 'The SSO connections an email domain may sign in with (for "Sign in with …")',
      description:
        'The enabled connections of every vendor on this server that allow the domain, with the vendor name and the start URL. ' +
        'It takes the domain, not the address, so no address reaches the server before the person signs in; an unknown domain answers an empty list.',
      querystring: PortalSsoLookupQuery,
      response: answers(200, PortalSsoChoices, ['TOO_MANY_REQUESTS']),
    },
    handler: async (req) => {
      const found = await ssoChoices(deps, req.query.domain);
      const base = portalBase(services, req);
      return {
        connections: found.map(({ connection, accountName }) => ({
          id: connection.id,
          name: connection.name,
          vendor: accountName,
          startUrl: under(base, ssoStartPath(connection.id)),
        })),
      };
    },
  });

  app.get('/v1/portal/sso/:id/start', {
    config: { portal: 'open' },
    schema: {
      tags,
      operationId: 'startPortalSso',
      summary: 'Start signing in with an SSO connection: 303 to the provider',
      description:
        'Keeps a sign-in under way (state, nonce and PKCE verifier; ten minutes), sets a cookie binding it to this browser, and answers `303 See Other` ' +
        "to the provider's authorization endpoint (found by discovery from the issuer). An unknown or disabled connection, or a provider that cannot be reached, " +
        'is a 303 to `/portal/sign-in#sso_error=NOT_FOUND` (or `SSO_UNAVAILABLE`).',
      params: IdParams,
      querystring: PortalSsoStartQuery,
      response: answers(303, SeeOther, ['TOO_MANY_REQUESTS']),
    },
    handler: async (req, reply) =>
      orSignInPage(reply, async () => {
        const { url, browser } = await startSso(deps, {
          connectionId: req.params.id,
          redirectUri: under(portalBase(services, req), ssoCallbackPath(req.params.id)),
          loginHint: req.query.login_hint?.trim() || null,
        });
        setCookie(req, reply, { name: SSO_BROWSER_COOKIE, value: browser, path: SSO_COOKIE_PATH, maxAgeSeconds: SSO_FLOW_TTL_MS / 1000 });
        return reply.header('cache-control', 'no-store').redirect(url, 303);
      }),
  });

  app.get('/v1/portal/sso/:id/callback', {
    config: { portal: 'open' },
    schema: {
      tags,
      operationId: 'finishPortalSso',
      summary: "The provider's callback: signs in to the portal (the HttpOnly portal cookie) and 303 to /portal/",
      description:
        'Register `…/v1/portal/sso/{id}/callback` as the redirect URI at the provider. The state must be one this browser started, unused and under ten minutes old; ' +
        'the code is exchanged with the PKCE verifier and the ID token validated (signature, issuer, audience, expiry, nonce). The email must be verified and of an allowed domain; ' +
        'the person is the portal user their subject was linked to, or the invited user of that address, or (with provisioning) a new one. ' +
        'Refusals are a 303 to `/portal/sign-in#sso_error=CODE`: SSO_STATE_INVALID, SSO_REJECTED, SSO_EMAIL_UNVERIFIED, SSO_DOMAIN_NOT_ALLOWED, SSO_USER_DISABLED, SSO_USER_UNKNOWN, SSO_UNAVAILABLE.',
      params: IdParams,
      querystring: PortalSsoCallbackQuery,
      response: answers(303, SeeOther, ['TOO_MANY_REQUESTS']),
    },
    handler: async (req, reply) =>
      orSignInPage(reply, async () => {
        // The cookie is spent whatever happens: a sign-in under way is tried once.
        setCookie(req, reply, { name: SSO_BROWSER_COOKIE, value: '', path: SSO_COOKIE_PATH, maxAgeSeconds: 0 });
        const callbackUrl = new URL(under(portalBase(services, req), ssoCallbackPath(req.params.id)));
        for (const [k, v] of Object.entries(req.query)) if (typeof v === 'string') callbackUrl.searchParams.set(k, v);
        const signedIn = await finishSso(deps, {
          connectionId: req.params.id,
          query: req.query,
          browser: readCookie(req, SSO_BROWSER_COOKIE) ?? null,
          callbackUrl,
          userAgent: userAgent(req),
          requestId: req.id,
        });
        setPortalCookie(req, reply, signedIn.token);
        return reply.header('cache-control', 'no-store').redirect('/portal/', 303);
      }),
  });
}
