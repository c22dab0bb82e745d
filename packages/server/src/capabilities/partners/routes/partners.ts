import { IdParams, ListOf, ListQuery, Partner, PartnerCreate, PartnerPatch } from '@leasehold/contract';
import { contextOf } from '../../access/routes/auth.js';
import { answers, noContent, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { pageOut } from '../../../platform/http/wire.js';
import { createPartner, deletePartner, getPartner, listPartners, updatePartner } from '../partners.js';
import { partnerOut } from './wire.js';

const tags = ['partners'];

/** Channel partners (resellers, distributors), with their code statistics. */
export function partnerRoutes(app: App, services: Services): void {
  app.post('/v1/partners', {
    config: { permission: 'partners:write' },
    schema: {
      tags,
      operationId: 'createPartner',
      summary: 'Add a channel partner (reseller, distributor)',
      description: 'A partner sells authenticity codes the vendor issues for it in code batches.',
      body: PartnerCreate,
      response: answers(201, Partner, ['DUPLICATE_EXTERNAL_REF']),
    },
    handler: async (req, reply) => reply.code(201).send(partnerOut(await createPartner(contextOf(services, req), req.body))),
  });

  app.get('/v1/partners', {
    config: { permission: 'partners:read' },
    schema: {
      tags,
      operationId: 'listPartners',
      summary: 'Channel partners, newest first, with codes issued, redeemed and outstanding',
      description: 'The account’s partners a page at a time; each with its code statistics.',
      querystring: ListQuery,
      response: answers(200, ListOf(Partner), []),
    },
    handler: async (req) =>
      pageOut(await listPartners(contextOf(services, req), { limit: req.query.limit ?? 50, cursor: req.query.cursor }), partnerOut),
  });

  app.get('/v1/partners/:id', {
    config: { permission: 'partners:read' },
    schema: {
      tags,
      operationId: 'getPartner',
      summary: 'A partner with its codes issued, redeemed, voided and outstanding',
      description: 'By id or externalRef.',
      params: IdParams,
      response: answers(200, Partner, ['NOT_FOUND']),
    },
    handler: async (req) => partnerOut(await getPartner(contextOf(services, req), req.params.id)),
  });

  app.patch('/v1/partners/:id', {
    config: { permission: 'partners:write' },
    schema: {
      tags,
      operationId: 'updatePartner',
      summary: 'Change a partner',
      description: 'Name, kind, email, externalRef or metadata.',
      params: IdParams,
      body: PartnerPatch,
      response: answers(200, Partner, ['NOT_FOUND', 'DUPLICATE_EXTERNAL_REF']),
    },
    handler: async (req) => partnerOut(await updatePartner(contextOf(services, req), req.params.id, req.body)),
  });

  app.delete('/v1/partners/:id', {
    config: { permission: 'partners:write' },
    schema: {
      tags,
      operationId: 'deletePartner',
      summary: 'Delete a partner that was never issued codes',
      description: 'Refused with 409 IN_USE once the partner has a code batch: void the batches instead.',
      params: IdParams,
      response: noContent(['NOT_FOUND', 'IN_USE']),
    },
    handler: async (req, reply) => {
      await deletePartner(contextOf(services, req), req.params.id);
      return reply.code(204).send();
    },
  });
}
