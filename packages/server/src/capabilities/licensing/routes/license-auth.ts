import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError } from '../../../platform/domain/errors.js';
import type { ClientContext } from '../activations/license.js';
import { licenseKeyHash } from '../../entitlements/entitlements.js';
import { hasTypo } from '../../../secrets/license-keys.js';
import type { Services } from '../../../platform/http/services.js';
import type { Authenticator } from '../../../platform/capability.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Client routes: `required` answers 401 without a good license key; `optional` lets the handler decide. */
    license?: 'required' | 'optional';
  }
  interface FastifyRequest {
    license: { accountId: string; entitlementId: string } | null;
  }
}

const LICENSE_HEADER = /^License\s+(\S+)\s*$/i;

const hashes = new WeakMap<FastifyRequest, { key: string; hash: string }>();

/**
 * The keyed hash of a request's license key, worked out once per request: the rate limit (which
 * runs first) and the authentication both need it, and it is an HMAC.
 */
export function licenseKeyHashOf(services: Services, request: FastifyRequest, key: string): string {
  const known = hashes.get(request);
  if (known && known.key === key) return known.hash;
  const hash = licenseKeyHash(services, key);
  hashes.set(request, { key, hash });
  return hash;
}

/**
 * `Authorization: License <key>` for the client API: the key is normalised and looked up by its
 * keyed hash, so the database never sees it and a typo is told apart from an unknown key.
 */
export const licenseAuth: Authenticator = {
  name: 'license',
  install: (scope, services) => installLicenseAuth(scope, services),
};

/** The request property license authentication fills, declared once for the whole app. */
export function decorateLicenseAuth(app: FastifyInstance): void {
  app.decorateRequest('license', null);
}

function installLicenseAuth(app: FastifyInstance, services: Services): void {
  // Callback style: routes without a license, and keys found in memory, pass without a promise.
  app.addHook('onRequest', (request, _reply, done) => {
    const mode = request.routeOptions.config?.license;
    if (!mode) {
      done();
      return;
    }
    const header = request.headers.authorization;
    const match = header && LICENSE_HEADER.exec(header);
    if (match && services.licenses.usable()) {
      const known = services.licenses.owner(licenseKeyHashOf(services, request, match[1]!));
      if (known) {
        request.license = known;
        done();
        return;
      }
    }
    authenticate(request, mode).then(() => done(), done);
  });

  const authenticate = async (request: FastifyRequest, mode: 'required' | 'optional'): Promise<void> => {
    const header = request.headers.authorization;
    const match = header && LICENSE_HEADER.exec(header);
    if (!match) {
      if (mode === 'optional') return;
      throw new DomainError('UNAUTHENTICATED', 'Send the license key as "Authorization: License <key>".');
    }
    const key = match[1]!;
    const hash = licenseKeyHashOf(services, request, key);
    // Known keys are remembered (unknown ones are not: they would let anyone fill the memory).
    const cache = services.licenses;
    const usable = cache.usable();
    const gens = cache.ownerTicket();
    const found = await services.store.findEntitlementByKeyHash(hash);
    if (found) {
      request.license = { accountId: found.accountId, entitlementId: found.entitlement.id };
      if (usable) cache.rememberOwner(hash, request.license, gens);
      return;
    }
    // A key replaced by a re-keying migration keeps working until its grace date.
    const retired = await services.store.findRetiredKey(hash, services.clock.now());
    if (retired) {
      request.license = retired;
      return;
    }
    if (mode === 'optional') return;
    throw new DomainError(
      'LICENSE_KEY_INVALID',
      hasTypo(key) ? 'The license key has a typo (its check character does not match).' : 'No license has this key.',
      { typo: hasTypo(key) },
    );
  };
}

export function clientContextOf(services: Services, request: FastifyRequest): ClientContext {
  const license = request.license;
  if (!license) throw new Error('clientContextOf called without a license');
  return {
    store: services.store.forAccount({ accountId: license.accountId, productId: null }),
    clock: services.clock,
    ids: services.ids,
    secrets: services.secrets,
    keyring: services.keyring,
    actor: { type: 'license', id: license.entitlementId },
    requestId: request.id,
    entitlementId: license.entitlementId,
    stamps: (activation, at) => services.activity.stamp(license.accountId, activation, at),
    licenses: services.licenses,
  };
}
