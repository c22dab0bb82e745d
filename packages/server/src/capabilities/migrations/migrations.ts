import { formatTimestamp } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import { notFound } from '../../platform/domain/errors.js';
import type { Page, PageRequest } from '../../platform/domain/model.js';
import { recordEvent } from '../events/record.js';
import { measureImpact, resolveMigration, type Impact, type ImpactSamples, type MigrationSelection } from './plan.js';
import { later } from '../../platform/domain/dates.js';
import type { MigrationRecord } from '../../platform/domain/model.js';

export interface MigrationRequest {
  sourceOfferingId: string;
  targetOfferingId: string;
  select?: MigrationSelection;
  removeSeats?: boolean;
  rekey?: boolean;
  rekeyGraceUntil?: number;
  dryRun?: boolean;
}

export type MigrationAnswer =
  { dryRun: true; impact: Impact; samples: ImpactSamples } | { dryRun: false; migration: MigrationRecord; samples: ImpactSamples };

/** Old keys of a re-keyed entitlement keep working this long unless the request says otherwise. */
const DEFAULT_REKEY_GRACE = 'P30D';

/**
 * A bulk move of entitlements from one offering to another. The dry run measures the impact and
 * changes nothing; the real run measures the same set, fixes it as the migration's items, and
 * leaves the work to the background runner.
 */
export function createMigration(ctx: Context, request: MigrationRequest): Promise<MigrationAnswer> {
  const selection = request.select ?? {};
  const removeSeats = request.removeSeats ?? false;
  const run = async (tx: Parameters<Parameters<typeof ctx.store.write>[0]>[0]): Promise<MigrationAnswer> => {
    const resolved = await resolveMigration(tx, request.sourceOfferingId, request.targetOfferingId, selection);
    const { impact, samples, ids } = await measureImpact(tx, ctx, resolved, selection, removeSeats);
    if (request.dryRun) return { dryRun: true, impact, samples };
    const now = ctx.clock.now();
    const migration: MigrationRecord = {
      id: ctx.ids.next('migration'),
      sourceOfferingId: resolved.source.id,
      targetOfferingId: resolved.target.id,
      selection: { ...selection, ...(resolved.customerIds ? { customers: resolved.customerIds } : {}) },
      options: {
        removeSeats,
        rekey: request.rekey ?? false,
        rekeyGraceUntil: request.rekey ? (request.rekeyGraceUntil ?? later('rekeyGraceUntil', now, DEFAULT_REKEY_GRACE)) : null,
      },
      state: ids.length === 0 ? 'completed' : 'pending',
      impact: { ...impact },
      result: { entitlements: 0, customers: 0, activations: 0, seatsRemoved: 0, overridesKept: 0, rekeyed: 0 },
      total: ids.length,
      done: 0,
      failed: 0,
      skipped: 0,
      actor: ctx.actor,
      requestId: ctx.requestId,
      error: null,
      createdAt: now,
      startedAt: null,
      finishedAt: ids.length === 0 ? now : null,
    };
    await tx.migrations.insert(migration, ids);
    await recordEvent(tx, ctx, {
      type: 'migration.created',
      subjectType: 'migration',
      subjectId: migration.id,
      productId: resolved.target.productId,
      after: {
        sourceOfferingId: migration.sourceOfferingId,
        targetOfferingId: migration.targetOfferingId,
        total: migration.total,
        impact,
        options: {
          ...migration.options,
          rekeyGraceUntil: migration.options.rekeyGraceUntil === null ? null : formatTimestamp(migration.options.rekeyGraceUntil),
        },
      },
    });
    return { dryRun: false, migration, samples };
  };
  return request.dryRun ? ctx.store.read(run) : ctx.store.write(run);
}

export function getMigration(ctx: Context, id: string): Promise<MigrationRecord> {
  return ctx.store.read(async (tx) => {
    const m = await tx.migrations.find(id);
    if (!m) throw notFound('migration', id);
    return m;
  });
}

export function listMigrations(ctx: Context, page: PageRequest): Promise<Page<MigrationRecord>> {
  return ctx.store.read((tx) => tx.migrations.list(page));
}
