import { ApiKey, ApiKeyCreate, ApiKeyCreated, ListOf, ListQuery } from '@leasehold/contract';
import { Type } from 'typebox';
import { createApiKey, listApiKeys, revokeApiKey } from '../api-keys.js';
import { contextOf } from './auth.js';
import { answers, noContent, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { apiKeyOut, pageOut } from '../../../platform/http/wire.js';

const tags = ['access'];

export function apiKeyRoutes(app: App, services: Services): void {
  app.get('/v1/api-keys', {
    config: { permission: 'keys:manage' },
    schema: {
      tags,
      operationId: 'listApiKeys',
      summary: 'List live API keys (never their secrets)',
      description: 'Live API keys with role, product limit and last use; the secrets were shown once, at creation.',
      querystring: ListQuery,
      response: answers(200, ListOf(ApiKey), []),
    },
    handler: async (req) => {
      return pageOut(await listApiKeys(contextOf(services, req), { limit: req.query.limit ?? 50, cursor: req.query.cursor }), apiKeyOut);
    },
  });

  app.post('/v1/api-keys', {
    config: { permission: 'keys:manage' },
    schema: {
      tags,
      operationId: 'createApiKey',
      summary: 'Create an API key; its secret is in this response only',
      description:
        'A key carries a role and may be limited to one product. Its secret is in this response only: the server keeps just a hash.',
      body: ApiKeyCreate,
      response: answers(201, ApiKeyCreated, ['UNKNOWN_REFERENCE']),
    },
    handler: async (req, reply) => {
      const { record, token } = await createApiKey(contextOf(services, req), req.body);
      return reply.code(201).send({ ...apiKeyOut(record), key: token });
    },
  });

  app.delete('/v1/api-keys/:id', {
    config: { permission: 'keys:manage' },
    schema: {
      tags,
      operationId: 'revokeApiKey',
      summary: 'Revoke an API key at once',
      description: "The key stops working at once; the account's last admin key cannot be revoked (409 LAST_ADMIN_KEY).",
      params: Type.Object({ id: Type.String({ maxLength: 200 }) }),
      response: noContent(['NOT_FOUND', 'LAST_ADMIN_KEY']),
    },
    handler: async (req, reply) => {
      await revokeApiKey(contextOf(services, req), req.params.id);
      return reply.code(204).send();
    },
  });
}
