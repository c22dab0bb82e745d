import { describe, expect, it } from 'vitest';
import { ActivityStamps } from '../../src/platform/http/services.js';
import type { Store } from '../../src/platform/store/store.js';
import type { ActivationRecord } from '../../src/platform/domain/model.js';

type Batch = Map<string, { accountId: string; at: number }>;

/** A store whose writes fail while `down` is set, as during a database outage. */
function flakyStore() {
  const written: Batch[] = [];
  const state = { down: true };
  const store = {
    touchActivations: async (batch: Batch) => {
      if (state.down) throw new Error('connect ECONNREFUSED');
      written.push(new Map(batch));
    },
  } as unknown as Store;
  return { store, written, state };
}

const activation = (id: string) => ({ id }) as ActivationRecord;

describe('batched last-seen stamps', () => {
  it('keeps a batch the database refused and writes it with the next flush, newest stamp first', async () => {
    const { store, written, state } = flakyStore();
    const stamps = new ActivityStamps(store);
    stamps.stamp('acc_1', activation('act_a'), 1_000);
    stamps.stamp('acc_1', activation('act_b'), 1_000);
    await expect(stamps.flush()).rejects.toThrow('ECONNREFUSED');
    // Seen again while the database was down: the newer time must win over the requeued one.
    stamps.stamp('acc_1', activation('act_a'), 2_000);
    state.down = false;
    await stamps.flush();
    expect(written).toHaveLength(1);
    expect(Object.fromEntries([...written[0]!].map(([id, s]) => [id, s.at]))).toEqual({ act_a: 2_000, act_b: 1_000 });
    await stamps.flush();
    expect(written).toHaveLength(1);
  });
});
