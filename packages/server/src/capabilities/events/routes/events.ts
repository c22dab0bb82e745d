import { Event, EventQuery, ListOf } from '@leasehold/contract';
import { Type } from 'typebox';
import { stringify } from 'csv-stringify/sync';
import { allEvents, listEvents } from '../list.js';
import { contextOf } from '../../access/routes/auth.js';
import { answers, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { eventOut, iso, pageOut } from '../../../platform/http/wire.js';

/** Exports stop here; narrow the time range for more. */
const EXPORT_MAX = 100_000;
const { limit: _limit, cursor: _cursor, ...exportFilters } = EventQuery.properties;
const EventExportQuery = Type.Object(exportFilters);

const CSV_COLUMNS = [
  'id',
  'at',
  'type',
  'subjectType',
  'subjectId',
  'customerId',
  'entitlementId',
  'productId',
  'actorType',
  'actorId',
  'requestId',
  'before',
  'after',
];

export function eventRoutes(app: App, services: Services): void {
  app.get('/v1/events', {
    config: { permission: 'events:read' },
    schema: {
      tags: ['events'],
      operationId: 'listEvents',
      summary: 'The audit log, newest first; filter by subject, type (or prefix.*), customer, entitlement and time',
      description:
        'Every change in the account as an event, newest first, a page at a time; `type` takes an exact type or a prefix such as `entitlement.*`.',
      querystring: EventQuery,
      response: answers(200, ListOf(Event), []),
    },
    handler: async (req) => pageOut(await listEvents(contextOf(services, req), req.query), eventOut),
  });

  app.get('/v1/events/export', {
    config: { permission: 'events:read' },
    schema: {
      tags: ['events'],
      operationId: 'exportEvents',
      summary: `The audit log as CSV (same filters, newest first, at most ${EXPORT_MAX} rows; before/after as JSON)`,
      description: 'The same events as CSV with a header row, for spreadsheets and archives; errors are answered in JSON.',
      querystring: EventExportQuery,
      produces: ['text/csv'],
      response: answers(200, Type.String({ description: 'text/csv' }), []),
    },
    handler: async (req, reply) => {
      const rows: unknown[][] = [];
      for await (const e of allEvents(contextOf(services, req), req.query, EXPORT_MAX)) {
        rows.push([
          e.id,
          iso(e.at),
          e.type,
          e.subjectType,
          e.subjectId,
          e.customerId ?? '',
          e.entitlementId ?? '',
          e.productId ?? '',
          e.actor.type,
          e.actor.id ?? '',
          e.requestId ?? '',
          e.before === null ? '' : JSON.stringify(e.before),
          e.after === null ? '' : JSON.stringify(e.after),
        ]);
      }
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="leasehold-events.csv"')
        .send(stringify(rows, { header: true, columns: CSV_COLUMNS }));
    },
  });
}
