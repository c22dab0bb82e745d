import type { Selectable } from 'kysely';
import type { Page, PageRequest } from '../../../platform/domain/model.js';
import type { RepoContext } from '../../../platform/store/context.js';
import { paginate, parseJson } from '../../../platform/store/paging.js';
import type { WebhookEndpointRecord, WebhookEndpointsPort } from '../ports.js';
import type { WebhookEndpointsTable } from './tables.js';

export const endpointFromRow = (r: Selectable<WebhookEndpointsTable>): WebhookEndpointRecord => ({
  id: r.id,
  url: r.url,
  description: r.description,
  events: parseJson<string[]>(r.events),
  productId: r.product_id,
  enabled: r.enabled === 1,
  disabledReason: r.disabled_reason,
  secretSealed: r.secret,
  previousSecretSealed: r.previous_secret,
  previousSecretExpiresAt: r.previous_secret_expires_at,
  consecutiveFailures: r.consecutive_failures,
  parkedUntil: r.parked_until,
  failingSince: r.failing_since,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toRow = (accountId: string, e: WebhookEndpointRecord): WebhookEndpointsTable => ({
  account_id: accountId,
  id: e.id,
  url: e.url,
  description: e.description,
  events: JSON.stringify(e.events),
  product_id: e.productId,
  enabled: e.enabled ? 1 : 0,
  disabled_reason: e.disabledReason,
  secret: e.secretSealed,
  previous_secret: e.previousSecretSealed,
  previous_secret_expires_at: e.previousSecretExpiresAt,
  consecutive_failures: e.consecutiveFailures,
  parked_until: e.parkedUntil,
  failing_since: e.failingSince,
  created_at: e.createdAt,
  updated_at: e.updatedAt,
});

/** Webhook endpoints are account-wide (the permission that reaches them is account-wide too). */
export class WebhookEndpointRepository implements WebhookEndpointsPort {
  constructor(private readonly ctx: RepoContext) {}

  private get accountId(): string {
    return this.ctx.scope.accountId;
  }

  async find(id: string): Promise<WebhookEndpointRecord | undefined> {
    const row = await this.ctx.db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('account_id', '=', this.accountId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && endpointFromRow(row);
  }

  async lock(id: string): Promise<WebhookEndpointRecord | undefined> {
    const q = this.ctx.db.selectFrom('webhook_endpoints').selectAll().where('account_id', '=', this.accountId).where('id', '=', id);
    const row = await this.ctx.database.forUpdate(q).executeTakeFirst();
    return row && endpointFromRow(row);
  }

  async enabled(): Promise<WebhookEndpointRecord[]> {
    const rows = await this.ctx.db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('account_id', '=', this.accountId)
      .where('enabled', '=', 1)
      .execute();
    return rows.map(endpointFromRow);
  }

  list(page: PageRequest): Promise<Page<WebhookEndpointRecord>> {
    const q = this.ctx.db.selectFrom('webhook_endpoints').selectAll().where('account_id', '=', this.accountId);
    return paginate(q, 'id', page, endpointFromRow);
  }

  async insert(e: WebhookEndpointRecord): Promise<void> {
    await this.ctx.db.insertInto('webhook_endpoints').values(toRow(this.accountId, e)).execute();
  }

  async update(e: WebhookEndpointRecord): Promise<void> {
    const { account_id: _a, id: _i, created_at: _c, ...fields } = toRow(this.accountId, e);
    await this.ctx.db
      .updateTable('webhook_endpoints')
      .set(fields)
      .where('account_id', '=', this.accountId)
      .where('id', '=', e.id)
      .execute();
  }

  async delete(id: string): Promise<void> {
    const db = this.ctx.db;
    const deliveries = db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('account_id', '=', this.accountId)
      .where('endpoint_id', '=', id);
    await db.deleteFrom('webhook_attempts').where('account_id', '=', this.accountId).where('delivery_id', 'in', deliveries).execute();
    await db.deleteFrom('webhook_deliveries').where('account_id', '=', this.accountId).where('endpoint_id', '=', id).execute();
    await db.deleteFrom('webhook_endpoints').where('account_id', '=', this.accountId).where('id', '=', id).execute();
  }

  async backlogs(ids: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>(ids.map((id) => [id, 0]));
    if (ids.length === 0) return out;
    const rows = await this.ctx.db
      .selectFrom('webhook_deliveries')
      .select(['endpoint_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('account_id', '=', this.accountId)
      .where('endpoint_id', 'in', ids)
      .where('status', 'in', ['pending', 'sending'])
      .groupBy('endpoint_id')
      .execute();
    for (const r of rows) out.set(r.endpoint_id, Number(r.n));
    return out;
  }
}
