import type { Kysely } from 'kysely';
import type { Database } from '../database.js';
import type { DB } from '../schema.js';
import type { Scope } from '../scope.js';
import { DomainError } from '../../domain/errors.js';

/** What every repository method closes over: the connection or transaction, the dialect, the scope. */
export interface RepoContext {
  db: Kysely<DB>;
  database: Database;
  scope: Scope;
}

/** Runs a write and turns a unique-constraint failure into the domain's conflict error. */
export async function uniquely<T>(ctx: RepoContext, write: () => Promise<T>, conflict: () => DomainError): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (ctx.database.isUniqueViolation(error)) throw conflict();
    throw error;
  }
}
