import type { Selectable, SelectQueryBuilder } from 'kysely';
import type { ActivationState, SeatKind } from '@leasehold/contract';
import type { ActivationRecord, Page, PageRequest } from '../../../platform/domain/model.js';
import type { ActivationsPort } from '../ports.js';
import type { DB } from '../../../platform/store/schema.js';
import type { ActivationsTable } from './tables.js';
import { changed, type RepoContext } from '../../../platform/store/context.js';
import { paginate, parseJson } from '../../../platform/store/paging.js';

const toRecord = (r: Selectable<ActivationsTable>): ActivationRecord => ({
  id: r.id,
  entitlementId: r.entitlement_id,
  customerId: r.customer_id,
  productId: r.product_id,
  fingerprint: r.fingerprint,
  seatKind: r.seat_kind as SeatKind,
  state: r.state as ActivationState,
  name: r.name,
  platform: r.platform,
  hostname: r.hostname,
  user: r.named_user,
  host: r.host,
  version: r.app_version,
  meta: parseJson(r.meta),
  pinned: r.pinned === 1,
  heartbeatDeadline: r.heartbeat_deadline,
  borrowedUntil: r.borrowed_until,
  createdAt: r.created_at,
  lastSeenAt: r.last_seen_at,
  endedAt: r.ended_at,
  endReason: r.end_reason,
});

export class ActivationRepository implements ActivationsPort {
  constructor(private readonly ctx: RepoContext) {}

  private scoped() {
    const { accountId, productId } = this.ctx.scope;
    let q = this.ctx.db.selectFrom('activations').selectAll().where('account_id', '=', accountId);
    if (productId) q = q.where('product_id', '=', productId);
    return q;
  }

  async find(id: string): Promise<ActivationRecord | undefined> {
    const row = await this.scoped().where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  }

  /**
   * The live activation of a device on an entitlement, if any. With `lock`, the row stays locked
   * until the transaction ends, so a concurrent deactivation or release is waited for, not undone.
   */
  async findLive(entitlementId: string, fingerprint: string, opts: { lock?: boolean } = {}): Promise<ActivationRecord | undefined> {
    let q = this.scoped().where('entitlement_id', '=', entitlementId).where('fingerprint', '=', fingerprint).where('state', '=', 'active');
    if (opts.lock) q = this.ctx.database.forUpdate(q);
    const row = await q.executeTakeFirst();
    return row && toRecord(row);
  }

  /** Every live activation of an entitlement: the facts a seat decision is made from. */
  async liveOf(entitlementId: string, opts: { limit?: number } = {}): Promise<ActivationRecord[]> {
    let q = this.scoped().where('entitlement_id', '=', entitlementId).where('state', '=', 'active').orderBy('id');
    if (opts.limit !== undefined) q = q.limit(opts.limit);
    return (await q.execute()).map(toRecord);
  }

