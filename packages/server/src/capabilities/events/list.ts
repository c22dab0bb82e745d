import type { EventQuery } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import type { EventRecord, Page } from '../../platform/domain/model.js';
import type { Tx } from '../../platform/domain/ports.js';
import { timeFrom } from '../../platform/domain/dates.js';

const ID_SHAPE = /^[a-z]+_[0-9a-z]{26}$/;

/** A subject named by code or external reference, as API.md allows anywhere an id is. */
async function subjectId(tx: Tx, ref: string): Promise<string> {
  if (ID_SHAPE.test(ref)) return ref;
  const found =
    (await tx.entitlements.find(ref)) ?? (await tx.customers.find(ref)) ?? (await tx.offerings.find(ref)) ?? (await tx.products.find(ref));
  return found?.id ?? ref;
}

/** The audit log with its filters; customer and entitlement filters accept external references. */
export function listEvents(ctx: Context, query: EventQuery): Promise<Page<EventRecord>> {
  return ctx.store.read(async (tx) => {
    const customerId = query.customer ? ((await tx.customers.find(query.customer))?.id ?? query.customer) : undefined;
    const entitlementId = query.entitlement ? ((await tx.entitlements.find(query.entitlement))?.id ?? query.entitlement) : undefined;
    return tx.events.list(
      {
        subjectId: query.subject ? await subjectId(tx, query.subject) : undefined,
        type: query.type,
        customerId,
        entitlementId,
        from: query.from ? timeFrom('from', query.from) : undefined,
        to: query.to ? timeFrom('to', query.to) : undefined,
      },
      { limit: query.limit ?? 50, cursor: query.cursor },
    );
  });
}

/** Every matching event, page after page, for exports (bounded so one request cannot run forever). */
export async function* allEvents(ctx: Context, query: Omit<EventQuery, 'limit' | 'cursor'>, max: number): AsyncGenerator<EventRecord> {
  let cursor: string | undefined;
  let sent = 0;
  do {
    const page = await listEvents(ctx, { ...query, limit: 500, cursor });
    for (const event of page.items) {
      if (sent++ >= max) return;
      yield event;
    }
    cursor = page.next ?? undefined;
  } while (cursor);
}
