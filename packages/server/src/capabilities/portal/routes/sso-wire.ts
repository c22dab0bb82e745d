import type { FastifyRequest } from 'fastify';
import type { PortalSsoConnection } from '@leasehold/contract';
import { iso } from '../../../platform/http/wire.js';
import type { Services } from '../../../platform/http/services.js';
import { resolveHost } from '../../webhooks/sender.js';
import { openidClient, type OidcPort } from '../oidc.js';
import { PortalSsoDirectory } from '../store/sso.js';
import type { SsoDeps } from '../sso.js';
import type { IssuerPolicy } from '../sso-connections.js';
import type { PortalSsoConnectionRecord } from '../records.js';
import { portalSsoSettings } from '../sso-settings.js';
import { mailOf } from './wire.js';
import { signInDeps } from './portal-auth.js';

/**
 * Where the portal's links start: LEASEHOLD_PUBLIC_URL, or the origin the request came to. The
 * provider sends its answer only to a redirect URI registered with it, so a forged Host header
 * gains nothing here.
 */
export const portalBase = (services: Services, request: FastifyRequest): string =>
  mailOf(services).settings.publicUrl ?? `${request.protocol}://${request.host}`;

/** A URL under the base, normalised as the OIDC library writes it (`http://host:80/…` is `http://host/…`): a redirect URI must match exactly. */
export const under = (base: string, path: string): string => new URL(`${base.replace(/\/+$/, '')}${path}`).href;

export const ssoStartPath = (id: string) => `/v1/portal/sso/${id}/start`;
export const ssoCallbackPath = (id: string) => `/v1/portal/sso/${id}/callback`;

export const ssoConnectionOut = (c: PortalSsoConnectionRecord, base: string): PortalSsoConnection => ({
  id: c.id,
  name: c.name,
  issuer: c.issuer,
  clientId: c.clientId,
  customerId: c.customerId,
  domains: c.domains,
  provisioning: c.provisioning,
  defaultRole: c.defaultRole,
  enabled: c.enabled,
  redirectUri: under(base, ssoCallbackPath(c.id)),
  startUrl: under(base, ssoStartPath(c.id)),
  createdAt: iso(c.createdAt),
  updatedAt: iso(c.updatedAt),
});

export const issuerPolicy = (): IssuerPolicy => ({ allowHttp: portalSsoSettings().allowHttp, resolve: resolveHost });

/** One OIDC client per Services (its discovery cache), made at first use. */
const clients = new WeakMap<Services, OidcPort>();

export function ssoDeps(services: Services): SsoDeps {
  let oidc = clients.get(services);
  if (!oidc) {
    oidc = openidClient({ allowHttp: portalSsoSettings().allowHttp });
    clients.set(services, oidc);
  }
  return { ...signInDeps(services), sso: new PortalSsoDirectory(services.store.database), oidc };
}
