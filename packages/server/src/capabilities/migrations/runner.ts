import type { Clock } from '../../foundation/clock.js';
import type { IdGenerator } from '../../foundation/ids.js';
import type { MasterKey } from '../../secrets/master-key.js';
import type { Store } from '../../platform/domain/ports.js';
import type { MigrationRecord } from '../../platform/domain/model.js';
import type { Context } from '../../platform/domain/context.js';
import { DomainError, fromStore } from '../../platform/domain/errors.js';
import { recordEvent } from '../events/record.js';
import { changeOfferingIn } from '../entitlements/change-offering.js';
import { rekeyIn } from '../entitlements/rekey.js';

export interface RunnerDeps {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  secrets: MasterKey;
}

export interface RunOptions {
  worker: string;
  /** Stop taking new batches after this long (the caller calls again). */
  budgetMs?: number;
  batch?: number;
  lockMs?: number;
  /** Called after each committed batch (tests use it to crash in the middle). */
  afterBatch?: (m: MigrationRecord) => void | Promise<void>;
}

/**
 * Runs bulk migrations in the background. A worker takes one migration's lock, then moves its
 * pending items in batches: each batch is one transaction that changes the entitlements, marks
 * their items done and advances the counters — so a crash loses at most an uncommitted batch, and
 * nothing is ever done twice. A lock that is not renewed expires and another worker resumes.
 * Returns true when it did any work.
 */
export async function runMigrations(deps: RunnerDeps, options: RunOptions): Promise<boolean> {
  const lockMs = options.lockMs ?? 15_000;
  const batch = options.batch ?? 100;
  const started = deps.clock.now();
  const claim = await deps.store.claimMigration(options.worker, deps.clock.now(), lockMs);
  if (!claim) return false;
  const store = deps.store.forAccount({ accountId: claim.accountId, productId: null });
  try {
    for (;;) {
      const finished = await store.write(async (tx) => {
        const migration = (await tx.migrations.find(claim.id))!;
        const ctx: Context = { ...deps, store, actor: migration.actor as Context['actor'], requestId: migration.requestId };
        if (migration.state === 'pending') {
          migration.state = 'running';
          migration.startedAt = deps.clock.now();
        }
        const ids = await tx.migrations.pendingItems(migration.id, batch);
        if (ids.length === 0) {
          migration.state = 'completed';
          migration.finishedAt = deps.clock.now();
          migration.result['customers'] = await tx.migrations.customersMoved(migration.id);
          await tx.migrations.update(migration);
          await recordEvent(tx, ctx, {
            type: 'migration.completed',
            subjectType: 'migration',
            subjectId: migration.id,
            after: {
              done: migration.done,
              skipped: migration.skipped,
              failed: migration.failed,
              result: migration.result,
              impact: migration.impact,
            },
          });
          return migration;
        }
        for (const id of ids) await moveOne(tx, ctx, migration, id);
        await tx.migrations.update(migration);
        return null;
      });
      if (finished) return true;
      // Let waiting requests in between batches: on SQLite they share one connection, and without
      // a turn of the event loop the next batch would take it again before them.
      await new Promise((resolve) => setImmediate(resolve));
      const current = await store.read(async (tx) => (await tx.migrations.find(claim.id))!);
      await options.afterBatch?.(current);
      if (!(await deps.store.renewMigrationLock(claim.accountId, claim.id, options.worker, deps.clock.now() + lockMs))) return true;
      if (options.budgetMs !== undefined && deps.clock.now() - started > options.budgetMs) break;
    }
  } catch (error) {
    await store.write(async (tx) => {
      const m = await tx.migrations.find(claim.id);
      if (m) await tx.migrations.update({ ...m, error: error instanceof Error ? error.message : String(error) });
    });
    throw error;
  } finally {
    await deps.store.releaseMigrationLock(claim.accountId, claim.id, options.worker);
  }
  return true;
}

type Tx = Parameters<Parameters<Context['store']['write']>[0]>[0];

/** One entitlement: change its offering (and key), mark its item, count what changed. */
async function moveOne(tx: Tx, ctx: Context, m: MigrationRecord, entitlementId: string): Promise<void> {
  const now = ctx.clock.now();
  try {
    const out = await changeOfferingIn(
      tx,
      ctx,
      entitlementId,
      { offeringId: m.targetOfferingId, removeSeats: m.options.removeSeats, expectOfferingId: m.sourceOfferingId },
      { migrationId: m.id },
    );
    let rekeyed = false;
    if (m.options.rekey && m.options.rekeyGraceUntil !== null) {
      await rekeyIn(tx, ctx, (await tx.entitlements.find(entitlementId))!, m.options.rekeyGraceUntil, { migrationId: m.id });
      rekeyed = true;
    }
    await tx.migrations.finishItem(
      m.id,
      entitlementId,
      'done',
      { removedActivations: out.removedActivations.map((a) => a.id), keptOverrides: out.keptOverrides, rekeyed },
      now,
    );
    m.done++;
    m.result['entitlements'] = (m.result['entitlements'] ?? 0) + 1;
    m.result['seatsRemoved'] = (m.result['seatsRemoved'] ?? 0) + out.removedActivations.length;
    m.result['activations'] = (m.result['activations'] ?? 0) + out.liveActivations;
    m.result['overridesKept'] = (m.result['overridesKept'] ?? 0) + (out.keptOverrides.length > 0 ? 1 : 0);
    if (rekeyed) m.result['rekeyed'] = (m.result['rekeyed'] ?? 0) + 1;
  } catch (raised) {
    // A rule said no (the entitlement moved, was revoked, …): skip it and say why. Rules are
    // checked before anything is written, so the transaction is still good to continue.
    const error = fromStore(raised) ?? raised;
    if (!(error instanceof DomainError)) throw raised;
    await tx.migrations.finishItem(m.id, entitlementId, 'skipped', { code: error.code, message: error.message }, now);
    m.skipped++;
  }
}
