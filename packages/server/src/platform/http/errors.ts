import { ERROR_STATUS, MAX_TIMESTAMP, MIN_TIMESTAMP, type ErrorCode } from '@leasehold/contract';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, fromStore } from '../domain/errors.js';

/** What a client is told to wait before retrying while the database is unavailable (both APIs). */
export const RETRY_AFTER_SECONDS = 5;

export function sendError(reply: FastifyReply, code: ErrorCode, message: string, details?: Record<string, unknown>): FastifyReply {
  return reply
    .code(ERROR_STATUS[code])
    .type('application/json; charset=utf-8')
    .send({ error: { code, message, ...(details ? { details } : {}), requestId: reply.request.id } });
}

/**
 * Errors Fastify raises before routing (a bad percent escape, a path parameter over its length) get
 * the standard shape too, instead of Fastify's own body.
 */
export function frameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  request.log.info({ err: error }, 'bad url');
  reply.header('x-request-id', request.id);
  void sendError(reply, 'INVALID_REQUEST', 'The URL is not valid (a malformed percent escape or an overlong path segment).', {
    field: 'url',
    reason: error.code,
  });
}

interface AjvProblem {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

/** `/overrides/seats` → `overrides.seats`; a missing or unknown property names the property itself. */
function fieldOf(problem: AjvProblem, part: string | undefined): string {
  const base = (problem.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  const extra = (problem.params?.['missingProperty'] ?? problem.params?.['additionalProperty']) as string | undefined;
  const field = [base, extra].filter(Boolean).join('.');
  return field || (part ?? 'body');
}

/**
 * The one place that turns failures into responses: domain errors keep their code; Fastify's
 * validation and parsing errors become INVALID_REQUEST and friends; anything unexpected is a 500
 * with a generic message, the real error going to the log with the request id.
 */
export function installErrorHandling(app: FastifyInstance, isUnavailable: (e: unknown) => boolean): void {
  app.setErrorHandler((raised: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const error = fromStore(raised) ?? raised;
    if (error instanceof DomainError) {
      const wait = error.details?.['retryAfterSeconds'];
      if (error.code === 'TOO_MANY_REQUESTS' && typeof wait === 'number') reply.header('retry-after', String(wait));
      return sendError(reply, error.code, error.message, error.details);
    }
    if (error.validation) {
      const problem = error.validation[0] as AjvProblem;
      const field = fieldOf(problem, error.validationContext);
      if (error.validationContext === 'querystring' && problem.keyword === 'additionalProperties') {
        const known = Object.keys((request.routeOptions.schema?.querystring as { properties?: object } | undefined)?.properties ?? {});
        return sendError(
          reply,
          'INVALID_REQUEST',
          known.length
            ? `Unknown query parameter "${field}"; this endpoint takes ${known.join(', ')}.`
            : `Unknown query parameter "${field}"; this endpoint takes none.`,
          { field, in: 'querystring', rule: 'unknownParameter', known },
        );
      }
      const message =
        problem.keyword === 'format' && problem.params?.['format'] === 'date-time'
          ? `${field}: must be an RFC 3339 date-time between ${MIN_TIMESTAMP} and ${MAX_TIMESTAMP} (no leap seconds)`
          : `${field}: ${problem.message ?? 'is invalid'}`;
      return sendError(reply, 'INVALID_REQUEST', message, { field, in: error.validationContext, rule: problem.keyword, ...problem.params });
    }
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendError(reply, 'PAYLOAD_TOO_LARGE', 'The request body is larger than this server accepts.', {
          limitBytes: app.initialConfig.bodyLimit,
        });
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return sendError(reply, 'UNSUPPORTED_MEDIA_TYPE', 'Send JSON with Content-Type: application/json.', {
          contentType: request.headers['content-type'] ?? null,
        });
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return sendError(reply, 'INVALID_REQUEST', 'The body is empty but Content-Type says JSON.', { field: 'body', reason: 'empty' });
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return sendError(reply, 'INVALID_REQUEST', 'Content-Length does not match the body.', { field: 'body' });
    }
    if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
      return sendError(reply, 'INVALID_REQUEST', 'The body is not valid JSON.', { field: 'body', reason: 'malformed JSON' });
    }
    if (isUnavailable(error)) {
      // Expected during an outage and answered with 503; one line per request, not a stack trace.
      request.log.warn({ reason: error instanceof Error ? error.message : String(error) }, 'database unavailable');
      reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      return sendError(reply, 'SERVICE_UNAVAILABLE', 'The database is unavailable; retry shortly.');
    }
    if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      request.log.info({ err: error }, 'client error');
      return sendError(reply, 'INVALID_REQUEST', error.message, { field: 'request' });
    }
    request.log.error({ err: error }, 'unexpected error');
    return sendError(reply, 'INTERNAL', 'Something went wrong on our side; the request id identifies it in the server log.');
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const allowed = app.allowedMethods(path);
    if (allowed.length > 0 && !allowed.includes(request.method)) {
      reply.header('allow', allowed.join(', '));
      return sendError(reply, 'METHOD_NOT_ALLOWED', `${path} does not answer ${request.method}; it answers ${allowed.join(', ')}.`, {
        method: request.method,
        allowed,
      });
    }
    return sendError(reply, 'NOT_FOUND', `No route ${request.method} ${path}.`, { route: path });
  });
}
