import type { Selectable } from 'kysely';
import type { EventRecord, Page, PageRequest } from '../../../platform/domain/model.js';
import type { EventFilter, EventsPort } from '../ports.js';
import type { EventsTable } from './tables.js';
import type { RepoContext } from '../../../platform/store/context.js';
import { paginate, parseJson } from '../../../platform/store/paging.js';

/** An event row as the domain's record (the webhooks' dispatcher reads events with it too). */
export const eventFromRow = (r: Selectable<EventsTable>): EventRecord => ({
  id: r.id,
  // Only recordEvent writes events, and it takes the closed list.
  type: r.type as EventRecord['type'],
  subjectType: r.subject_type as EventRecord['subjectType'],
  subjectId: r.subject_id,
  customerId: r.customer_id,
  entitlementId: r.entitlement_id,
  productId: r.product_id,
  actor: { type: r.actor_type as EventRecord['actor']['type'], id: r.actor_id },
  requestId: r.request_id,
  before: parseJson(r.before),
  after: parseJson(r.after),
  at: r.at,
});

/** The audit log: append-only. Events are written in the transaction of the change they record. */
export class EventRepository implements EventsPort {
  constructor(private readonly ctx: RepoContext) {}

  async append(e: EventRecord): Promise<void> {
    await this.ctx.db
      .insertInto('events')
      .values({
        account_id: this.ctx.scope.accountId,
        id: e.id,
        type: e.type,
        subject_type: e.subjectType,
        subject_id: e.subjectId,
        customer_id: e.customerId,
        entitlement_id: e.entitlementId,
        product_id: e.productId,
        actor_type: e.actor.type,
        actor_id: e.actor.id,
        request_id: e.requestId,
        before: e.before === null ? null : JSON.stringify(e.before),
        after: e.after === null ? null : JSON.stringify(e.after),
        at: e.at,
      })
      .execute();
  }

  async find(id: string): Promise<EventRecord | undefined> {
    const { accountId, productId } = this.ctx.scope;
    let q = this.ctx.db.selectFrom('events').selectAll().where('account_id', '=', accountId).where('id', '=', id);
    if (productId) q = q.where('product_id', '=', productId);
    const row = await q.executeTakeFirst();
    return row ? eventFromRow(row) : undefined;
  }

  list(filter: EventFilter, page: PageRequest): Promise<Page<EventRecord>> {
    const { accountId, productId } = this.ctx.scope;
    let q = this.ctx.db.selectFrom('events').selectAll().where('account_id', '=', accountId);
    if (productId) q = q.where('product_id', '=', productId);
    if (filter.subjectId) q = q.where('subject_id', '=', filter.subjectId);
    if (filter.customerId) q = q.where('customer_id', '=', filter.customerId);
    if (filter.entitlementId) q = q.where('entitlement_id', '=', filter.entitlementId);
    if (filter.actorType) q = q.where('actor_type', '=', filter.actorType);
    if (filter.type?.endsWith('.*')) {
      const prefix = filter.type.slice(0, -1);
      // A range on the prefix instead of LIKE: no escaping, and it uses the (account, type) index.
      q = q.where('type', '>=', prefix).where('type', '<', prefix + '\uffff');
    } else if (filter.type) {
      q = q.where('type', '=', filter.type);
    }
    if (filter.from !== undefined) q = q.where('at', '>=', filter.from);
    if (filter.to !== undefined) q = q.where('at', '<', filter.to);
    return paginate(q, 'id', page, eventFromRow);
  }
}
