import type { Kysely } from 'kysely';
import type { Database } from './database.js';
import type { DB } from './schema.js';
import type { Scope } from '../domain/ports.js';
import { StoreConflict } from './conflicts.js';
import type { ChangeKind, ChangeSet } from './changes.js';

/** What every repository method closes over: the connection or transaction, the dialect, the scope. */
export interface RepoContext {
  db: Kysely<DB>;
  database: Database;
  scope: Scope;
  /** Where writes report what they changed (see store/changes.ts). */
  changes: ChangeSet;
}

/** Reports a change to the rows licenses are made of, for the caches of every server process. */
export function changed(ctx: RepoContext, kind: ChangeKind, id: string): void {
  ctx.changes.add(ctx.scope.accountId, kind, id);
}

/** Runs a write and turns a unique-constraint failure into the store's conflict. */
export async function uniquely<T>(ctx: RepoContext, write: () => Promise<T>, conflict: () => StoreConflict): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (ctx.database.isUniqueViolation(error)) throw conflict();
    throw error;
  }
}
