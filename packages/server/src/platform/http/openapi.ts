import type { SwaggerOptions } from '@fastify/swagger';
import { ERROR_CODES } from '@leasehold/contract';
import { OPTIONAL_BODY } from './route-kit.js';

type Tag = { name: string; description?: string };

/**
 * What /openapi.json says beyond the routes: the API, where it is served (the public URL when the
 * operator sets one, else relative to the document), the credentials it takes and its tags.
 */
export function openapiOptions(options: { publicUrl?: string; tags: Tag[] }): SwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Leasehold API',
        version: '0.1.0',
        description:
          'Software licensing and dynamic entitlements. Errors are `{"error": {code, message, details, requestId}}`; ' +
          `codes: ${ERROR_CODES.join(', ')}. A known path asked with a method it does not serve answers ` +
          '405 METHOD_NOT_ALLOWED with an `Allow` header; an unknown path answers 404 NOT_FOUND.',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      servers: [{ url: options.publicUrl ?? '/', description: options.publicUrl ? 'This server' : 'The server serving this document' }],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key: `Authorization: Bearer lh_…`' },
          licenseKey: {
            type: 'http',
            scheme: 'License',
            description: 'The license key, for the client API: `Authorization: License XXXXX-XXXXX-…`',
          },
          sessionCookie: {
            type: 'apiKey',
            in: 'cookie',
            name: 'leasehold_session',
            description: 'A console session (writes also send its CSRF token in `x-csrf-token`)',
          },
          portalSession: {
            type: 'apiKey',
            in: 'cookie',
            name: 'leasehold_portal',
            description: 'A customer portal session (/v1/portal only; writes also send its CSRF token in `x-csrf-token`)',
          },
        },
      },
      tags: options.tags,
    },
    transformObject: (document) => completeDocument((document as { openapiObject: OpenApiDocument }).openapiObject),
  };
}

interface Media {
  schema?: unknown;
}
interface Operation {
  requestBody?: { required?: boolean; content?: Record<string, Media> };
  responses?: Record<string, { content?: Record<string, Media> }>;
  [extension: string]: unknown;
}
interface OpenApiDocument {
  paths?: Record<string, Record<string, Operation>>;
}

const CSV = { type: 'string', description: 'CSV (RFC 4180) with a header row' };

/**
 * What @fastify/swagger cannot say from a route's schema: a body the route lets callers leave out
 * (it marks every body required), errors that stay JSON on a route whose answer is CSV (it gives
 * every status the route's `produces`), and CSV answers as text rather than the JSON schema.
 */
export function completeDocument<T extends OpenApiDocument>(document: T): T {
  for (const operations of Object.values(document.paths ?? {})) {
    for (const op of Object.values(operations)) {
      if (op[OPTIONAL_BODY]) {
        delete op[OPTIONAL_BODY];
        if (op.requestBody) op.requestBody.required = false;
      }
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        const content = response.content;
        if (!content) continue;
        if (/^[45]/.test(status)) {
          const media = content['application/json'] ?? Object.values(content)[0]!;
          response.content = { 'application/json': media };
        } else if (content['text/csv']) {
          content['text/csv'] = { schema: CSV };
        }
      }
    }
  }
  return document;
}
