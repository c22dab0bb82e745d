import { IdParams, ListOf, ListQuery, Timestamp } from '@leasehold/contract';
import { Type } from 'typebox';
import { contextOf } from '../../access/routes/auth.js';
import { answers, noContent, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { iso, pageOut } from '../../../platform/http/wire.js';
import { mailOf } from '../../portal/routes/wire.js';
import { resolveHost } from '../../webhooks/sender.js';
import { webhookSettings } from '../../webhooks/settings.js';
import { CADENCES, createExport, deleteExport, getExport, listExports, listRuns, updateExport, type ExportDeps } from '../exports.js';
import type { ReportExportRecord, ReportExportRunRecord } from '../ports.js';
import { exportRunnerOf } from './export-runner.js';

const tags = ['reports'];

const Cadence = Type.Union(
  CADENCES.map((c) => Type.Literal(c)),
  { description: '`daily` (covers yesterday), `weekly` (the last ISO week, run on Mondays), `monthly` (the last month, run on the 1st)' },
);
const Hour = Type.Integer({ minimum: 0, maximum: 23, description: 'The UTC hour the export runs at' });
const Destination = Type.Union([
  Type.Object(
    {
      kind: Type.Literal('url'),
      url: Type.String({
        minLength: 1,
        maxLength: 2048,
        description: 'https; refused if it resolves to a private, loopback or link-local address',
      }),
    },
    { additionalProperties: false, description: 'An HTTPS POST of the CSV, signed per Standard Webhooks' },
  ),
  Type.Object(
    { kind: Type.Literal('email'), to: Type.String({ format: 'email', maxLength: 320 }) },
    { additionalProperties: false, description: 'An email with the CSV attached, through the configured SMTP server' },
  ),
]);

const ReportExport = Type.Object({
  id: Type.String(),
  savedReportId: Type.String(),
  productId: Type.Union([Type.String(), Type.Null()], { description: "The saved report's product; null: the account" }),
  cadence: Type.String(),
  hour: Type.Integer(),
  destination: Type.Object({ kind: Type.String(), url: Type.Optional(Type.String()), to: Type.Optional(Type.String()) }),
  nextRunAt: Timestamp,
  paused: Type.Boolean({ description: 'A paused export gets no scheduled run until it is resumed (`PATCH {"paused": false}`)' }),
  pausedAt: Type.Union([Timestamp, Type.Null()], { description: 'When it was paused; null while it runs on its schedule' }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
const WithSecret = Type.Object({
  export: ReportExport,
  secret: Type.Union([Type.String(), Type.Null()], {
    description: 'The `whsec_…` signing secret of a URL destination, shown this once (null: none new)',
  }),
});
const Run = Type.Object({
  id: Type.String(),
  exportId: Type.String(),
  trigger: Type.String({ description: '`schedule` or `manual` (POST …/run)' }),
  at: Timestamp,
  from: Timestamp,
  to: Timestamp,
  rows: Type.Union([Type.Integer(), Type.Null()]),
  status: Type.String({ description: '`pending` (a retry is due), `delivered` or `failed`' }),
  attempts: Type.Integer(),
  nextAttemptAt: Type.Union([Timestamp, Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
});

const exportOut = (r: ReportExportRecord) => ({
  id: r.id,
  savedReportId: r.savedReportId,
  productId: r.productId,
  cadence: r.cadence,
  hour: r.hour,
  destination: r.destination,
  nextRunAt: iso(r.nextRunAt),
  paused: r.pausedAt !== null,
  pausedAt: r.pausedAt === null ? null : iso(r.pausedAt),
  createdAt: iso(r.createdAt),
  updatedAt: iso(r.updatedAt),
});
const runOut = (r: ReportExportRunRecord) => ({
  id: r.id,
  exportId: r.exportId,
  trigger: r.trigger,
  at: iso(r.at),
  from: iso(r.from),
  to: iso(r.to),
  rows: r.rows,
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: r.nextAttemptAt === null ? null : iso(r.nextAttemptAt),
  error: r.error,
});

const depsOf = (services: Services): ExportDeps => ({
  urlPolicy: { allowPrivate: webhookSettings().allowPrivateNetworks, resolve: resolveHost },
  mailConfigured: mailOf(services).mail !== null,
});

export function reportExportRoutes(app: App, services: Services): void {
  app.post('/v1/report-exports', {
    config: { permission: 'reports:write' },
    schema: {
      tags,
      operationId: 'createReportExport',
      summary: 'Schedule exports of a saved report (CSV to a URL or an email address)',
      description:
        'Runs the saved report on a cadence over the whole period before each run and sends it as CSV: an HTTPS POST signed per Standard Webhooks (the `whsec_` secret is answered here once), or an email with the CSV attached.',
      body: Type.Object(
        { savedReportId: Type.String({ minLength: 1, maxLength: 100 }), cadence: Cadence, hour: Hour, destination: Destination },
        { additionalProperties: false },
      ),
      response: answers(201, WithSecret, ['UNKNOWN_REFERENCE', 'WEBHOOK_URL_REFUSED', 'MAIL_NOT_CONFIGURED']),
    },
    handler: async (req, reply) => {
      const { record, secret } = await createExport(contextOf(services, req), req.body, depsOf(services));
      return reply.code(201).send({ export: exportOut(record), secret });
    },
  });

  app.get('/v1/report-exports', {
    config: { permission: 'reports:read' },
    schema: {
      tags,
      operationId: 'listReportExports',
      summary: 'Scheduled report exports',
      description: "The account's scheduled exports (a product-limited key: those of its product's saved reports), a page at a time.",
      querystring: ListQuery,
      response: answers(200, ListOf(ReportExport), []),
    },
    handler: async (req) =>
      pageOut(await listExports(contextOf(services, req), { limit: req.query.limit ?? 50, cursor: req.query.cursor }), exportOut),
  });

  app.get('/v1/report-exports/:id', {
    config: { permission: 'reports:read' },
    schema: {
      tags,
      operationId: 'getReportExport',
      summary: 'A scheduled report export',
      description: 'The export, its destination and when it runs next (never its secret).',
      params: IdParams,
      response: answers(200, ReportExport, ['NOT_FOUND']),
    },
    handler: async (req) => exportOut(await getExport(contextOf(services, req), req.params.id)),
  });

  app.patch('/v1/report-exports/:id', {
    config: { permission: 'reports:write' },
    schema: {
      tags,
      operationId: 'updateReportExport',
      summary: 'Change when or where a report export goes, or pause and resume it',
      description:
        'Changes the cadence, the hour or the destination, or pauses (`paused: true`) or resumes (`paused: false`) the export. A paused export gets no scheduled run; resuming computes the next run from now (the runs missed while paused are not made up). A destination that becomes a URL gets a new signing secret, answered once.',
      params: IdParams,
      body: Type.Object(
        {
          cadence: Type.Optional(Cadence),
          hour: Type.Optional(Hour),
          destination: Type.Optional(Destination),
          paused: Type.Optional(Type.Boolean({ description: '`true` pauses the schedule, `false` resumes it from now' })),
        },
        { additionalProperties: false },
      ),
      response: answers(200, WithSecret, ['NOT_FOUND', 'WEBHOOK_URL_REFUSED', 'MAIL_NOT_CONFIGURED']),
    },
    handler: async (req) => {
      const { record, secret } = await updateExport(contextOf(services, req), req.params.id, req.body, depsOf(services));
      return { export: exportOut(record), secret };
    },
  });

  app.delete('/v1/report-exports/:id', {
    config: { permission: 'reports:write' },
    schema: {
      tags,
      operationId: 'deleteReportExport',
      summary: 'Delete a scheduled report export',
      description: 'Stops the export and deletes its run log (the saved report stays).',
      params: IdParams,
      response: noContent(['NOT_FOUND']),
    },
    handler: async (req, reply) => {
      await deleteExport(contextOf(services, req), req.params.id);
      return reply.code(204).send();
    },
  });

  app.post('/v1/report-exports/:id/run', {
    config: { permission: 'reports:write' },
    schema: {
      tags,
      operationId: 'runReportExport',
      summary: 'Run a report export now',
      description:
        'Exports the last whole period now (the schedule is unchanged; a paused export runs this once and stays paused) and answers the run: `delivered`, or `pending` with the error when a retry follows.',
      params: IdParams,
      response: answers(201, Run, ['NOT_FOUND']),
    },
    handler: async (req, reply) =>
      reply.code(201).send(runOut(await exportRunnerOf(services).runNow(contextOf(services, req), req.params.id))),
  });

  app.get('/v1/report-exports/:id/runs', {
    config: { permission: 'reports:read' },
    schema: {
      tags,
      operationId: 'listReportExportRuns',
      summary: "A report export's run log",
      description: 'Each run, newest first: the period it covered, the rows sent, attempts, status and the last error.',
      params: IdParams,
      querystring: ListQuery,
      response: answers(200, ListOf(Run), ['NOT_FOUND']),
    },
    handler: async (req) =>
      pageOut(await listRuns(contextOf(services, req), req.params.id, { limit: req.query.limit ?? 50, cursor: req.query.cursor }), runOut),
  });
}
