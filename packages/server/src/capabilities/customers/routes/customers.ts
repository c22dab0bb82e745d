import { Customer, CustomerCreate, CustomerPatch, IdParams, ListOf, ListQuery } from '@leasehold/contract';
import { Type } from 'typebox';
import { createCustomer, deleteCustomer, getCustomer, listCustomers, updateCustomer } from '../customers.js';
import { contextOf } from '../../access/routes/auth.js';
import { answers, noContent, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { customerOut, pageOut } from '../../../platform/http/wire.js';

const tags = ['customers'];
const CustomerQuery = Type.Object({
  ...ListQuery.properties,
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Search in name, email and externalRef' })),
  email: Type.Optional(Type.String({ maxLength: 320 })),
});

export function customerRoutes(app: App, services: Services): void {
  app.get('/v1/customers', {
    config: { permission: 'customers:read' },
    schema: {
      tags,
      operationId: 'listCustomers',
      summary: 'List or search customers',
      description: 'Customers a page at a time; `q` searches name, email and externalRef, `email` matches exactly.',
      querystring: CustomerQuery,
      response: answers(200, ListOf(Customer), []),
    },
    handler: async (req) =>
      pageOut(
        await listCustomers(
          contextOf(services, req),
          { q: req.query.q, email: req.query.email },
          { limit: req.query.limit ?? 50, cursor: req.query.cursor },
        ),
        customerOut,
      ),
  });

  app.post('/v1/customers', {
    config: { permission: 'customers:write' },
    schema: {
      tags,
      operationId: 'createCustomer',
      summary: 'Create a customer',
      description:
        'A customer holds entitlements; `externalRef` (your CRM or billing id) is unique in the account and usable wherever the id is.',
      body: CustomerCreate,
      response: answers(201, Customer, ['DUPLICATE_EXTERNAL_REF']),
    },
    handler: async (req, reply) => reply.code(201).send(customerOut(await createCustomer(contextOf(services, req), req.body))),
  });

  app.get('/v1/customers/:id', {
    config: { permission: 'customers:read' },
    schema: {
      tags,
      operationId: 'getCustomer',
      summary: 'Read a customer (by id or externalRef)',
      description: 'The customer with this id or externalRef.',
      params: IdParams,
      response: answers(200, Customer, ['NOT_FOUND']),
    },
    handler: async (req) => customerOut(await getCustomer(contextOf(services, req), req.params.id)),
  });

  app.patch('/v1/customers/:id', {
    config: { permission: 'customers:write' },
    schema: {
      tags,
      operationId: 'updateCustomer',
      summary: 'Change a customer',
      description: 'Changes the fields sent and leaves the others.',
      params: IdParams,
      body: CustomerPatch,
      response: answers(200, Customer, ['NOT_FOUND', 'DUPLICATE_EXTERNAL_REF']),
    },
    handler: async (req) => customerOut(await updateCustomer(contextOf(services, req), req.params.id, req.body)),
  });

  app.delete('/v1/customers/:id', {
    config: { permission: 'customers:write' },
    schema: {
      tags,
      operationId: 'deleteCustomer',
      summary: 'Delete a customer who holds no entitlement',
      description: 'Refused with 409 IN_USE while the customer holds an entitlement.',
      params: IdParams,
      response: noContent(['NOT_FOUND', 'IN_USE']),
    },
    handler: async (req, reply) => {
      await deleteCustomer(contextOf(services, req), req.params.id);
      return reply.code(204).send();
    },
  });
}
