import {
  IdParams,
  KeyGenerator,
  KeyGeneratorCreate,
  KeyGeneratorCreated,
  KeyGeneratorPatch,
  KeyGeneratorQuery,
  ListOf,
} from '@leasehold/contract';
import { contextOf } from '../../access/routes/auth.js';
import { answers, noContent, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { iso, pageOut } from '../../../platform/http/wire.js';
import { createKeyGenerator, deleteKeyGenerator, getKeyGenerator, listKeyGenerators, updateKeyGenerator } from '../generators.js';
import type { KeyGeneratorRecord } from '../ports.js';

const tags = ['key generators'];

const generatorOut = (g: KeyGeneratorRecord) => ({
  id: g.id,
  productId: g.productId,
  offeringId: g.offeringId,
  kind: g.kind,
  pattern: g.pattern,
  remote: g.remote,
  createdAt: iso(g.createdAt),
  updatedAt: iso(g.updatedAt),
});

/** How license keys are made, per product or offering. */
export function keyGeneratorRoutes(app: App, services: Services): void {
  app.post('/v1/key-generators', {
    config: { permission: 'catalog:write' },
    schema: {
      tags,
      operationId: 'createKeyGenerator',
      summary: 'Choose how license keys are made for a product or an offering',
      description:
        'One generator per product and per offering; an offering’s wins over its product’s. `random` (the built-in key), `pattern`, `signed` (a JWS the SDK verifies offline), `imported` (entitlements must bring their key) or `remote` (the vendor’s HTTPS endpoint, called with a Standard Webhooks signature; the answer carries the secret once).',
      body: KeyGeneratorCreate,
      response: answers(201, KeyGeneratorCreated, ['NOT_FOUND', 'PRODUCT_MISMATCH', 'IN_USE']),
    },
    handler: async (req, reply) => {
      const out = await createKeyGenerator(contextOf(services, req), req.body);
      return reply.code(201).send({ ...generatorOut(out.generator), secret: out.secret });
    },
  });

  app.get('/v1/key-generators', {
    config: { permission: 'catalog:read' },
    schema: {
      tags,
      operationId: 'listKeyGenerators',
      summary: 'Key generators, newest first',
      description: 'The key generators of the account (or of one product), a page at a time.',
      querystring: KeyGeneratorQuery,
      response: answers(200, ListOf(KeyGenerator), []),
    },
    handler: async (req) =>
      pageOut(
        await listKeyGenerators(contextOf(services, req), req.query.product, { limit: req.query.limit ?? 50, cursor: req.query.cursor }),
        generatorOut,
      ),
  });

  app.get('/v1/key-generators/:id', {
    config: { permission: 'catalog:read' },
    schema: {
      tags,
      operationId: 'getKeyGenerator',
      summary: 'A key generator',
      description: 'A key generator with its settings (never a remote generator’s secret).',
      params: IdParams,
      response: answers(200, KeyGenerator, ['NOT_FOUND']),
    },
    handler: async (req) => generatorOut(await getKeyGenerator(contextOf(services, req), req.params.id)),
  });

  app.patch('/v1/key-generators/:id', {
    config: { permission: 'catalog:write' },
    schema: {
      tags,
      operationId: 'updateKeyGenerator',
      summary: 'Change a generator’s pattern or remote settings',
      description: 'Keys made before keep working; new entitlements get keys of the new settings.',
      params: IdParams,
      body: KeyGeneratorPatch,
      response: answers(200, KeyGenerator, ['NOT_FOUND']),
    },
    handler: async (req) => generatorOut(await updateKeyGenerator(contextOf(services, req), req.params.id, req.body)),
  });

  app.delete('/v1/key-generators/:id', {
    config: { permission: 'catalog:write' },
    schema: {
      tags,
      operationId: 'deleteKeyGenerator',
      summary: 'Go back to random keys',
      description: 'New entitlements get the built-in random key; keys made before keep working.',
      params: IdParams,
      response: noContent(['NOT_FOUND']),
    },
    handler: async (req, reply) => {
      await deleteKeyGenerator(contextOf(services, req), req.params.id);
      return reply.code(204).send();
    },
  });
}
