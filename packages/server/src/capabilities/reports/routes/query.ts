import { formatTimestamp, Timestamp } from '@leasehold/contract';
import { Type } from 'typebox';
import { contextOf } from '../../access/routes/auth.js';
import { answers, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { invalid } from '../../../platform/domain/errors.js';
import {
  DIMENSION_NAMES,
  DIMENSIONS,
  MEASURE_NAMES,
  MEASURES,
  QUERY_GRANULARITIES,
  QUERY_ROW_LIMIT,
  runModelQuery,
} from '../store/model.js';
import { reportingOf } from './runtime.js';
import { reportRange } from './reports.js';

const Measure = Type.Union(
  MEASURE_NAMES.map((m) => Type.Literal(m)),
  { description: MEASURE_NAMES.map((m) => `\`${m}\`: ${MEASURES[m].summary}`).join('; ') },
);
const Dimension = Type.Union(
  DIMENSION_NAMES.map((d) => Type.Literal(d)),
  { description: DIMENSION_NAMES.map((d) => `\`${d}\`: ${DIMENSIONS[d].summary}`).join('; ') },
);

export const ReportQueryIn = Type.Object(
  {
    measures: Type.Array(Measure, { minItems: 1, maxItems: 10, uniqueItems: true }),
    dimensions: Type.Optional(Type.Array(Dimension, { maxItems: 4, uniqueItems: true, default: [] })),
    filters: Type.Optional(
      Type.Array(
        Type.Object(
          {
            dimension: Dimension,
            values: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 100 }),
          },
          { additionalProperties: false, description: 'Only rows whose dimension is one of `values`' },
        ),
        { maxItems: 10, default: [] },
      ),
    ),
    from: Type.Optional(Type.String({ ...Timestamp, description: 'Start (inclusive); default 30 days before `to`' })),
    to: Type.Optional(Type.String({ ...Timestamp, description: 'End (exclusive); default now' })),
    granularity: Type.Optional(
      Type.Union(
        QUERY_GRANULARITIES.map((g) => Type.Literal(g)),
        { default: 'day', description: '`none`: one row per combination of dimensions over the whole range' },
      ),
    ),
  },
  { additionalProperties: false },
);

const ReportQueryOut = Type.Object({
  from: Timestamp,
  to: Timestamp,
  granularity: Type.String(),
  measures: Type.Array(Type.String()),
  dimensions: Type.Array(Type.String()),
  rows: Type.Array(
    Type.Object(
      {},
      {
        additionalProperties: Type.Union([Type.String(), Type.Number(), Type.Null()]),
        description: '`period` (unless granularity is none), each dimension, each measure',
      },
    ),
  ),
  truncated: Type.Boolean({ description: `More than ${QUERY_ROW_LIMIT} rows matched: the first ${QUERY_ROW_LIMIT} are shown` }),
});

export function reportQueryRoutes(app: App, services: Services): void {
  app.post('/v1/reports/query', {
    config: { permission: 'reports:read' },
    schema: {
      tags: ['reports'],
      operationId: 'queryReports',
      summary: 'A custom report: measures by dimensions over a time range, from the semantic model',
      description:
        'Combines measures and dimensions of the documented semantic model (docs/reports.md); no SQL is accepted. Filters keep the rows whose dimension is one of the given values. Always for the caller’s account, and the key’s product.',
      body: ReportQueryIn,
      response: answers(200, ReportQueryOut, ['INVALID_REQUEST', 'SERVICE_UNAVAILABLE']),
    },
    handler: async (req) => {
      const scope = contextOf(services, req).store.scope;
      const body = req.body;
      const { from, to } = reportRange(services.clock.now(), body.from, body.to);
      const filters = body.filters ?? [];
      if (new Set(filters.map((f) => f.dimension)).size !== filters.length)
        throw invalid('filters', 'Each dimension may be filtered once; list its values together.');
      const granularity = body.granularity ?? 'day';
      const dimensions = body.dimensions ?? [];
      const { store } = await reportingOf(services);
      const { rows, truncated } = await runModelQuery(store, scope, {
        measures: body.measures,
        dimensions,
        filters,
        from,
        to,
        granularity,
      });
      return {
        from: formatTimestamp(from),
        to: formatTimestamp(to),
        granularity,
        measures: body.measures,
        dimensions,
        rows: rows.map((r) => (typeof r['period'] === 'number' ? { ...r, period: formatTimestamp(r['period']) } : r)),
        truncated,
      };
    },
  });
}
