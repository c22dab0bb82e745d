import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError } from '../domain/errors.js';
import { can, type Permission } from '../domain/access/roles.js';
import type { ApiKeyRecord } from '../domain/model.js';
import type { Context } from '../domain/context.js';
import { hashApiKeyToken } from '../secrets/api-key-tokens.js';
import type { Services } from './services.js';
import { authenticateStaff, type StaffPrincipal } from './staff-auth.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The permission a management route needs; every /v1 route outside /v1/client must name one. */
    permission?: Permission;
    /** A /v1 route open to everyone (console sign-in and first-user setup); it checks what it needs itself. */
    public?: boolean;
  }
  interface FastifyRequest {
    apiKey: ApiKeyRecord | null;
    /** Set instead of apiKey when a console user's session cookie authenticated the request. */
    staff: StaffPrincipal | null;
  }
}

/**
 * Authentication and authorization for the management API, written once: a Bearer API key is
 * looked up by its hash (401 when missing or unknown), then the route's permission is checked
 * against the key's role (403). Product-limited keys get a store scoped to their product.
 */
export function installManagementAuth(app: FastifyInstance, services: Services): void {
  app.decorateRequest('apiKey', null);
  app.decorateRequest('staff', null);

  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/v1/') && !route.url.startsWith('/v1/client/') && !route.config?.permission && !route.config?.public) {
      throw new Error(`route ${route.method} ${route.url} declares no permission`);
    }
  });

  const authenticate = async (request: FastifyRequest, permission: Permission): Promise<void> => {
    const header = request.headers.authorization;
    // Without an Authorization header, a console session cookie may stand in for a key.
    const staff = header ? undefined : await authenticateStaff(services, request);
    if (staff) {
      request.staff = staff;
      if (!can(staff.user.role, permission)) {
        throw new DomainError('FORBIDDEN', `A ${staff.user.role} user cannot do this (needs ${permission}).`, {
          role: staff.user.role,
          permission,
        });
      }
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
    if (!can(key.role, permission)) {
      throw new DomainError('FORBIDDEN', `A ${key.role} key cannot do this (needs ${permission}).`, { role: key.role, permission });
    }
  };

  // Routes without a permission (the client API, health) pass without a promise being made.
  app.addHook('onRequest', (request, _reply, done) => {
    const permission = request.routeOptions.config?.permission;
    if (!permission) done();
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
