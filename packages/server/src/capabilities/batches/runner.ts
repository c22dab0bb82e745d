import type { Clock } from '../../foundation/clock.js';
import type { IdGenerator } from '../../foundation/ids.js';
import type { MasterKey } from '../../secrets/master-key.js';
import type { Store, Tx } from '../../platform/domain/ports.js';
import type { Context } from '../../platform/domain/context.js';
import { DomainError, fromStore } from '../../platform/domain/errors.js';
import { recordEvent } from '../events/record.js';
import { activateIn } from '../licensing/activations/activate.js';
import { endByVendor } from '../licensing/activations/vendor.js';
import { rehostIn } from './rehost.js';
import type { ClientContext } from '../licensing/activations/license.js';
import type { Keyring } from '../licensing/leases/keyring.js';
import type { ActivationBatchRecord, BatchItemRecord } from './ports.js';

export interface BatchRunnerDeps {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  secrets: MasterKey;
  keyring: Keyring;
}

export interface BatchRunOptions {
  worker: string;
  /** Devices per transaction. */
  chunk?: number;
  lockMs?: number;
  /** Stop taking new chunks after this long (the caller calls again). */
  budgetMs?: number;
  /** Called after each committed chunk (tests use it to stop in the middle). */
  afterChunk?: (b: ActivationBatchRecord) => void | Promise<void>;
}

/**
 * Works through activation batches in the background, as bulk migrations do: a worker takes one
 * batch's lock, then handles its pending devices a chunk per transaction — each device's
 * activation, its item's outcome and the batch's counters commit together, so a crash (a SIGKILL)
 * loses at most the chunk in flight and no device is ever handled twice. A lock that is not
 * renewed runs out and another worker resumes. Returns true when it did any work.
 */
export async function runActivationBatches(deps: BatchRunnerDeps, options: BatchRunOptions): Promise<boolean> {
  const lockMs = options.lockMs ?? 15_000;
  const chunk = options.chunk ?? 100;
  const started = deps.clock.now();
  // The claim looks across accounts; any account's store can run it.
  const claim = await deps.store
    .forAccount({ accountId: '', productId: null })
    .read((tx) => tx.activationBatches.claim(options.worker, deps.clock.now(), lockMs));
  if (!claim) return false;
  const store = deps.store.forAccount({ accountId: claim.accountId, productId: null });
  try {
    for (;;) {
      const batch = await store.write(async (tx) => {
        const b = (await tx.activationBatches.find(claim.id))!;
        const ctx: ClientContext = {
          ...deps,
          store,
          actor: b.actor as Context['actor'],
          requestId: b.requestId,
          entitlementId: b.entitlementId,
        };
        if (b.state === 'pending') {
          b.state = 'running';
          b.startedAt = deps.clock.now();
        }
        const items = await tx.activationBatches.pendingItems(b.id, chunk);
        for (const item of items) {
          const outcome = await handle(tx, ctx, b, item);
          if (await tx.activationBatches.finishItem(b.id, outcome)) count(b, outcome);
        }
        if (items.length < chunk) {
          b.state = 'completed';
          b.finishedAt = deps.clock.now();
          await recordEvent(tx, ctx, {
            type: 'activation_batch.completed',
            subjectType: 'activation_batch',
            subjectId: b.id,
            entitlementId: b.entitlementId,
            productId: b.productId,
            after: { total: b.total, results: b.results, refusals: b.refusals },
          });
        }
        await tx.activationBatches.update(b);
        return b;
      });
      if (batch.state === 'completed') return true;
      // Let waiting requests in between chunks: on SQLite they share one connection.
      await new Promise((resolve) => setImmediate(resolve));
      await options.afterChunk?.(batch);
      const renewed = await store.write((tx) => tx.activationBatches.renew(claim.id, options.worker, deps.clock.now() + lockMs));
      if (!renewed) return true;
      if (options.budgetMs !== undefined && deps.clock.now() - started > options.budgetMs) break;
    }
  } catch (error) {
    await store.write(async (tx) => {
      const b = await tx.activationBatches.find(claim.id);
      if (b) await tx.activationBatches.update({ ...b, error: error instanceof Error ? error.message : String(error) });
    });
    throw error;
  } finally {
    await store.write((tx) => tx.activationBatches.release(claim.id, options.worker));
  }
  return true;
}

/**
 * One device: activated as the client API would (the same seat and rule checks, a lease for the
 * offline bundle) or deactivated for the vendor. A rule that says no is the device's outcome, not
 * the batch's failure: rules are checked before anything is written, so the chunk goes on.
 */
async function handle(tx: Tx, ctx: ClientContext, b: ActivationBatchRecord, item: BatchItemRecord): Promise<BatchItemRecord> {
  try {
    if (b.action === 'deactivate') {
      const live = await tx.activations.findLive(b.entitlementId, item.device.fingerprint);
      if (!live) return { ...item, outcome: 'not_active' };
      await endByVendor(tx, ctx, live);
      return { ...item, outcome: 'deactivated', activationId: live.id };
    }
    if (b.action === 'rehost') {
      const { replaces, ...device } = item.device;
      const out = await rehostIn(tx, ctx, replaces!, { ...device, meta: { activationBatchId: b.id, replaces: replaces! } });
      return { ...item, outcome: 'rehosted', activationId: out.activation.id, lease: out.lease.token };
    }
    const out = await activateIn(tx, ctx, { ...item.device, meta: { activationBatchId: b.id } }, { offline: true });
    return {
      ...item,
      outcome: out.created ? 'activated' : 'already_active',
      activationId: out.activation.id,
      lease: out.lease.token,
    };
  } catch (raised) {
    const error = fromStore(raised) ?? raised;
    if (!(error instanceof DomainError)) throw raised;
    return { ...item, outcome: 'refused', code: error.code, message: error.message };
  }
}

function count(b: ActivationBatchRecord, item: BatchItemRecord): void {
  b.done++;
  const r = b.results;
  if (item.outcome === 'activated') r.activated++;
  else if (item.outcome === 'already_active') r.alreadyActive++;
  else if (item.outcome === 'deactivated') r.deactivated++;
  else if (item.outcome === 'not_active') r.notActive++;
  else if (item.outcome === 'rehosted') r.rehosted = (r.rehosted ?? 0) + 1;
  else if (item.outcome === 'refused') {
    r.refused++;
    b.refusals[item.code!] = (b.refusals[item.code!] ?? 0) + 1;
  }
}
