import type { Store } from '../../platform/domain/ports.js';
import type { Clock } from '../../foundation/clock.js';
import type { IdGenerator } from '../../foundation/ids.js';
import type { MasterKey } from '../../secrets/master-key.js';
import type { Context } from '../../platform/domain/context.js';
import { recordEvent } from '../events/record.js';
import { codeHash, newPartnerCode, sealCode } from './codes.js';
import type { PartnerCodeRecord } from './ports.js';

export interface GenerateDeps {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  secrets: MasterKey;
}

/**
 * Generates the codes of ordered batches in the background. A worker takes one batch's lock, then
 * writes its codes a chunk per transaction, each chunk with the next serials and the new count, so
 * a crash loses at most one uncommitted chunk and no serial is ever written twice (a unique index
 * holds that too). Returns true when it did any work.
 */
export async function generateCodes(deps: GenerateDeps, opts: { worker: string; chunk?: number; lockMs?: number }): Promise<boolean> {
  const chunk = opts.chunk ?? 1000;
  const lockMs = opts.lockMs ?? 60_000;
  // The claim looks across accounts; any account's store can run it.
  const claim = await deps.store
    .forAccount({ accountId: '', productId: null })
    .read((tx) => tx.codeBatches.claim(opts.worker, deps.clock.now(), lockMs));
  if (!claim) return false;
  const store = deps.store.forAccount({ accountId: claim.accountId, productId: null });
  try {
    for (;;) {
      const finished = await store.write(async (tx) => {
        const batch = (await tx.codeBatches.find(claim.id))!;
        if (batch.state === 'voided' || batch.state === 'ready') return true;
        const n = Math.min(chunk, batch.quantity - batch.generated);
        const codes: PartnerCodeRecord[] = [];
        for (let i = 1; i <= n; i++) {
          const code = newPartnerCode();
          codes.push({
            hash: codeHash(deps, code),
            sealed: sealCode(deps, code),
            batchId: batch.id,
            partnerId: batch.partnerId,
            serial: batch.generated + i,
            state: 'issued',
            redeemedAt: null,
            entitlementId: null,
          });
        }
        await tx.partnerCodes.insertMany(codes);
        const generated = batch.generated + n;
        const done = generated >= batch.quantity;
        await tx.codeBatches.update({
          ...batch,
          generated,
          state: done ? 'ready' : 'generating',
          finishedAt: done ? deps.clock.now() : null,
        });
        if (done) {
          const ctx: Context = { ...deps, store, actor: batch.actor as Context['actor'], requestId: batch.requestId };
          await recordEvent(tx, ctx, {
            type: 'code_batch.generated',
            subjectType: 'code_batch',
            subjectId: batch.id,
            productId: batch.productId,
            after: { generated },
          });
        }
        return done;
      });
      if (finished) return true;
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    await store.write((tx) => tx.codeBatches.release(claim.id, opts.worker));
  }
}
