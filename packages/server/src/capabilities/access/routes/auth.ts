import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError } from '../../../platform/domain/errors.js';
import { refusalOf, type Grant, type Permission } from '../roles.js';
import type { ApiKeyRecord } from '../../../platform/domain/model.js';
import type { Context } from '../../../platform/domain/context.js';
import { hashApiKeyToken } from '../../../secrets/api-key-tokens.js';
import type { Services } from '../../../platform/http/services.js';
import type { Authenticator } from '../../../platform/capability.js';
import { authenticateStaff, type StaffPrincipal } from './staff-auth.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The permission a management route needs; every /v1 route outside /v1/client must name one. */
    permission?: Permission;
    /** A /v1 route open to everyone (console sign-in and first-user setup); it checks what it needs itself. */
    public?: boolean;
    /**
     * A route of another protocol's face that authenticates in its own way (NetLicensing's HTTP
     * Basic) but is authorized by the same table: its handler calls `authorize` with `permission`.
     */
    face?: 'netlicensing';
    /**
     * A /v1/portal route of the customer portal: `session` needs a portal session (its own cookie,
     * checked by the portal's authentication, never a key or a console session); `open` is its
     * sign-in, which checks what it needs itself.
     */
    portal?: 'session' | 'open';
  }
  interface FastifyInstance {
    /** Every route with what it needs, as registered: the authorization table the tests walk. */
    routeTable: RouteEntry[];
  }
  interface FastifyRequest {
    apiKey: ApiKeyRecord | null;
    /** Set instead of apiKey when a console user's session cookie authenticated the request. */
    staff: StaffPrincipal | null;
  }
}

export interface RouteEntry {
  method: string;
  url: string;
  permission: Permission | null;
  public: boolean;
  face: 'netlicensing' | null;
  portal: 'session' | 'open' | null;
}

/**
 * The one authorization decision, for every credential and every face: the role must grant the
 * permission, and a key limited to one product may use only permissions that reach no further than
 * a product (see PERMISSIONS). Throws FORBIDDEN naming what was missing.
 */
export function authorize(grant: Grant, permission: Permission, who: string): void {
  const refusal = refusalOf(grant, permission);
  if (refusal === 'role') {
    throw new DomainError('FORBIDDEN', `A ${grant.role} ${who} cannot do this (needs ${permission}).`, { role: grant.role, permission });
  }
  if (refusal === 'scope') {
    throw new DomainError('FORBIDDEN', `A key limited to one product cannot do this: ${permission} concerns the whole account.`, {
      role: grant.role,
      permission,
      productId: grant.productId,
    });
  }
}

/**
 * The route table, kept from the first route on (installed before anything registers one): every
 * /v1 route outside the client API, and every route of a face, must name its permission or say it
 * is public, or the app does not start.
 */
export function installRouteTable(app: FastifyInstance): void {
  const table: RouteEntry[] = [];
  app.decorate('routeTable', table);
  app.addHook('onRoute', (route) => {
    const config = route.config ?? {};
    const needsPermission = (route.url.startsWith('/v1/') && !route.url.startsWith('/v1/client/')) || config.face !== undefined;
    if (needsPermission && !config.permission && !config.public && !config.portal) {
      throw new Error(`route ${String(route.method)} ${route.url} declares no permission`);
    }
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      table.push({
        method,
        url: route.url,
        permission: config.permission ?? null,
        public: config.public === true,
        face: config.face ?? null,
        portal: config.portal ?? null,
      });
    }
  });
}

/**
 * Authentication and authorization for the management API, written once: a Bearer API key is
 * looked up by its hash (401 when missing or unknown), then the route's permission is checked
 * against the key's role (403). Product-limited keys get a store scoped to their product.
 */
export const managementAuth: Authenticator = {
  name: 'management',
  install: (scope, services) => installManagementAuth(scope, services),
};

/** The request properties management authentication fills, declared once for the whole app. */
export function decorateManagementAuth(app: FastifyInstance): void {
  app.decorateRequest('apiKey', null);
  app.decorateRequest('staff', null);
}

function installManagementAuth(app: FastifyInstance, services: Services): void {
  const authenticate = async (request: FastifyRequest, permission: Permission): Promise<void> => {
    const header = request.headers.authorization;
    // Without an Authorization header, a console session cookie may stand in for a key.
    const staff = header ? undefined : await authenticateStaff(services, request);
    if (staff) {
      request.staff = staff;
      authorize({ role: staff.user.role, productId: null }, permission, 'user');
      return;
    }
    const match = header && /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) {
      throw new DomainError('UNAUTHENTICATED', 'Send an API key as "Authorization: Bearer <key>".');
    }
    const key = await services.store.findApiKeyByHash(hashApiKeyToken(match[1]!));
    if (!key) throw new DomainError('UNAUTHENTICATED', 'The API key is not valid (unknown or revoked).');
    request.apiKey = key;
    services.apiKeyUsage.stamp(key, services.clock.now());
    authorize(key, permission, 'key');
  };

  // Routes without a permission (the client API, health) pass without a promise being made.
  app.addHook('onRequest', (request, _reply, done) => {
    const config = request.routeOptions.config;
    const permission = config?.permission;
    if (!permission || config.face) done();
    else authenticate(request, permission).then(() => done(), done);
  });
}

/** The domain context for a management request: its account (and product) scope, actor and id. */
export function contextOf(services: Services, request: FastifyRequest): Context {
  const key = request.apiKey;
  const user = request.staff?.user;
  if (!key && !user) throw new Error('contextOf called on an unauthenticated request');
  return {
    store: services.store.forAccount(
      key ? { accountId: key.accountId, productId: key.productId } : { accountId: user!.accountId, productId: null },
    ),
    clock: services.clock,
    ids: services.ids,
    secrets: services.secrets,
    actor: key ? { type: 'api_key', id: key.id } : { type: 'user', id: user!.id },
    requestId: request.id,
  };
}
