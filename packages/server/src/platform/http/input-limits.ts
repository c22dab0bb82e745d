import type { FastifyInstance } from 'fastify';
import { DomainError } from '../domain/errors.js';

/** Deeper JSON than any request of this API needs; deeper bodies would overflow the stack in JSON.stringify. */
export const MAX_JSON_DEPTH = 64;

/** The nesting depth of a JSON text, found by one pass over its characters (strings skipped). */
export function jsonDepth(text: string, stopAbove = Infinity): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > deepest && (deepest = depth) > stopAbove) return deepest;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

/** Whether a parsed JSON value holds U+0000 in any string or key (depth is already bounded). */
function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(holdsNul);
  if (value && typeof value === 'object') return Object.entries(value).some(([k, v]) => k.includes('\u0000') || holdsNul(v));
  return false;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Keep the body's text as received in `request.rawBody` (for routes that verify a signature over it). */
    rawBody?: boolean;
  }
  interface FastifyRequest {
    rawBody?: string;
  }
}

const refuse = (message: string, details: Record<string, unknown>) => new DomainError('INVALID_REQUEST', message, details);

/**
 * Limits on input that hold for every route, checked once here: JSON bodies go through Fastify's own
 * parser (which refuses __proto__ and constructor.prototype) after a depth check, so a deeply nested
 * body is a 400 rather than a stack overflow further on; and no text may hold U+0000, which
 * PostgreSQL cannot store (SQLite can: refusing it everywhere keeps both stores alike). An empty body is
 * no body on a route whose body is optional.
 */
export function installInputLimits(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    // Signed webhooks are verified over the exact text received (capabilities/integrations).
    if (request.routeOptions.config.rawBody) request.rawBody = text;
    // Clients that always send Content-Type: application/json send a bare POST that way: on a route
    // whose body is optional (route-kit's optionalBody) an empty body is no body; elsewhere it is refused.
    if (text === '' && request.routeOptions.config.optionalBody) {
      done(null, undefined);
      return;
    }
    if (jsonDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
      done(
        refuse(`The body is nested more than ${MAX_JSON_DEPTH} levels deep.`, {
          field: 'body',
          reason: 'too deep',
          maxDepth: MAX_JSON_DEPTH,
        }),
        undefined,
      );
      return;
    }
    parse(request, text, (error, value) => {
      // Raw U+0000 cannot be in valid JSON text, only the escape; the walk runs only when it is there.
      if (!error && text.includes('\\u0000') && holdsNul(value))
        done(refuse('Text in the body may not contain U+0000.', { field: 'body', reason: 'NUL character' }), undefined);
      else done(error, value);
    });
  });

  app.addHook('onRequest', (request, _reply, done) => {
    if (request.url.includes('%00')) done(refuse('The URL may not contain U+0000 (%00).', { field: 'url', reason: 'NUL character' }));
    else done();
  });
}
