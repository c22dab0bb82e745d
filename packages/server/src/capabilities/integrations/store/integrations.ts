import type { Selectable } from 'kysely';
import type { InboundOutcome, IntegrationProvider } from '@leasehold/contract';
import type { Page, PageRequest } from '../../../platform/domain/model.js';
import { StoreConflict } from '../../../platform/store/conflicts.js';
import { uniquely, type RepoContext } from '../../../platform/store/context.js';
import { paginate, parseJson } from '../../../platform/store/paging.js';
import type { InboundEventRecord, IntegrationRecord, IntegrationSettings, IntegrationsPort, SubscriptionLink } from '../ports.js';
import type { IntegrationEventsTable } from './tables.js';

const eventFromRow = (r: Selectable<IntegrationEventsTable>): InboundEventRecord => ({
  id: r.id,
  provider: r.provider as IntegrationProvider,
  eventId: r.event_id,
  type: r.type,
  subject: r.subject,
  entitlementId: r.entitlement_id,
  outcome: r.outcome as InboundOutcome,
  detail: r.detail,
  occurredAt: r.occurred_at,
  receivedAt: r.received_at,
});

/** An account's integrations: settings, the events received, and the subscriptions they drive. */
export class IntegrationRepository implements IntegrationsPort {
  constructor(private readonly ctx: RepoContext) {}

  private get account() {
    return this.ctx.scope.accountId;
  }

  async find(provider: IntegrationProvider): Promise<IntegrationRecord | undefined> {
    const row = await this.ctx.db
      .selectFrom('integration_settings')
      .selectAll()
      .where('account_id', '=', this.account)
      .where('provider', '=', provider)
      .executeTakeFirst();
    return (
      row && {
        provider,
        secretSealed: row.secret_sealed,
        settings: parseJson(row.settings) as unknown as IntegrationSettings,
        updatedAt: row.updated_at,
      }
    );
  }

  async save(r: IntegrationRecord): Promise<void> {
    const values = { secret_sealed: r.secretSealed, settings: JSON.stringify(r.settings), updated_at: r.updatedAt };
    await this.ctx.db
      .insertInto('integration_settings')
      .values({ account_id: this.account, provider: r.provider, ...values })
      .onConflict((oc) => oc.columns(['account_id', 'provider']).doUpdateSet(values))
      .execute();
  }

  async findEvent(provider: IntegrationProvider, eventId: string): Promise<InboundEventRecord | undefined> {
    const row = await this.ctx.db
      .selectFrom('integration_events')
      .selectAll()
      .where('account_id', '=', this.account)
      .where('provider', '=', provider)
      .where('event_id', '=', eventId)
      .executeTakeFirst();
    return row && eventFromRow(row);
  }

  async recordEvent(e: InboundEventRecord): Promise<void> {
    const values = {
      id: e.id,
      type: e.type,
      subject: e.subject,
      entitlement_id: e.entitlementId,
      outcome: e.outcome,
      detail: e.detail,
      occurred_at: e.occurredAt,
      received_at: e.receivedAt,
    };
    const out = await uniquely(
      this.ctx,
      () =>
        this.ctx.db
          .insertInto('integration_events')
          .values({ account_id: this.account, provider: e.provider, event_id: e.eventId, ...values })
          // Only a failed attempt gives way: an event that was applied (or ignored) stays as it was.
          .onConflict((oc) =>
            oc.columns(['account_id', 'provider', 'event_id']).doUpdateSet(values).where('integration_events.outcome', '=', 'failed'),
          )
          .executeTakeFirst(),
      () => new StoreConflict('duplicate', 'inbound_event', 'eventId', e.eventId),
    );
    if (Number(out.numInsertedOrUpdatedRows ?? 1n) === 0) throw new StoreConflict('duplicate', 'inbound_event', 'eventId', e.eventId);
  }

  events(provider: IntegrationProvider, page: PageRequest): Promise<Page<InboundEventRecord>> {
    const q = this.ctx.db
      .selectFrom('integration_events')
      .selectAll()
      .where('account_id', '=', this.account)
      .where('provider', '=', provider);
    return paginate(q, 'id', page, eventFromRow);
  }

  async link(provider: IntegrationProvider, subject: string, opts: { lock?: boolean } = {}): Promise<SubscriptionLink | undefined> {
    const q = this.ctx.db
      .selectFrom('integration_links')
      .selectAll()
      .where('account_id', '=', this.account)
      .where('provider', '=', provider)
      .where('subject', '=', subject);
    const row = await (opts.lock ? this.ctx.database.forUpdate(q) : q).executeTakeFirst();
    return (
      row && {
        provider,
        subject,
        entitlementId: row.entitlement_id,
        lastEventAt: row.last_event_at,
        lastEventId: row.last_event_id,
        held: Boolean(row.held),
      }
    );
  }

  async saveLink(l: SubscriptionLink, at: number): Promise<void> {
    const values = {
      entitlement_id: l.entitlementId,
      last_event_at: l.lastEventAt,
      last_event_id: l.lastEventId,
      held: l.held ? 1 : 0,
      updated_at: at,
    };
    await this.ctx.db
      .insertInto('integration_links')
      .values({ account_id: this.account, provider: l.provider, subject: l.subject, ...values })
      .onConflict((oc) => oc.columns(['account_id', 'provider', 'subject']).doUpdateSet(values))
      .execute();
  }
}
