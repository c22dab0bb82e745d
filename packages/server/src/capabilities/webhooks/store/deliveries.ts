import { sql, type Selectable } from 'kysely';
import type { EventRecord, Page, PageRequest } from '../../../platform/domain/model.js';
import type { RepoContext } from '../../../platform/store/context.js';
import { paginate } from '../../../platform/store/paging.js';
import type {
  AttemptOutcome,
  AttemptResult,
  DeliveryStatus,
  NewDelivery,
  WebhookAttemptRecord,
  WebhookDeliveriesPort,
  WebhookDeliveryRecord,
} from '../ports.js';
import type { WebhookAttemptsTable, WebhookDeliveriesTable } from './tables.js';
import { eventFromRow } from '../../events/store/events.js';

const attemptFromRow = (r: Selectable<WebhookAttemptsTable>): WebhookAttemptRecord => ({
  n: r.n,
  at: r.at,
  status: r.status,
  error: r.error,
  excerpt: r.excerpt,
  durationMs: r.duration_ms,
});

const deliveryFromRow = (r: Selectable<WebhookDeliveriesTable>, attempts: WebhookAttemptRecord[] = []): WebhookDeliveryRecord => ({
  id: r.id,
  endpointId: r.endpoint_id,
  eventId: r.event_id,
  eventType: r.event_type,
  subjectId: r.subject_id,
  seq: r.seq,
  status: r.status as DeliveryStatus,
  attempts: r.attempts,
  nextAt: r.status === 'pending' ? r.next_at : null,
  createdAt: r.created_at,
  deliveredAt: r.delivered_at,
  attemptLog: attempts,
});

/** The outbox rows of one account: one per event and endpoint, written in the event's transaction. */
export class WebhookDeliveryRepository implements WebhookDeliveriesPort {
  constructor(private readonly ctx: RepoContext) {}

  private get accountId(): string {
    return this.ctx.scope.accountId;
  }

  async enqueue(d: NewDelivery): Promise<void> {
    const { accountId } = this;
    // The next number among this subject's deliveries to this endpoint (see ports.ts on order).
    const seq = this.ctx.db
      .selectFrom('webhook_deliveries')
      .select(sql<number>`coalesce(max(seq), 0) + 1`.as('next'))
      .where('account_id', '=', accountId)
      .where('endpoint_id', '=', d.endpointId)
      .where('subject_id', '=', d.event.subjectId);
    await this.ctx.db
      .insertInto('webhook_deliveries')
      .values({
        account_id: accountId,
        id: d.id,
        endpoint_id: d.endpointId,
        event_id: d.event.id,
        event_type: d.event.type,
        subject_id: d.event.subjectId,
        seq,
        status: 'pending',
        attempts: 0,
        next_at: d.now,
        claimed_by: null,
        claimed_until: null,
        created_at: d.now,
        queued_at: d.now,
        updated_at: d.now,
        delivered_at: null,
      })
      .execute();
  }

  async find(id: string): Promise<WebhookDeliveryRecord | undefined> {
    const row = await this.ctx.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('account_id', '=', this.accountId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    return deliveryFromRow(row, (await this.attempts([id])).get(id));
  }

  async list(endpointId: string, status: DeliveryStatus | undefined, page: PageRequest): Promise<Page<WebhookDeliveryRecord>> {
    let q = this.ctx.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('account_id', '=', this.accountId)
      .where('endpoint_id', '=', endpointId);
    if (status) q = q.where('status', '=', status);
    const rows = await paginate(q, 'id', page, (r) => r);
    const attempts = await this.attempts(rows.items.map((r) => r.id));
    return { items: rows.items.map((r) => deliveryFromRow(r, attempts.get(r.id))), next: rows.next };
  }

  private async attempts(ids: string[]): Promise<Map<string, WebhookAttemptRecord[]>> {
    const out = new Map<string, WebhookAttemptRecord[]>();
    if (ids.length === 0) return out;
    const rows = await this.ctx.db
      .selectFrom('webhook_attempts')
      .selectAll()
      .where('account_id', '=', this.accountId)
      .where('delivery_id', 'in', ids)
      .orderBy('n')
      .execute();
    for (const r of rows) out.set(r.delivery_id, [...(out.get(r.delivery_id) ?? []), attemptFromRow(r)]);
    return out;
  }

  async requeue(id: string, now: number): Promise<void> {
    const db = this.ctx.db;
    await db.deleteFrom('webhook_attempts').where('account_id', '=', this.accountId).where('delivery_id', '=', id).execute();
    await db
      .updateTable('webhook_deliveries')
      .set({
        status: 'pending',
        attempts: 0,
        next_at: now,
        queued_at: now,
        updated_at: now,
        claimed_by: null,
        claimed_until: null,
        delivered_at: null,
      })
      .where('account_id', '=', this.accountId)
      .where('id', '=', id)
      .execute();
  }

  async logAttempt(deliveryId: string, n: number, r: AttemptResult): Promise<void> {
    await this.ctx.db
      .insertInto('webhook_attempts')
      .values({
        account_id: this.accountId,
        delivery_id: deliveryId,
        n,
        at: r.at,
        status: r.status,
        error: r.error,
        excerpt: r.excerpt,
        duration_ms: r.durationMs,
      })
      .onConflict((oc) => oc.columns(['account_id', 'delivery_id', 'n']).doNothing())
      .execute();
  }

  async heldBy(deliveryId: string, worker: string, n: number): Promise<{ queuedAt: number } | undefined> {
    const q = this.ctx.db
      .selectFrom('webhook_deliveries')
      .select(['queued_at'])
      .where('account_id', '=', this.accountId)
      .where('id', '=', deliveryId)
      .where('status', '=', 'sending')
      .where('claimed_by', '=', worker)
      .where('attempts', '=', n);
    const row = await this.ctx.database.forUpdate(q).executeTakeFirst();
    return row && { queuedAt: row.queued_at };
  }

  async settle(deliveryId: string, o: AttemptOutcome['delivery'], now: number): Promise<void> {
    await this.ctx.db
      .updateTable('webhook_deliveries')
      .set({ status: o.status, next_at: o.nextAt, delivered_at: o.deliveredAt, claimed_by: null, claimed_until: null, updated_at: now })
      .where('account_id', '=', this.accountId)
      .where('id', '=', deliveryId)
      .execute();
  }

  async eventsBetween(from: number, to: number, limit: number): Promise<EventRecord[]> {
    const rows = await this.ctx.db
      .selectFrom('events')
      .selectAll()
      .where('account_id', '=', this.accountId)
      .where('at', '>=', from)
      .where('at', '<', to)
      .orderBy('at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(eventFromRow);
  }
}
