import {
  IdParams,
  ListOf,
  PortalSsoConnection,
  PortalSsoConnectionCreate,
  PortalSsoConnectionQuery,
  PortalSsoConnectionUpdate,
} from '@leasehold/contract';
import { contextOf } from '../../access/routes/auth.js';
import { answers, noContent, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { pageOut } from '../../../platform/http/wire.js';
import { createSsoConnection, deleteSsoConnection, getSsoConnection, listSsoConnections, updateSsoConnection } from '../sso-connections.js';
import { issuerPolicy, portalBase, ssoConnectionOut } from './sso-wire.js';

const tags = ['portal'];

/** Staff's side of portal SSO: OpenID Connect connections of a customer or of the whole account. */
export function ssoVendorRoutes(app: App, services: Services): void {
  app.post('/v1/portal-sso-connections', {
    config: { permission: 'portal-sso:write' },
    schema: {
      tags,
      operationId: 'createPortalSsoConnection',
      summary: 'Set up an OpenID Connect provider for portal sign-in (of a customer, or of the account)',
      description:
        "With `customerId`, a customer's own connection: everyone it signs in lands in that customer, and `domains` are the email domains it allows. " +
        'Without, a connection of the account: each of `domains` names the customer its people land in. A domain belongs to one connection of the account (409 DUPLICATE_CODE). ' +
        'The client secret is stored sealed and never shown again. The issuer must be https on a public address (LEASEHOLD_PORTAL_SSO_ALLOW_HTTP relaxes this). ' +
        "Register the answer's `redirectUri` with the provider.",
      body: PortalSsoConnectionCreate,
      response: answers(201, PortalSsoConnection, ['NOT_FOUND', 'UNKNOWN_REFERENCE', 'DUPLICATE_CODE']),
    },
    handler: async (req, reply) =>
      reply
        .code(201)
        .send(ssoConnectionOut(await createSsoConnection(contextOf(services, req), req.body, issuerPolicy()), portalBase(services, req))),
  });

  app.get('/v1/portal-sso-connections', {
    config: { permission: 'portal-sso:read' },
    schema: {
      tags,
      operationId: 'listPortalSsoConnections',
      summary: "The account's portal SSO connections",
      description:
        "Newest first, a page at a time; with `customerId`, those that land someone in that customer (its own, and domains of the account's that name it).",
      querystring: PortalSsoConnectionQuery,
      response: answers(200, ListOf(PortalSsoConnection), ['NOT_FOUND']),
    },
    handler: async (req) => {
      const page = await listSsoConnections(
        contextOf(services, req),
        { limit: req.query.limit ?? 50, cursor: req.query.cursor },
        req.query.customerId,
      );
      const base = portalBase(services, req);
      return pageOut(page, (c) => ssoConnectionOut(c, base));
    },
  });

  app.get('/v1/portal-sso-connections/:id', {
    config: { permission: 'portal-sso:read' },
    schema: {
      tags,
      operationId: 'getPortalSsoConnection',
      summary: 'Read a portal SSO connection (never its secret)',
      description: 'The connection, its domains and the customers they land in, and the redirect URI to register at the provider.',
      params: IdParams,
      response: answers(200, PortalSsoConnection, ['NOT_FOUND']),
    },
    handler: async (req) => ssoConnectionOut(await getSsoConnection(contextOf(services, req), req.params.id), portalBase(services, req)),
  });

  app.patch('/v1/portal-sso-connections/:id', {
    config: { permission: 'portal-sso:write' },
    schema: {
      tags,
      operationId: 'updatePortalSsoConnection',
      summary: 'Change a portal SSO connection (name, issuer, client, secret, domains, provisioning, role, enabled)',
      description:
        "`domains` replaces the list. A customer's connection stays that customer's. A new `clientSecret` is sealed like the first. Disabling stops new sign-ins through it; sessions already made stay.",
      params: IdParams,
      body: PortalSsoConnectionUpdate,
      response: answers(200, PortalSsoConnection, ['NOT_FOUND', 'UNKNOWN_REFERENCE', 'DUPLICATE_CODE']),
    },
    handler: async (req) =>
      ssoConnectionOut(
        await updateSsoConnection(contextOf(services, req), req.params.id, req.body, issuerPolicy()),
        portalBase(services, req),
      ),
  });

  app.delete('/v1/portal-sso-connections/:id', {
    config: { permission: 'portal-sso:write' },
    schema: {
      tags,
      operationId: 'deletePortalSsoConnection',
      summary: 'Delete a portal SSO connection',
      description: 'Nobody signs in through it any more; the portal users it signed in or provisioned stay, as do their sessions.',
      params: IdParams,
      response: noContent(['NOT_FOUND']),
    },
    handler: async (req, reply) => {
      await deleteSsoConnection(contextOf(services, req), req.params.id);
      return reply.code(204).send();
    },
  });
}
