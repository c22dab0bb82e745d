import { Feature, FeatureCreate, FeaturePatch, ListOf, ListQuery } from '@leasehold/contract';
import { Type } from 'typebox';
import { createFeature, deleteFeature, getFeature, listFeatures, updateFeature } from '../features.js';
import { contextOf } from '../../access/routes/auth.js';
import { answers, bearer, noContent, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { featureOut, pageOut } from '../../../platform/http/wire.js';

const tags = ['catalog'];
const ProductParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });
const FeatureParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 200 }),
  feature: Type.String({ minLength: 1, maxLength: 200 }),
});

export function featureRoutes(app: App, services: Services): void {
  app.get('/v1/products/:id/features', {
    config: { permission: 'catalog:read' },
    schema: {
      tags,
      security: bearer,
      summary: "List a product's features",
      params: ProductParams,
      querystring: ListQuery,
      response: answers(200, ListOf(Feature), ['NOT_FOUND']),
    },
    handler: async (req) =>
      pageOut(
        await listFeatures(contextOf(services, req), req.params.id, { limit: req.query.limit ?? 50, cursor: req.query.cursor }),
        featureOut,
      ),
  });

  app.post('/v1/products/:id/features', {
    config: { permission: 'catalog:write' },
    schema: {
      tags,
      security: bearer,
      summary: 'Add a feature to a product',
      params: ProductParams,
      body: FeatureCreate,
      response: answers(201, Feature, ['NOT_FOUND', 'DUPLICATE_CODE']),
    },
    handler: async (req, reply) => reply.code(201).send(featureOut(await createFeature(contextOf(services, req), req.params.id, req.body))),
  });

  app.get('/v1/products/:id/features/:feature', {
    config: { permission: 'catalog:read' },
    schema: {
      tags,
      security: bearer,
      summary: 'Read a feature (by id or code)',
      params: FeatureParams,
      response: answers(200, Feature, ['NOT_FOUND']),
    },
    handler: async (req) => featureOut(await getFeature(contextOf(services, req), req.params.id, req.params.feature)),
  });

  app.patch('/v1/products/:id/features/:feature', {
    config: { permission: 'catalog:write' },
    schema: {
      tags,
      security: bearer,
      summary: "Change a feature's name or unit",
      params: FeatureParams,
      body: FeaturePatch,
      response: answers(200, Feature, ['NOT_FOUND']),
    },
    handler: async (req) => featureOut(await updateFeature(contextOf(services, req), req.params.id, req.params.feature, req.body)),
  });

  app.delete('/v1/products/:id/features/:feature', {
    config: { permission: 'catalog:write' },
    schema: {
      tags,
      security: bearer,
      summary: 'Delete a feature no offering sets',
      params: FeatureParams,
      response: noContent(['NOT_FOUND', 'IN_USE']),
    },
    handler: async (req, reply) => {
      await deleteFeature(contextOf(services, req), req.params.id, req.params.feature);
      return reply.code(204).send();
    },
  });
}
