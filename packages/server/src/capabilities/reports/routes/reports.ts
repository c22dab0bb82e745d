import { formatTimestamp, parseTimestamp, Timestamp } from '@leasehold/contract';
import { Type } from 'typebox';
import { stringify } from 'csv-stringify/sync';
import { contextOf } from '../../access/routes/auth.js';
import { answers, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { invalid } from '../../../platform/domain/errors.js';
import {
  ACTIVATION_DIMENSIONS,
  BY_OF,
  GRANULARITIES,
  VALIDATION_DIMENSIONS,
  measuresOf,
  REPORT_NAMES,
  REPORTS,
  runReport,
  type ReportName,
} from '../store/reports.js';
import { reportingOf, reportStatus } from './runtime.js';

const DAY = 86_400_000;
/** A report spans at most this much (a year of hours is 8,760 periods per key). */
const MAX_SPAN = 3 * 366 * DAY;

/** A report's range: `to` defaults to now, `from` to 30 days before; at most three years. */
export function reportRange(now: number, fromText: string | undefined, toText: string | undefined): { from: number; to: number } {
  const to = toText === undefined ? now : parseTimestamp(toText);
  const from = fromText === undefined ? (to ?? 0) - 30 * DAY : parseTimestamp(fromText);
  if (to === null) throw invalid('to', 'to must be an ISO 8601 timestamp.');
  if (from === null) throw invalid('from', 'from must be an ISO 8601 timestamp.');
  if (from >= to) throw invalid('from', 'from must be before to.');
  if (to - from > MAX_SPAN) throw invalid('from', 'A report spans at most three years; narrow from and to.');
  return { from, to };
}

const ReportStatusOut = Type.Object({
  store: Type.Literal('duckdb'),
  lastEventAt: Type.Union([Timestamp, Type.Null()], { description: "The account's last event in the reporting store" }),
  lagMs: Type.Integer({ description: 'How long the oldest event not yet in the reporting store has waited; 0 when it is up to date' }),
  events: Type.Integer({ description: "The account's events in the reporting store" }),
  process: Type.Object(
    { id: Type.String(), role: Type.Union([Type.Literal('local'), Type.Literal('leader'), Type.Literal('follower')]) },
    { description: 'The process that received the request and its role (LEASEHOLD_REPORTS_ROLE=elected: leader or follower)' },
  ),
  answeredBy: Type.Object(
    {
      id: Type.String(),
      role: Type.Union([Type.Literal('local'), Type.Literal('leader')]),
      term: Type.Union([Type.Integer(), Type.Null()], { description: "The leader's election term; null for a local store" }),
    },
    { description: 'The process whose reporting store answered: the one that received the request, or the elected leader it forwarded to' },
  ),
});

const ReportParams = Type.Object({ name: Type.Union(REPORT_NAMES.map((n) => Type.Literal(n))) });

const ReportQuerystring = Type.Object({
  from: Type.Optional(Type.String({ ...Timestamp, description: 'Start (inclusive); default 30 days before `to`' })),
  to: Type.Optional(Type.String({ ...Timestamp, description: 'End (exclusive); default now' })),
  granularity: Type.Optional(
    Type.Union(
      GRANULARITIES.map((g) => Type.Literal(g)),
      { default: 'day' },
    ),
  ),
  product: Type.Optional(Type.String({ maxLength: 200, description: 'A product id' })),
  customer: Type.Optional(Type.String({ maxLength: 200, description: 'A customer id' })),
  by: Type.Optional(
    Type.Union(
      [...new Set<string>([...ACTIVATION_DIMENSIONS, ...VALIDATION_DIMENSIONS])].map((d) => Type.Literal(d)),
      {
        description:
          '`activations` and `deployment`: product (default), platform, version, customer, entitlement or none; `validations`: code (default), product, customer or none',
      },
    ),
  ),
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')], { default: 'json' })),
});

const ReportOut = Type.Object({
  report: Type.String(),
  from: Timestamp,
  to: Timestamp,
  granularity: Type.String(),
  measures: Type.Array(Type.String()),
  rows: Type.Array(
    Type.Object(
      { period: Timestamp, key: Type.Union([Type.String(), Type.Null()]) },
      {
        additionalProperties: Type.Union([Type.Number(), Type.Null()]),
        description:
          'One period and key, with each measure (counts are whole numbers; a share is a percentage; null where a measure has no meaning for the key, e.g. purchased seats by platform)',
      },
    ),
  ),
});

const DESCRIPTIONS = REPORT_NAMES.map((n) => `\`${n}\`: ${REPORTS[n].summary}`).join('; ');

export function reportRoutes(app: App, services: Services): void {
  app.get('/v1/reports/status', {
    config: { permission: 'reports:read' },
    schema: {
      tags: ['reports'],
      operationId: 'getReportStatus',
      summary: 'Where the reporting store stands: its events and its lag behind the event log',
      description:
        'The reporting store (DuckDB) is fed from the event log by a background projector; `lagMs` says how long the oldest event not yet projected has waited.',
      response: answers(200, ReportStatusOut, ['SERVICE_UNAVAILABLE']),
    },
    handler: async (req) => {
      const s = await reportStatus(services, contextOf(services, req).store.scope.accountId);
      return { ...s, lastEventAt: s.lastEventAt === null ? null : formatTimestamp(s.lastEventAt) };
    },
  });

  app.get('/v1/reports/:name', {
    config: { permission: 'reports:read' },
    schema: {
      tags: ['reports'],
      operationId: 'getReport',
      summary: 'A built-in report over a time range, per period (JSON, or CSV with format=csv)',
      description: `Counts from the reporting store, per period (\`granularity\`) and key, for the account (and the key's product). ${DESCRIPTIONS}.`,
      params: ReportParams,
      querystring: ReportQuerystring,
      produces: ['application/json', 'text/csv'],
      response: answers(200, Type.Union([ReportOut, Type.String({ description: 'text/csv (format=csv)' })]), [
        'INVALID_REQUEST',
        'SERVICE_UNAVAILABLE',
      ]),
    },
    handler: async (req, reply) => {
      const scope = contextOf(services, req).store.scope;
      const q = req.query;
      const name = req.params.name as ReportName;
      const { from, to } = reportRange(services.clock.now(), q.from, q.to);
      const allowed = BY_OF[name];
      if (q.by !== undefined && allowed === undefined)
        throw invalid('by', 'by applies to the activations, deployment and validations reports only.');
      if (q.by !== undefined && allowed && !allowed.includes(q.by))
        throw invalid('by', `by for the ${name} report is one of ${allowed.join(', ')}.`);
      const granularity = q.granularity ?? 'day';
      const { store } = await reportingOf(services);
      const rows = await runReport(store, name, scope, {
        from,
        to,
        now: services.clock.now(),
        granularity,
        product: q.product,
        customer: q.customer,
        by: q.by,
      });
      const measures = [...measuresOf(name)];
      if (q.format === 'csv') {
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="leasehold-${name}.csv"`)
          .send(
            stringify(
              rows.map((r) => [formatTimestamp(r.period), r.key ?? '', ...measures.map((m) => r[m])]),
              { header: true, columns: ['period', 'key', ...measures] },
            ),
          );
      }
      return {
        report: name,
        from: formatTimestamp(from),
        to: formatTimestamp(to),
        granularity,
        measures,
        rows: rows.map((r) => ({ ...r, period: formatTimestamp(r.period) })),
      };
    },
  });
}
