import { IdParams, ListOf, ListQuery, Product, ProductCreate, ProductPatch } from '@leasehold/contract';
import { createProduct, deleteProduct, getProduct, listProducts, updateProduct } from '../products.js';
import { contextOf } from '../../access/routes/auth.js';
import { answers, noContent, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { pageOut, productOut } from '../../../platform/http/wire.js';

const tags = ['catalog'];

export function productRoutes(app: App, services: Services): void {
  app.get('/v1/products', {
    config: { permission: 'catalog:read' },
    schema: {
      tags,
      operationId: 'listProducts',
      description: "The account's products, a page at a time (`limit`, `cursor`). A key limited to one product sees only that product.",
      summary: 'List products',
      querystring: ListQuery,
      response: answers(200, ListOf(Product), []),
    },
    handler: async (req) =>
      pageOut(await listProducts(contextOf(services, req), { limit: req.query.limit ?? 50, cursor: req.query.cursor }), productOut),
  });

  app.post('/v1/products', {
    config: { permission: 'products:create' },
    schema: {
      tags,
      operationId: 'createProduct',
      summary: 'Create a product',
      description: 'A product is what the vendor sells licenses for; its `code` is unique in the account and usable wherever its id is.',
      body: ProductCreate,
      response: answers(201, Product, ['DUPLICATE_CODE']),
    },
    handler: async (req, reply) => reply.code(201).send(productOut(await createProduct(contextOf(services, req), req.body))),
  });

  app.get('/v1/products/:id', {
    config: { permission: 'catalog:read' },
    schema: {
      tags,
      operationId: 'getProduct',
      summary: 'Read a product (by id or code)',
      description: 'The product with this id or code; 404 NOT_FOUND when the account has none.',
      params: IdParams,
      response: answers(200, Product, ['NOT_FOUND']),
    },
    handler: async (req) => productOut(await getProduct(contextOf(services, req), req.params.id)),
  });

  app.patch('/v1/products/:id', {
    config: { permission: 'catalog:write' },
    schema: {
      tags,
      operationId: 'updateProduct',
      summary: 'Change a product',
      description: 'Changes the fields sent and leaves the others; a new `code` must be unused in the account.',
      params: IdParams,
      body: ProductPatch,
      response: answers(200, Product, ['NOT_FOUND', 'UNKNOWN_REFERENCE', 'DUPLICATE_CODE']),
    },
    handler: async (req) => productOut(await updateProduct(contextOf(services, req), req.params.id, req.body)),
  });

  app.delete('/v1/products/:id', {
    config: { permission: 'catalog:write' },
    schema: {
      tags,
      operationId: 'deleteProduct',
      summary: 'Delete a product no offering uses',
      description: 'Refused with 409 IN_USE while an offering belongs to the product: delete or move those first.',
      params: IdParams,
      response: noContent(['NOT_FOUND', 'IN_USE']),
    },
    handler: async (req, reply) => {
      await deleteProduct(contextOf(services, req), req.params.id);
      return reply.code(204).send();
    },
  });
}
