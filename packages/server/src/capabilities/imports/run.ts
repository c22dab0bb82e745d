import type { Context } from '../../platform/domain/context.js';
import { DomainError, fromStore } from '../../platform/domain/errors.js';
import type { Tx } from '../../platform/domain/ports.js';

/** Thrown to roll a dry run's transaction back once every item has been tried in it. */
class DryRunDone extends Error {}

/** A refusal as the import reports it: a rule's DomainError, or what the store refused (a unique index). */
function refusalOf(raised: unknown): DomainError | undefined {
  return raised instanceof DomainError ? raised : fromStore(raised);
}

/** Rows per transaction when nothing is refused: one commit (one fsync) per chunk, not per row. */
const CHUNK = 100;

export interface EachHandlers<T, R> {
  apply: (tx: Tx, item: T) => Promise<R>;
  /** The item's outcome, once its transaction committed (or, in a dry run, once tried). */
  done: (item: T, result: R) => void;
  refuse: (item: T, error: DomainError) => void;
  /** The items of a chunk that was rolled back to be run again one by one. */
  rolledBack?: (items: readonly T[]) => void;
}

/**
 * Runs `apply` on each item, an import's one way: for real, each item commits or is refused on its
 * own (`refuse`) and the rest go on; as a dry run, every item is tried in one transaction that is
 * rolled back at the end, so later items see what earlier ones would have made, and nothing
 * changes. Errors that are not refusals (a lost database) end the import.
 *
 * For speed the items go in chunks, one transaction each; a chunk in which one item is refused is
 * rolled back whole and run again an item per transaction, so an item is applied entirely or not
 * at all and never depends on the luck of its neighbours.
 */
export async function eachInTransactions<T, R>(
  ctx: Context,
  dryRun: boolean,
  items: AsyncIterable<T> | Iterable<T>,
  handlers: EachHandlers<T, R>,
): Promise<void> {
  const { apply, done, refuse } = handlers;
  if (dryRun) {
    const it = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
    // A refusal by the database itself (a unique index) ends PostgreSQL's transaction: the dry run
    // goes on in a new one (what the earlier rows would have made is then not seen by later ones).
    for (let again = true; again;) {
      again = false;
      await ctx.store
        .write(async (tx) => {
          for (let next = await it.next(); !next.done; next = await it.next()) {
            const item = next.value;
            let result: R;
            try {
              result = await apply(tx, item);
            } catch (raised) {
              if (raised instanceof DomainError) {
                refuse(item, raised);
                continue;
              }
              const refusal = fromStore(raised);
              if (!refusal) throw raised;
              refuse(item, refusal);
              again = true;
              break;
            }
            done(item, result);
          }
          throw new DryRunDone();
        })
        .catch((error: unknown) => {
          if (!(error instanceof DryRunDone)) throw error;
        });
    }
    return;
  }
  const one = async (item: T) => {
    let result: R;
    try {
      result = await ctx.store.write((tx) => apply(tx, item));
    } catch (raised) {
      const refusal = refusalOf(raised);
      if (!refusal) throw raised;
      refuse(item, refusal);
      return;
    }
    done(item, result);
  };
  // Items are gathered before the chunk's transaction opens: none is held while the file is read.
  const run = async (chunk: T[]) => {
    let results: R[];
    try {
      results = await ctx.store.write(async (tx) => {
        const out: R[] = [];
        for (const item of chunk) out.push(await apply(tx, item));
        return out;
      });
    } catch (raised) {
      if (!refusalOf(raised)) throw raised;
      handlers.rolledBack?.(chunk);
      for (const item of chunk) await one(item);
      return;
    }
    chunk.forEach((item, i) => done(item, results[i]!));
  };
  let chunk: T[] = [];
  for await (const item of items) {
    chunk.push(item);
    if (chunk.length >= CHUNK) {
      await run(chunk);
      chunk = [];
    }
  }
  if (chunk.length > 0) await run(chunk);
}
