/**
 * Saved reports: a custom query of the semantic model kept under a name, run over a range given
 * each time. They are views, not licensing state: no event is recorded for them (the log stays
 * the history of what happened to products, customers and devices).
 */
import type { Context } from '../../platform/domain/context.js';
import { notFound } from '../../platform/domain/errors.js';
import type { Page, PageRequest } from '../../platform/domain/model.js';
import type { Tx } from '../../platform/domain/ports.js';
import type { SavedQuery, SavedReportRecord } from './ports.js';

async function requireSaved(tx: Tx, id: string): Promise<SavedReportRecord> {
  const r = await tx.savedReports.find(id);
  if (!r) throw notFound('saved report', id);
  return r;
}

export function saveReport(ctx: Context, input: { name: string; query: SavedQuery }): Promise<SavedReportRecord> {
  return ctx.store.write(async (tx) => {
    const now = ctx.clock.now();
    const record: SavedReportRecord = {
      id: ctx.ids.next('savedReport'),
      name: input.name,
      productId: ctx.store.scope.productId,
      query: input.query,
      createdAt: now,
      updatedAt: now,
    };
    await tx.savedReports.insert(record);
    return record;
  });
}

export function getSavedReport(ctx: Context, id: string): Promise<SavedReportRecord> {
  return ctx.store.read((tx) => requireSaved(tx, id));
}

export function listSavedReports(ctx: Context, page: PageRequest): Promise<Page<SavedReportRecord>> {
  return ctx.store.read((tx) => tx.savedReports.list(page));
}

export function updateSavedReport(
  ctx: Context,
  id: string,
  patch: { name?: string | undefined; query?: SavedQuery | undefined },
): Promise<SavedReportRecord> {
  return ctx.store.write(async (tx) => {
    const current = await requireSaved(tx, id);
    const next: SavedReportRecord = {
      ...current,
      name: patch.name ?? current.name,
      query: patch.query ?? current.query,
      updatedAt: ctx.clock.now(),
    };
    await tx.savedReports.update(next);
    return next;
  });
}

export function deleteSavedReport(ctx: Context, id: string): Promise<void> {
  return ctx.store.write(async (tx) => {
    await requireSaved(tx, id);
    await tx.savedReports.delete(id);
  });
}
