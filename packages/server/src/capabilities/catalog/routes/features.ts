import { Feature, FeatureCreate, FeaturePatch, ListOf, ListQuery } from '@leasehold/contract';
import { Type } from 'typebox';
import { createFeature, deleteFeature, getFeature, listFeatures, updateFeature } from '../features.js';
import { contextOf } from '../../access/routes/auth.js';
import { answers, noContent, type App } from '../../../platform/http/route-kit.js';
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
      operationId: 'listFeatures',
      summary: "List a product's features",
      description: "The features a product's offerings can grant, a page at a time.",
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
      operationId: 'createFeature',
      summary: 'Add a feature to a product',
      description:
        'A feature is a right an offering can grant: boolean, numeric, consumption (metered with a quota) or pool (elements checked out and in). Its `code` is unique in the product.',
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
      operationId: 'getFeature',
      summary: 'Read a feature (by id or code)',
      description: 'The feature with this id or code in the product.',
      params: FeatureParams,
      response: answers(200, Feature, ['NOT_FOUND']),
    },
    handler: async (req) => featureOut(await getFeature(contextOf(services, req), req.params.id, req.params.feature)),
  });

  app.patch('/v1/products/:id/features/:feature', {
    config: { permission: 'catalog:write' },
    schema: {
      tags,
      operationId: 'updateFeature',
      summary: "Change a feature's name or unit",
      description: 'Only the name and the unit change: the code and the type stay as created.',
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
      operationId: 'deleteFeature',
      summary: 'Delete a feature no offering sets',
      description: 'Refused with 409 IN_USE while an offering sets the feature.',
      params: FeatureParams,
      response: noContent(['NOT_FOUND', 'IN_USE']),
    },
    handler: async (req, reply) => {
      await deleteFeature(contextOf(services, req), req.params.id, req.params.feature);
      return reply.code(204).send();
    },
  });
}
