import type { EventQuery } from '@leasehold/contract';
import type { Context } from '../context.js';
import type { EventRecord, Page } from '../model.js';

/** The audit log with its filters; customer and entitlement filters accept external references. */
export function listEvents(ctx: Context, query: EventQuery): Promise<Page<EventRecord>> {
  return ctx.store.read(async (tx) => {
    const customerId = query.customer ? ((await tx.customers.find(query.customer))?.id ?? query.customer) : undefined;
    const entitlementId = query.entitlement ? ((await tx.entitlements.find(query.entitlement))?.id ?? query.entitlement) : undefined;
    return tx.events.list(
      {
        subjectId: query.subject,
        type: query.type,
        customerId,
        entitlementId,
        from: query.from ? Date.parse(query.from) : undefined,
        to: query.to ? Date.parse(query.to) : undefined,
      },
      { limit: query.limit ?? 50, cursor: query.cursor },
    );
  });
}
