import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError } from '../domain/errors.js';
import type { Services } from './services.js';

const KEEP_MS = 24 * 60 * 60 * 1000;
const WRITES = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);
const FINGERPRINT_PURPOSE = 'idempotency-fingerprint';
const RESPONSE_PURPOSE = 'idempotent-response';

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: { key: string; accountId: string; principal: string } | null;
  }
}

/**
 * What the request was, to tell a true repeat from a reused key. Keyed (HMAC under the master key), not
 * a bare SHA-256: bodies carry passwords (a new console user), and an unkeyed fast hash of a body
 * whose other fields are known would let anyone holding the database guess the password quickly.
 */
function fingerprintOf(services: Services, request: FastifyRequest): string {
  return services.secrets.lookupHash(FINGERPRINT_PURPOSE, requestText(request));
}

const requestText = (request: FastifyRequest) => `${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`;

/**
 * Kept answers are sealed under the master key: some carry a secret shown only once (a new API key)
 * or kept only encrypted (a license key).
 */
const sealResponse = (services: Services, body: string) => services.secrets.encrypt(RESPONSE_PURPOSE, body);
const openResponse = (services: Services, stored: string) => services.secrets.decrypt(RESPONSE_PURPOSE, stored);

/**
 * Whose record a key names: the credential itself, not its account. A replay hands over the first
 * answer (a new key's secret, a license key), so it may only go back to the caller who made the
 * request; that caller passed the route's authorization again on this very request (the auth hook
 * runs before this one), so a revoked key or a user whose role was lowered gets no replay either.
 */
function principalOf(request: FastifyRequest): { accountId: string; principal: string } | null {
  if (request.apiKey) return { accountId: request.apiKey.accountId, principal: `api_key:${request.apiKey.id}` };
  if (request.staff) return { accountId: request.staff.user.accountId, principal: `user:${request.staff.user.id}` };
  return null;
}

const inProgress = () =>
  new DomainError('IDEMPOTENCY_IN_PROGRESS', 'A request with this Idempotency-Key is still running; retry shortly.', {
    field: 'Idempotency-Key',
  });

/**
 * `Idempotency-Key` on writes: the first request with a key runs and its response is kept for a day;
 * a repeat with the same key and body gets that response again (header `idempotent-replayed: true`),
 * a repeat with another body is refused, and one that arrives while the first still runs gets 409.
 */
export function installIdempotency(app: FastifyInstance, services: Services): void {
  app.decorateRequest('idempotency', null);

  app.addHook('preHandler', async (request, reply) => {
    const key = request.headers['idempotency-key'];
    const caller = principalOf(request);
    if (typeof key !== 'string' || !WRITES.has(request.method) || !caller) return;
    if (key.length < 1 || key.length > 255) {
      throw new DomainError('INVALID_REQUEST', 'Idempotency-Key must be 1 to 255 characters.', { field: 'Idempotency-Key' });
    }
    const { accountId, principal } = caller;
    const store = services.store.forAccount({ accountId, productId: null });
    const fingerprint = fingerprintOf(services, request);
    const now = services.clock.now();
    const replay = await store.write(async (tx) => {
      const existing = await tx.idempotency.find(principal, key);
      if (existing && existing.createdAt < now - KEEP_MS) await tx.idempotency.release(principal, key);
      else if (existing) return existing;
      // Losing the race to claim means a twin request is running right now: it must not run twice.
      if (!(await tx.idempotency.claim(principal, key, fingerprint, now))) throw inProgress();
      return null;
    });
    if (!replay) {
      request.idempotency = { key, accountId, principal };
      return;
    }
    if (replay.fingerprint !== fingerprint) {
      throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for a different request.', {
        field: 'Idempotency-Key',
      });
    }
    if (replay.statusCode === null || replay.response === null) throw inProgress();
    reply.header('idempotent-replayed', 'true');
    reply.code(replay.statusCode).type('application/json; charset=utf-8');
    return reply.serializer((payload: unknown) => payload as string).send(openResponse(services, replay.response));
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const claim = request.idempotency;
    if (!claim) return payload;
    request.idempotency = null;
    const store = services.store.forAccount({ accountId: claim.accountId, productId: null });
    if (reply.statusCode >= 500) {
      // A failure on our side is not a result: let the client retry with the same key.
      await store.write((tx) => tx.idempotency.release(claim.principal, claim.key));
    } else {
      const body = typeof payload === 'string' ? payload : payload === null || payload === undefined ? '' : String(payload);
      await store.write((tx) => tx.idempotency.complete(claim.principal, claim.key, reply.statusCode, sealResponse(services, body)));
    }
    return payload;
  });
}
