import { IdParams, ListOf, ListQuery, Timestamp } from '@leasehold/contract';
import { Type } from 'typebox';
import { contextOf } from '../../access/routes/auth.js';
import { answers, noContent, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { iso, pageOut } from '../../../platform/http/wire.js';
import { deleteSavedReport, getSavedReport, listSavedReports, saveReport, updateSavedReport } from '../saved.js';
import type { SavedQuery as SavedQueryRecord, SavedReportRecord } from '../ports.js';
import { runModelQuery } from '../store/model.js';
import { reportingOf } from './runtime.js';
import { reportRange } from './reports.js';
import { modelQueryOf, ReportQueryIn, ReportQueryOut, queryOut, type QueryBody } from './query.js';

const tags = ['reports'];

/** What a saved report keeps: the query without its range (given each time it runs). */
const SavedQuery = Type.Omit(ReportQueryIn, ['from', 'to'], { additionalProperties: false });
const Name = Type.String({ minLength: 1, maxLength: 200 });

const SavedQueryOut = Type.Object({
  measures: Type.Array(Type.String()),
  dimensions: Type.Array(Type.String()),
  filters: Type.Array(Type.Object({ dimension: Type.String(), values: Type.Array(Type.String()) })),
  granularity: Type.String(),
});

const SavedReport = Type.Object({
  id: Type.String(),
  name: Type.String(),
  productId: Type.Union([Type.String(), Type.Null()], { description: 'The product of the key that saved it; null: the account' }),
  query: SavedQueryOut,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const savedOut = (r: SavedReportRecord) => ({
  id: r.id,
  name: r.name,
  productId: r.productId,
  query: r.query,
  createdAt: iso(r.createdAt),
  updatedAt: iso(r.updatedAt),
});

/** The query as saved, checked and with the defaults filled in (so a saved report shows what it runs). */
function normalised(body: unknown): SavedQueryRecord {
  const { measures, dimensions, filters, granularity } = modelQueryOf(body as QueryBody, 0, 1);
  return {
    measures: [...measures],
    dimensions: [...dimensions],
    filters: filters.map((f) => ({ ...f, values: [...f.values] })),
    granularity,
  };
}

const RunQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ ...Timestamp, description: 'Start (inclusive); default 30 days before `to`' })),
    to: Type.Optional(Type.String({ ...Timestamp, description: 'End (exclusive); default now' })),
  },
  { additionalProperties: false },
);

export function savedReportRoutes(app: App, services: Services): void {
  app.post('/v1/saved-reports', {
    config: { permission: 'reports:write' },
    schema: {
      tags,
      operationId: 'createSavedReport',
      summary: 'Save a custom report under a name',
      description:
        'Keeps a query of the semantic model (as `POST /v1/reports/query` takes it, without `from` and `to`) to run again later.',
      body: Type.Object({ name: Name, query: SavedQuery }, { additionalProperties: false }),
      response: answers(201, SavedReport, ['INVALID_REQUEST']),
    },
    handler: async (req, reply) =>
      reply
        .code(201)
        .send(savedOut(await saveReport(contextOf(services, req), { name: req.body.name, query: normalised(req.body.query) }))),
  });

  app.get('/v1/saved-reports', {
    config: { permission: 'reports:read' },
    schema: {
      tags,
      operationId: 'listSavedReports',
      summary: 'Saved reports',
      description: "The account's saved reports (a product-limited key: its product's), a page at a time.",
      querystring: ListQuery,
      response: answers(200, ListOf(SavedReport), []),
    },
    handler: async (req) =>
      pageOut(await listSavedReports(contextOf(services, req), { limit: req.query.limit ?? 50, cursor: req.query.cursor }), savedOut),
  });

  app.get('/v1/saved-reports/:id', {
    config: { permission: 'reports:read' },
    schema: {
      tags,
      operationId: 'getSavedReport',
      summary: 'A saved report',
      description: 'A saved report and its query.',
      params: IdParams,
      response: answers(200, SavedReport, ['NOT_FOUND']),
    },
    handler: async (req) => savedOut(await getSavedReport(contextOf(services, req), req.params.id)),
  });

  app.patch('/v1/saved-reports/:id', {
    config: { permission: 'reports:write' },
    schema: {
      tags,
      operationId: 'updateSavedReport',
      summary: 'Rename a saved report or change its query',
      description: 'Changes the name, the query, or both.',
      params: IdParams,
      body: Type.Object({ name: Type.Optional(Name), query: Type.Optional(SavedQuery) }, { additionalProperties: false }),
      response: answers(200, SavedReport, ['NOT_FOUND', 'INVALID_REQUEST']),
    },
    handler: async (req) =>
      savedOut(
        await updateSavedReport(contextOf(services, req), req.params.id, {
          name: req.body.name,
          query: req.body.query ? normalised(req.body.query) : undefined,
        }),
      ),
  });

  app.delete('/v1/saved-reports/:id', {
    config: { permission: 'reports:write' },
    schema: {
      tags,
      operationId: 'deleteSavedReport',
      summary: 'Delete a saved report',
      description: 'Deletes the saved report (its figures were never stored: nothing else goes).',
      params: IdParams,
      response: noContent(['NOT_FOUND']),
    },
    handler: async (req, reply) => {
      await deleteSavedReport(contextOf(services, req), req.params.id);
      return reply.code(204).send();
    },
  });

  app.get('/v1/saved-reports/:id/run', {
    config: { permission: 'reports:read' },
    schema: {
      tags,
      operationId: 'runSavedReport',
      summary: 'Run a saved report over a range',
      description: 'Runs the saved query from the reporting store, as `POST /v1/reports/query` would, over `from` and `to`.',
      params: IdParams,
      querystring: RunQuery,
      response: answers(200, ReportQueryOut, ['NOT_FOUND', 'INVALID_REQUEST', 'SERVICE_UNAVAILABLE']),
    },
    handler: async (req) => {
      const ctx = contextOf(services, req);
      const saved = await getSavedReport(ctx, req.params.id);
      const { from, to } = reportRange(services.clock.now(), req.query.from, req.query.to);
      const query = modelQueryOf(saved.query, from, to);
      const { store } = await reportingOf(services);
      return queryOut(query, await runModelQuery(store, ctx.store.scope, query));
    },
  });
}
