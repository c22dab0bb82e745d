import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_STATUS } from '@leasehold/contract';
import { illegal } from '../entities.js';
import { DomainError, fromStore } from '../../../platform/domain/errors.js';
import { RETRY_AFTER_SECONDS } from '../../../platform/http/errors.js';
import { sendEnvelope } from './envelope.js';

/**
 * Failures as NetLicensing reports them: a 4xx status and an ERROR info whose id is the exception
 * name its clients know (NotFoundException, MalformedRequestException, …).
 */
function exceptionOf(error: DomainError): { id: string; status: number } {
  const named = error.details?.['netlicensing'];
  switch (error.code) {
    case 'NOT_FOUND':
      return { id: 'NotFoundException', status: 404 };
    case 'UNAUTHENTICATED':
      return { id: 'AuthenticationException', status: 401 };
    case 'FORBIDDEN':
      return { id: 'AccessDeniedException', status: 403 };
    case 'INVALID_REQUEST':
    case 'UNKNOWN_REFERENCE':
    case 'UNKNOWN_FEATURE':
    case 'INVALID_FEATURE_VALUE':
      return { id: typeof named === 'string' ? named : 'MalformedRequestException', status: 400 };
    default: {
      const status = ERROR_STATUS[error.code];
      return { id: typeof named === 'string' ? named : 'IllegalOperationException', status: status >= 500 ? status : 400 };
    }
  }
}

/**
 * The one error path of the NetLicensing face: every failure under /core/v2/rest — in a handler,
 * in authentication, in a hook, in the form parser, or no route at all — is answered here, in
 * NetLicensing's envelope. A database outage is a 503 with Retry-After (as on /v1), so clients
 * retry instead of reporting a server fault; only the truly unexpected is a 500.
 */
export function installNlErrorHandling(scope: FastifyInstance, isUnavailable: (e: unknown) => boolean): void {
  scope.setErrorHandler((error, request, reply) => sendNlError(request, reply, error, isUnavailable));
  scope.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const allowed = scope.allowedMethods(path);
    if (allowed.length > 0 && !allowed.includes(request.method)) {
      // A resource asked with a method it does not serve: 405 with Allow, in the face's envelope.
      reply.header('allow', allowed.join(', '));
      return sendEnvelope(request, reply, 405, {
        items: null,
        infos: [
          {
            id: 'MethodNotAllowedException',
            type: 'ERROR',
            value: `${path} does not answer ${request.method}; it answers ${allowed.join(', ')}`,
          },
        ],
      });
    }
    return sendNlError(
      request,
      reply,
      illegal(`No resource ${request.method} ${path}`, { netlicensing: 'NotFoundException' }),
      isUnavailable,
    );
  });
}

function sendNlError(request: FastifyRequest, reply: FastifyReply, raised: unknown, isUnavailable: (e: unknown) => boolean): FastifyReply {
  const error = fromStore(raised) ?? raised;
  if (error instanceof DomainError) {
    const { id, status } = exceptionOf(error);
    if (status === 401 && !request.headers['x-requested-with']) reply.header('www-authenticate', 'Basic realm="NetLicensing"');
    return sendEnvelope(request, reply, status, { items: null, infos: [{ id, type: 'ERROR', value: error.message }] });
  }
  if (isUnavailable(error)) {
    // Expected during an outage; one line per request, not a stack trace.
    request.log.warn({ reason: error instanceof Error ? error.message : String(error) }, 'database unavailable');
    reply.header('retry-after', String(RETRY_AFTER_SECONDS));
    return sendEnvelope(request, reply, 503, {
      items: null,
      infos: [{ id: 'ServiceException', type: 'ERROR', value: 'The database is unavailable; retry shortly.' }],
    });
  }
  const e = error as FastifyError;
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return sendEnvelope(request, reply, 400, {
      items: null,
      infos: [{ id: 'MalformedRequestException', type: 'ERROR', value: e.message }],
    });
  }
  request.log.error({ err: error }, 'unexpected error');
  return sendEnvelope(request, reply, 500, {
    items: null,
    infos: [{ id: 'ServiceException', type: 'ERROR', value: `Something went wrong on our side (request ${request.id}).` }],
  });
}
