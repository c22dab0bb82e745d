import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_STATUS } from '@leasehold/contract';
import { DomainError } from '../../../domain/errors.js';
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

export function sendNlError(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof DomainError) {
    const { id, status } = exceptionOf(error);
    if (status === 401 && !request.headers['x-requested-with']) reply.header('www-authenticate', 'Basic realm="NetLicensing"');
    return sendEnvelope(request, reply, status, { items: null, infos: [{ id, type: 'ERROR', value: error.message }] });
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
