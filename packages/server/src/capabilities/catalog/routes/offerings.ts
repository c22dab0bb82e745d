import { IdParams, ListOf, ListQuery, Offering, OfferingCreate, OfferingPatch } from '@leasehold/contract';
import { Type } from 'typebox';
import { createOffering, deleteOffering, getOffering, listOfferings, updateOffering } from '../offerings.js';
import { contextOf } from '../../access/routes/auth.js';
import { answers, noContent, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { offeringOut, pageOut } from '../../../platform/http/wire.js';

const tags = ['catalog'];
const OfferingQuery = Type.Object({
  ...ListQuery.properties,
  product: Type.Optional(Type.String({ maxLength: 200, description: "The product's id or code" })),
  productId: Type.Optional(Type.String({ maxLength: 200, deprecated: true, description: 'Old name of `product`' })),
});

export function offeringRoutes(app: App, services: Services): void {
  app.get('/v1/offerings', {
    config: { permission: 'catalog:read' },
    schema: {
      tags,
      operationId: 'listOfferings',
      summary: 'List offerings',
      description: 'Offerings (plans, editions, SKUs), optionally of one product, a page at a time.',
      querystring: OfferingQuery,
      response: answers(200, ListOf(Offering), ['NOT_FOUND']),
    },
    handler: async (req) =>
      pageOut(
        await listOfferings(
          contextOf(services, req),
          { product: req.query.product ?? req.query.productId },
          { limit: req.query.limit ?? 50, cursor: req.query.cursor },
        ),
        offeringOut,
      ),
  });

  app.post('/v1/offerings', {
    config: { permission: 'catalog:write' },
    schema: {
      tags,
      operationId: 'createOffering',
      summary: 'Create an offering (plan, edition, SKU)',
      description:
        'An offering fixes the license model, seat model, seats, term, lease period and feature values that entitlements on it receive, unless an entitlement overrides them.',
      body: OfferingCreate,
      response: answers(201, Offering, ['UNKNOWN_REFERENCE', 'DUPLICATE_CODE', 'UNKNOWN_FEATURE', 'INVALID_FEATURE_VALUE']),
    },
    handler: async (req, reply) => reply.code(201).send(offeringOut(await createOffering(contextOf(services, req), req.body))),
  });

  app.get('/v1/offerings/:id', {
    config: { permission: 'catalog:read' },
    schema: {
      tags,
      operationId: 'getOffering',
      summary: 'Read an offering (by id or code)',
      description: 'The offering with this id or code.',
      params: IdParams,
      response: answers(200, Offering, ['NOT_FOUND']),
    },
    handler: async (req) => offeringOut(await getOffering(contextOf(services, req), req.params.id)),
  });

  app.patch('/v1/offerings/:id', {
    config: { permission: 'catalog:write' },
    schema: {
      tags,
      operationId: 'updateOffering',
      summary: 'Change an offering; every entitlement on it sees the change at its next lease',
      description:
        'Changes apply to every entitlement on the offering (except fields an entitlement overrides); devices receive them with their next lease.',
      params: IdParams,
      body: OfferingPatch,
      response: answers(200, Offering, ['NOT_FOUND', 'UNKNOWN_REFERENCE', 'UNKNOWN_FEATURE', 'INVALID_FEATURE_VALUE']),
    },
    handler: async (req) => offeringOut(await updateOffering(contextOf(services, req), req.params.id, req.body)),
  });

  app.delete('/v1/offerings/:id', {
    config: { permission: 'catalog:write' },
    schema: {
      tags,
      operationId: 'deleteOffering',
      summary: 'Delete an offering no entitlement holds',
      description: 'Refused with 409 IN_USE while an entitlement holds the offering: move those with change-offering or a migration first.',
      params: IdParams,
      response: noContent(['NOT_FOUND', 'IN_USE']),
    },
    handler: async (req, reply) => {
      await deleteOffering(contextOf(services, req), req.params.id);
      return reply.code(204).send();
    },
  });
}
