import { IdParams, ListOf, ListQuery, Migration, MigrationAnswer, MigrationCreate } from '@leasehold/contract';
import { createMigration, getMigration, listMigrations } from '../migrations.js';
import type { MigrationRecord } from '../../../platform/domain/model.js';
import type { Impact, ImpactSamples } from '../plan.js';
import { contextOf } from '../../access/routes/auth.js';
import { answers, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { iso, isoOrNull, pageOut } from '../../../platform/http/wire.js';
import { timeFrom } from '../../../platform/domain/dates.js';

const tags = ['migrations'];

const migrationOut = (m: MigrationRecord) => ({
  id: m.id,
  state: m.state,
  sourceOfferingId: m.sourceOfferingId,
  targetOfferingId: m.targetOfferingId,
  select: m.selection,
  options: { removeSeats: m.options.removeSeats, rekey: m.options.rekey, rekeyGraceUntil: isoOrNull(m.options.rekeyGraceUntil) },
  impact: m.impact as Record<string, number>,
  result: m.result,
  total: m.total,
  done: m.done,
  skipped: m.skipped,
  failed: m.failed,
  progress: m.total === 0 ? 1 : (m.done + m.skipped + m.failed) / m.total,
  error: m.error,
  createdAt: iso(m.createdAt),
  startedAt: isoOrNull(m.startedAt),
  finishedAt: isoOrNull(m.finishedAt),
});

const samplesOut = (s: ImpactSamples) => ({ ...s, seatsRemoved: s.seatsRemoved.map((x) => ({ ...x, lastSeenAt: iso(x.lastSeenAt) })) });

/** Bulk moves between offerings: a dry run with the impact, then a resumable background job. */
export function migrationRoutes(app: App, services: Services): void {
  app.post('/v1/migrations', {
    config: { permission: 'entitlements:write' },
    schema: {
      tags,
      operationId: 'createMigration',
      summary: 'Move many entitlements to another offering: dryRun answers the impact; otherwise a background job starts (202)',
      description:
        'Moves every entitlement matching the filter to the target offering, optionally re-keying them. `dryRun: true` answers the impact and samples at once; otherwise a resumable background job starts and the answer is 202.',
      body: MigrationCreate,
      response: answers([200, 202], MigrationAnswer, ['UNKNOWN_REFERENCE', 'CHANGE_NOT_ALLOWED', 'DATE_OUT_OF_RANGE']),
    },
    handler: async (req, reply) => {
      const b = req.body;
      const out = await createMigration(contextOf(services, req), {
        ...b,
        rekeyGraceUntil: b.rekeyGraceUntil ? timeFrom('rekeyGraceUntil', b.rekeyGraceUntil) : undefined,
      });
      if (out.dryRun) return reply.code(200).send({ dryRun: true, impact: out.impact, samples: samplesOut(out.samples), migration: null });
      return reply.code(202).send({
        dryRun: false,
        impact: out.migration.impact as unknown as Impact,
        samples: samplesOut(out.samples),
        migration: migrationOut(out.migration),
      });
    },
  });

  app.get('/v1/migrations', {
    config: { permission: 'entitlements:read' },
    schema: {
      tags,
      operationId: 'listMigrations',
      summary: 'Bulk migrations, newest first',
      description: 'Bulk migrations, newest first, a page at a time.',
      querystring: ListQuery,
      response: answers(200, ListOf(Migration), []),
    },
    handler: async (req) =>
      pageOut(await listMigrations(contextOf(services, req), { limit: req.query.limit ?? 50, cursor: req.query.cursor }), migrationOut),
  });

  app.get('/v1/migrations/:id', {
    config: { permission: 'entitlements:read' },
    schema: {
      tags,
      operationId: 'getMigration',
      summary: 'A migration with its progress and what it changed',
      description: 'Poll this while a migration runs: `progress` goes from 0 to 1 and `result` says what changed.',
      params: IdParams,
      response: answers(200, Migration, ['NOT_FOUND']),
    },
    handler: async (req) => migrationOut(await getMigration(contextOf(services, req), req.params.id)),
  });
}
