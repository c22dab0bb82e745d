import type { FastifyRequest } from 'fastify';
import type { Permission } from '../../../capabilities/access/roles.js';
import { authorize } from '../../../capabilities/access/routes/auth.js';
import { DomainError } from '../../../platform/domain/errors.js';
import { hashApiKeyToken } from '../../../secrets/api-key-tokens.js';
import type { Services } from '../../../platform/http/services.js';

/**
 * HTTP Basic as NetLicensing clients send it. `apiKey:<key>` accepts any Leasehold API key (an
 * APIKEY token made through /token is one) with its role. A vendor user name and password would
 * sign in a staff user; until staff users exist on the server such credentials get a 401.
 */
export async function authenticateBasic(services: Services, request: FastifyRequest, permission: Permission): Promise<void> {
  const header = request.headers.authorization;
  const match = header && /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) throw new DomainError('UNAUTHENTICATED', 'Authentication required: send HTTP Basic credentials (apiKey:<key>).');
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = colon < 0 ? decoded : decoded.slice(0, colon);
  const secret = colon < 0 ? '' : decoded.slice(colon + 1);
  if (user !== 'apiKey') {
    throw new DomainError('UNAUTHENTICATED', 'Vendor user name and password sign-in is not available on this server; use apiKey:<key>.');
  }
  const key = secret ? await services.store.findApiKeyByHash(hashApiKeyToken(secret)) : undefined;
  if (!key) throw new DomainError('UNAUTHENTICATED', 'The API key is not valid (unknown or revoked).');
  request.apiKey = key;
  services.apiKeyUsage.stamp(key, services.clock.now());
  authorize(key, permission, 'key');
}
