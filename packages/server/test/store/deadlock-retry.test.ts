import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';

/**
 * Two transactions that lock the same rows in opposite orders deadlock on PostgreSQL, and the
 * database rolls one back. The store runs that one again instead of letting a request answer 500
 * (a bench of refreshes across two cluster workers hit exactly this). SQLite has one writer at a
 * time and never deadlocks.
 */
const kinds = (await storeKinds()).filter((k) => k === 'postgres');

describe.skipIf(kinds.length === 0)('a write the database rolled back to break a deadlock', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('postgres');
  });
  afterAll(() => h.close());

  it('is run again, so both transactions commit and each ran its body to the end once', async () => {
    const a = (await h.call('POST', '/v1/customers', { name: 'Lock A' })).body.id as string;
    const b = (await h.call('POST', '/v1/customers', { name: 'Lock B' })).body.id as string;
    const store = h.services.store.forAccount({ accountId: h.accountId, productId: null });
    // Each holds its first lock until the other has taken its own, then asks for the other's.
    let held = 0;
    let bothHeld: () => void = () => {};
    const barrier = new Promise<void>((resolve) => (bothHeld = resolve));
    const attempts = { ab: 0, ba: 0 };
    const finished: string[] = [];
    const crossing = (first: string, second: string, name: 'ab' | 'ba') =>
      store.write(async (tx) => {
        attempts[name]++;
        await tx.customers.lock(first);
        if (attempts[name] === 1 && ++held === 2) bothHeld();
        if (attempts[name] === 1) await barrier;
        await tx.customers.lock(second);
        finished.push(name);
        return name;
      });
    const results = await Promise.all([crossing(a, b, 'ab'), crossing(b, a, 'ba')]);
    expect(results).toEqual(['ab', 'ba']);
    expect(finished.sort()).toEqual(['ab', 'ba']);
    // Exactly one of them was chosen as the deadlock's victim and ran a second time.
    expect(attempts.ab + attempts.ba).toBe(3);
  });

  it('a write that fails for any other reason is not run again', async () => {
    const store = h.services.store.forAccount({ accountId: h.accountId, productId: null });
    let runs = 0;
    await expect(
      store.write(async () => {
        runs++;
        throw new Error('not a deadlock');
      }),
    ).rejects.toThrow('not a deadlock');
    expect(runs).toBe(1);
  });
});
