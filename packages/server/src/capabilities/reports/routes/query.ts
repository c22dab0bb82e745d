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
  type DimensionName,
  type MeasureName,
  type ModelQuery,
  type ModelRow,
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

export const ReportQueryOut = Type.Object({
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
      const { from, to } = reportRange(services.clock.now(), req.body.from, req.body.to);
      const query = modelQueryOf(req.body as QueryBody, from, to);
      const { store } = await reportingOf(services);
      return queryOut(query, await runModelQuery(store, scope, query));
    },
  });
}

/** A query as the body names it (the schema checked each name against the model). */
export interface QueryBody {
  measures: string[];
  dimensions?: string[] | undefined;
  filters?: Array<{ dimension: string; values: string[] }> | undefined;
  granularity?: string | undefined;
}

/** The model's query for a body and a range, its defaults filled in; refuses a dimension filtered twice. */
export function modelQueryOf(body: QueryBody, from: number, to: number): ModelQuery {
  const filters = body.filters ?? [];
  if (new Set(filters.map((f) => f.dimension)).size !== filters.length)
    throw invalid('filters', 'Each dimension may be filtered once; list its values together.');
  return {
    measures: body.measures as MeasureName[],
    dimensions: (body.dimensions ?? []) as DimensionName[],
    filters: filters as ModelQuery['filters'],
    from,
    to,
    granularity: (body.granularity ?? 'day') as ModelQuery['granularity'],
  };
}

/** A query's answer as the routes give it: times as ISO 8601. */
export function queryOut(q: ModelQuery, { rows, truncated }: { rows: ModelRow[]; truncated: boolean }) {
  return {
    from: formatTimestamp(q.from),
    to: formatTimestamp(q.to),
    granularity: q.granularity,
    measures: [...q.measures],
    dimensions: [...q.dimensions],
    rows: rows.map((r) => (typeof r['period'] === 'number' ? { ...r, period: formatTimestamp(r['period']) } : r)),
    truncated,
  };
}
