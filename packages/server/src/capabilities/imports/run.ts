import type { Context } from '../../platform/domain/context.js';
import { DomainError, fromStore } from '../../platform/domain/errors.js';
import type { Tx } from '../../platform/domain/ports.js';

/** Thrown to roll a dry run's transaction back once every item has been tried in it. */
class DryRunDone extends Error {}

/** A refusal as the import reports it: a rule's DomainError, or what the store refused (a unique index). */
function refusalOf(raised: unknown): DomainError | undefined {
  return raised instanceof DomainError ? raised : fromStore(raised);
}

/**
 * Runs `apply` on each item, an import's one way: for real, each item commits in a transaction of
 * its own (then `done` hears of it) or is refused (`refuse`) and the rest go on; as a dry run,
 * every item is tried in one transaction that is rolled back at the end, so later items see what
 * earlier ones would have made, and nothing changes. Errors that are not refusals (a lost
 * database) end the import.
 */
export async function eachInTransactions<T, R>(
  ctx: Context,
  dryRun: boolean,
  items: AsyncIterable<T> | Iterable<T>,
  handlers: { apply: (tx: Tx, item: T) => Promise<R>; done: (item: T, result: R) => void; refuse: (item: T, error: DomainError) => void },
): Promise<void> {
  const { apply, done, refuse } = handlers;
  if (dryRun) {
    await ctx.store
      .write(async (tx) => {
        for await (const item of items) {
          let result: R;
          try {
            result = await apply(tx, item);
          } catch (raised) {
            const refusal = refusalOf(raised);
            if (!refusal) throw raised;
            refuse(item, refusal);
            continue;
          }
          done(item, result);
        }
        throw new DryRunDone();
      })
      .catch((error: unknown) => {
        if (!(error instanceof DryRunDone)) throw error;
      });
    return;
  }
  for await (const item of items) {
    let result: R;
    try {
      result = await ctx.store.write((tx) => apply(tx, item));
    } catch (raised) {
      const refusal = refusalOf(raised);
      if (!refusal) throw raised;
      refuse(item, refusal);
      continue;
    }
    done(item, result);
  }
}
