import type { Clock } from '../../../foundation/clock.js';
import type { IdGenerator } from '../../../foundation/ids.js';
import type { MasterKey } from '../../../secrets/master-key.js';
import type { Store } from '../../../platform/domain/ports.js';
import { recordEvent } from '../../events/record.js';

/**
 * Frees floating and ephemeral seats whose heartbeats stopped, so the console shows them released
 * and the seats are free even before anyone else activates. Safe to run in every process at once:
 * each release is a conditional update that only one of them wins.
 */
export async function releaseDeadSeats(
  deps: { store: Store; clock: Clock; ids: IdGenerator; secrets: MasterKey },
  batch = 500,
): Promise<number> {
  const now = deps.clock.now();
  let released = 0;
  for (const { accountId, activation } of await deps.store.deadSeats(now, batch)) {
    const store = deps.store.forAccount({ accountId, productId: null });
    const ctx = { ...deps, store, actor: { type: 'system' as const, id: 'sweeper' }, requestId: null };
    // Counted once it committed: a write may be run again (see AccountStore.write).
    const won = await store.write(async (tx) => {
      if (!(await tx.activations.releaseIfDead(activation, now))) return false;
      await recordEvent(tx, ctx, {
        type: 'activation.released',
        subjectType: 'activation',
        subjectId: activation.id,
        entitlementId: activation.entitlementId,
        customerId: activation.customerId,
        productId: activation.productId,
        before: { state: 'active' },
        after: { state: 'released', reason: 'heartbeat_missed' },
      });
      return true;
    });
    if (won) released++;
  }
  return released;
}
