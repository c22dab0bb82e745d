import type { SelectQueryBuilder } from 'kysely';
import { StoreConflict } from './conflicts.js';
import type { Page, PageRequest } from '../domain/model.js';

/** Cursors are opaque to clients: base64url of the last id seen. */
export function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[a-z]+_[0-9a-z]{26}$/.test(id)) {
    throw new StoreConflict('bad_cursor', 'page', 'cursor');
  }
  return id;
}

/**
 * Keyset pagination, newest first: ids are time-ordered, so `id < cursor ORDER BY id DESC` walks
 * back through creation order with an index seek per page, however deep the page.
 */
export async function paginate<DB, TB extends keyof DB, O extends { id: string }, T>(
  qb: SelectQueryBuilder<DB, TB, O>,
  idColumn: string,
  page: PageRequest,
  map: (row: O) => T,
): Promise<Page<T>> {
  // Kysely cannot type a dynamic column reference here; the column name comes from this file's callers.
  let q = qb as unknown as SelectQueryBuilder<any, any, O>; // eslint-disable-line @typescript-eslint/no-explicit-any
  if (page.cursor) q = q.where(idColumn, '<', decodeCursor(page.cursor));
  const rows = await q
    .orderBy(idColumn, 'desc')
    .limit(page.limit + 1)
    .execute();
  const more = rows.length > page.limit;
  const items = (more ? rows.slice(0, page.limit) : rows).map(map);
  const last = more ? rows[page.limit - 1] : undefined;
  return { items, next: last ? encodeCursor(last.id) : null };
}

export function parseJson<T>(text: string | null): T {
  return (text === null ? null : JSON.parse(text)) as T;
}
