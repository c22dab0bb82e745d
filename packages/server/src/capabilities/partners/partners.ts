import type { PartnerCreate, PartnerPatch } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import { DomainError, fromStore, notFound } from '../../platform/domain/errors.js';
import type { Page, PageRequest } from '../../platform/domain/model.js';
import type { Tx } from '../../platform/domain/ports.js';
import { recordEvent } from '../events/record.js';
import type { CodeCounts, PartnerRecord } from './ports.js';

/** A partner with what it sold: codes issued, redeemed, voided and outstanding. */
export interface PartnerView {
  record: PartnerRecord;
  stats: CodeCounts & { outstanding: number };
}

export const withOutstanding = (c: CodeCounts) => ({ ...c, outstanding: c.issued - c.redeemed - c.voided });

export async function requirePartner(tx: Tx, ref: string): Promise<PartnerRecord> {
  const p = await tx.partners.find(ref);
  if (!p) throw notFound('partner', ref);
  return p;
}

async function viewOf(tx: Tx, record: PartnerRecord): Promise<PartnerView> {
  return { record, stats: withOutstanding(await tx.partnerCodes.counts({ partnerId: record.id })) };
}

/** A clash on externalRef, said in the API's words. */
async function uniquePartner<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const refusal = fromStore(error);
    if (refusal?.code === 'DUPLICATE_EXTERNAL_REF' || (error instanceof Error && error.name === 'StoreConflict')) {
      throw new DomainError('DUPLICATE_EXTERNAL_REF', 'A partner with this externalRef already exists.', { field: 'externalRef' });
    }
    throw error;
  }
}

export function createPartner(ctx: Context, input: PartnerCreate): Promise<PartnerView> {
  return uniquePartner(() =>
    ctx.store.write(async (tx) => {
      const now = ctx.clock.now();
      const record: PartnerRecord = {
        id: ctx.ids.next('partner'),
        name: input.name,
        kind: input.kind ?? 'reseller',
        email: input.email ?? null,
        externalRef: input.externalRef ?? null,
        metadata: input.metadata ?? {},
        createdAt: now,
        updatedAt: now,
      };
      await tx.partners.insert(record);
      await recordEvent(tx, ctx, { type: 'partner.created', subjectType: 'partner', subjectId: record.id, after: record });
      return viewOf(tx, record);
    }),
  );
}

export function getPartner(ctx: Context, ref: string): Promise<PartnerView> {
  return ctx.store.read(async (tx) => viewOf(tx, await requirePartner(tx, ref)));
}

export function listPartners(ctx: Context, page: PageRequest): Promise<Page<PartnerView>> {
  return ctx.store.read(async (tx) => {
    const found = await tx.partners.list(page);
    const items: PartnerView[] = [];
    for (const p of found.items) items.push(await viewOf(tx, p));
    return { items, next: found.next };
  });
}

export function updatePartner(ctx: Context, ref: string, patch: PartnerPatch): Promise<PartnerView> {
  return uniquePartner(() =>
    ctx.store.write(async (tx) => {
      const before = await requirePartner(tx, ref);
      const after: PartnerRecord = {
        ...before,
        ...(patch.name === undefined ? {} : { name: patch.name }),
        ...(patch.kind === undefined ? {} : { kind: patch.kind }),
        ...(patch.email === undefined ? {} : { email: patch.email }),
        ...(patch.externalRef === undefined ? {} : { externalRef: patch.externalRef }),
        ...(patch.metadata === undefined ? {} : { metadata: patch.metadata }),
        updatedAt: ctx.clock.now(),
      };
      await tx.partners.update(after);
      await recordEvent(tx, ctx, { type: 'partner.updated', subjectType: 'partner', subjectId: after.id, before, after });
      return viewOf(tx, after);
    }),
  );
}

/** Only a partner that was never issued a code may go: codes in circulation name it. */
export function deletePartner(ctx: Context, ref: string): Promise<void> {
  return ctx.store.write(async (tx) => {
    const p = await requirePartner(tx, ref);
    const batches = await tx.codeBatches.list({ partnerId: p.id }, { limit: 1 });
    if (batches.items.length > 0) {
      throw new DomainError('IN_USE', 'The partner has code batches: void them instead; the partner stays on record.', { partnerId: p.id });
    }
    await tx.partners.delete(p.id);
    await recordEvent(tx, ctx, { type: 'partner.deleted', subjectType: 'partner', subjectId: p.id, before: p });
  });
}