  /**
   * Live activations that hold a seat at `now` (see holdsSeat), counted in the database: an upper
   * bound on the seats in use, since named users and per-host ephemeral instances may share one.
   */
  async countHolding(entitlementId: string, now: number): Promise<number> {
    const row = await this.holdingAt(this.ctx.db.selectFrom('activations'), entitlementId, now)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Live heartbeat-held activations whose deadline passed and that are not borrowed: seats to release. */
  async deadOf(entitlementId: string, now: number): Promise<ActivationRecord[]> {
    const rows = await this.scoped()
      .where('entitlement_id', '=', entitlementId)
      .where('state', '=', 'active')
      .where('heartbeat_deadline', '<', now)
      .where((eb) => eb.or([eb('borrowed_until', 'is', null), eb('borrowed_until', '<', now)]))
      // Released in id order, as every writer of several activation rows locks them (no deadlock).
      .orderBy('id')
      .execute();
    return rows.map(toRecord);
  }

  /** Live activations of one named user (or of the device, for a user-less activation). */
  async liveOfUser(entitlementId: string, user: string): Promise<ActivationRecord[]> {
    const rows = await this.scoped()
      .where('entitlement_id', '=', entitlementId)
      .where('state', '=', 'active')
      .where((eb) => eb.or([eb('named_user', '=', user), eb.and([eb('named_user', 'is', null), eb('fingerprint', '=', user)])]))
      .orderBy('id')
      .execute();
    return rows.map(toRecord);
  }

  private holdingAt<Q extends SelectQueryBuilder<DB, 'activations', object>>(q: Q, entitlementId: string, now: number): Q {
    const { accountId, productId } = this.ctx.scope;
    let out = q
      .where('account_id', '=', accountId)
      .where('entitlement_id', '=', entitlementId)
      .where('state', '=', 'active')
      .where((eb) => eb.or([eb('heartbeat_deadline', 'is', null), eb('heartbeat_deadline', '>=', now), eb('borrowed_until', '>=', now)]));
    if (productId) out = out.where('product_id', '=', productId);
    return out as Q;
  }

  /** Live activations of many entitlements at once (impact previews over thousands of them). */
  async liveOfMany(entitlementIds: string[]): Promise<ActivationRecord[]> {
    if (entitlementIds.length === 0) return [];
    const rows = await this.scoped().where('entitlement_id', 'in', entitlementIds).where('state', '=', 'active').execute();
    return rows.map(toRecord);
  }

  /** Entitlements with a live device matching a platform and/or application version. */
  async entitlementsWithDevices(filter: { platform?: string | undefined; version?: string | undefined }): Promise<Set<string>> {
    let q = this.scoped().clearSelect().select('entitlement_id').distinct().where('state', '=', 'active');
    if (filter.platform) q = q.where('platform', '=', filter.platform);
    if (filter.version) q = q.where('app_version', '=', filter.version);
    return new Set((await q.execute()).map((r) => r.entitlement_id));
  }

  /** Live activations of a customer, optionally on one product. */
  async liveOfCustomer(customerId: string, productId?: string): Promise<ActivationRecord[]> {
    let q = this.scoped().where('customer_id', '=', customerId).where('state', '=', 'active');
    if (productId) q = q.where('product_id', '=', productId);
    return (await q.execute()).map(toRecord);
  }

  list(entitlementId: string, filter: { state?: ActivationState | undefined }, page: PageRequest): Promise<Page<ActivationRecord>> {
    let q = this.scoped().where('entitlement_id', '=', entitlementId);
    if (filter.state) q = q.where('state', '=', filter.state);
    return paginate(q, 'id', page, toRecord);
  }

  /** Every activation of one device, across entitlements (a support person reads the fingerprint out). */
  withFingerprint(
    fingerprint: string,
    filter: { state?: ActivationState | undefined },
    page: PageRequest,
  ): Promise<Page<ActivationRecord>> {
    let q = this.scoped().where('fingerprint', '=', fingerprint);
    if (filter.state) q = q.where('state', '=', filter.state);
    return paginate(q, 'id', page, toRecord);
  }

  /** Deactivations the customer made themselves, since `since`: what rehost limits count. */
  async countRehostsSince(entitlementId: string, since: number): Promise<{ count: number; oldest: number | null }> {
    const rows = await this.ctx.db
      .selectFrom('activations')
      .select('ended_at')
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('entitlement_id', '=', entitlementId)
      .where('end_reason', '=', 'rehost')
      .where('ended_at', '>=', since)
      .orderBy('ended_at')
      .execute();
    return { count: rows.length, oldest: rows[0]?.ended_at ?? null };
  }

  async insert(a: ActivationRecord): Promise<void> {
    changed(this.ctx, 'entitlement', a.entitlementId);
    await this.ctx.db
      .insertInto('activations')
      .values({
        account_id: this.ctx.scope.accountId,
        id: a.id,
        entitlement_id: a.entitlementId,
        customer_id: a.customerId,
        product_id: a.productId,
        fingerprint: a.fingerprint,
        seat_kind: a.seatKind,
        state: a.state,
        name: a.name,
        platform: a.platform,
        hostname: a.hostname,
        named_user: a.user,
        host: a.host,
        app_version: a.version,
        meta: JSON.stringify(a.meta),
        pinned: a.pinned ? 1 : 0,
        heartbeat_deadline: a.heartbeatDeadline,
        borrowed_until: a.borrowedUntil,
        created_at: a.createdAt,
        last_seen_at: a.lastSeenAt,
        ended_at: a.endedAt,
        end_reason: a.endReason,
      })
      .execute();
  }

  async update(a: ActivationRecord): Promise<void> {
    changed(this.ctx, 'entitlement', a.entitlementId);
    await this.ctx.db
      .updateTable('activations')
      .set({
        state: a.state,
        name: a.name,
        platform: a.platform,
        hostname: a.hostname,
        app_version: a.version,
        meta: JSON.stringify(a.meta),
        pinned: a.pinned ? 1 : 0,
        heartbeat_deadline: a.heartbeatDeadline,
        borrowed_until: a.borrowedUntil,
        last_seen_at: a.lastSeenAt,
        ended_at: a.endedAt,
        end_reason: a.endReason,
      })
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('id', '=', a.id)
      .execute();
  }

  /**
   * Releases a heartbeat-held seat if it is still dead; false when it was already released or a
   * heartbeat arrived meanwhile (several processes may sweep at once: exactly one wins).
   */
  async releaseIfDead(activation: { id: string; entitlementId: string }, now: number): Promise<boolean> {
    const { id } = activation;
    changed(this.ctx, 'entitlement', activation.entitlementId);
    const result = await this.ctx.db
      .updateTable('activations')
      .set({ state: 'released', ended_at: now, end_reason: 'heartbeat_missed' })
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('id', '=', id)
      .where('state', '=', 'active')
      .where('heartbeat_deadline', '<', now)
      .where((eb) => eb.or([eb('borrowed_until', 'is', null), eb('borrowed_until', '<', now)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Floating and ephemeral seats whose heartbeat deadline has passed (and are not borrowed). */
  async dead(now: number, limit: number): Promise<ActivationRecord[]> {
    const rows = await this.scoped()
      .where('state', '=', 'active')
      .where('heartbeat_deadline', '<', now)
      .where((eb) => eb.or([eb('borrowed_until', 'is', null), eb('borrowed_until', '<', now)]))
      .limit(limit)
      .execute();
    return rows.map(toRecord);
  }
}

export { toRecord as activationFromRow };
