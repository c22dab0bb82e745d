import type { Selectable } from 'kysely';
import type { NlObjectsTable } from './netlicensing-schema.js';
import type { RepoContext } from '../../../platform/store/context.js';
import { parseJson } from '../../../platform/store/paging.js';
import type { NetLicensingPort } from '../ports.js';
import type { NlKind, NlObjectRecord, NlSessionRecord } from '../records.js';

const toRecord = (r: Selectable<NlObjectsTable>): NlObjectRecord => ({
  kind: r.kind as NlKind,
  refId: r.ref_id,
  productId: r.product_id,
  parentId: r.parent_id,
  props: parseJson(r.props),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** The NetLicensing face's own rows, scoped to one account like every repository. */
export class NetLicensingRepository implements NetLicensingPort {
  constructor(private readonly ctx: RepoContext) {}

  private objects(kind: NlKind) {
    return this.ctx.db.selectFrom('nl_objects').selectAll().where('account_id', '=', this.ctx.scope.accountId).where('kind', '=', kind);
  }

  async find(kind: NlKind, refId: string, opts: { lock?: boolean } = {}): Promise<NlObjectRecord | undefined> {
    let q = this.objects(kind).where('ref_id', '=', refId);
    if (opts.lock) q = this.ctx.database.forUpdate(q);
    const row = await q.executeTakeFirst();
    return row && toRecord(row);
  }

  /** Every face entity of a kind, optionally of one product or one parent, oldest first. */
  async list(kind: NlKind, filter: { productId?: string | undefined; parentId?: string | undefined } = {}): Promise<NlObjectRecord[]> {
    let q = this.objects(kind);
    if (filter.productId) q = q.where('product_id', '=', filter.productId);
    if (filter.parentId) q = q.where('parent_id', '=', filter.parentId);
    if (this.ctx.scope.productId && kind !== 'token' && kind !== 'transaction') q = q.where('product_id', '=', this.ctx.scope.productId);
    const rows = await q.orderBy('created_at').orderBy('ref_id').execute();
    return rows.map(toRecord);
  }

  /** A product module by its number: the code of the feature it dresses (codes are unique per product). */
  async findModule(number: string): Promise<NlObjectRecord | undefined> {
    const { productId } = this.ctx.scope;
    let q = this.ctx.db
      .selectFrom('features')
      .innerJoin('nl_objects', (j) =>
        j.onRef('nl_objects.account_id', '=', 'features.account_id').onRef('nl_objects.ref_id', '=', 'features.id'),
      )
      .selectAll('nl_objects')
      .where('features.account_id', '=', this.ctx.scope.accountId)
      .where('features.code', '=', number)
      .where('nl_objects.kind', '=', 'module');
    // A product-scoped key finds only its own product's modules (codes repeat across products).
    if (productId) q = q.where('features.product_id', '=', productId);
    const row = await q.orderBy('nl_objects.created_at').executeTakeFirst();
    return row && toRecord(row);
  }

  async insert(o: NlObjectRecord): Promise<void> {
    await this.ctx.db
      .insertInto('nl_objects')
      .values({
        account_id: this.ctx.scope.accountId,
        kind: o.kind,
        ref_id: o.refId,
        product_id: o.productId,
        parent_id: o.parentId,
        props: JSON.stringify(o.props),
        created_at: o.createdAt,
        updated_at: o.updatedAt,
      })
      .execute();
  }

  async update(o: NlObjectRecord): Promise<void> {
    await this.ctx.db
      .updateTable('nl_objects')
      .set({ props: JSON.stringify(o.props), parent_id: o.parentId, product_id: o.productId, updated_at: o.updatedAt })
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('kind', '=', o.kind)
      .where('ref_id', '=', o.refId)
      .execute();
  }

  async delete(kind: NlKind, refId: string): Promise<void> {
    await this.ctx.db
      .deleteFrom('nl_objects')
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('kind', '=', kind)
      .where('ref_id', '=', refId)
      .execute();
  }

  async sessions(customerId: string, featureId: string): Promise<NlSessionRecord[]> {
    const rows = await this.ctx.db
      .selectFrom('nl_sessions')
      .selectAll()
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('customer_id', '=', customerId)
      .where('feature_id', '=', featureId)
      .orderBy('checked_out_at')
      .execute();
    return rows.map((r) => ({
      customerId: r.customer_id,
      featureId: r.feature_id,
      sessionId: r.session_id,
      checkedOutAt: r.checked_out_at,
      expiresAt: r.expires_at,
    }));
  }

  async upsertSession(s: NlSessionRecord): Promise<void> {
    await this.deleteSession(s.customerId, s.featureId, s.sessionId);
    await this.ctx.db
      .insertInto('nl_sessions')
      .values({
        account_id: this.ctx.scope.accountId,
        customer_id: s.customerId,
        feature_id: s.featureId,
        session_id: s.sessionId,
        checked_out_at: s.checkedOutAt,
        expires_at: s.expiresAt,
      })
      .execute();
  }

  async deleteSession(customerId: string, featureId: string, sessionId: string): Promise<void> {
    await this.ctx.db
      .deleteFrom('nl_sessions')
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('customer_id', '=', customerId)
      .where('feature_id', '=', featureId)
      .where('session_id', '=', sessionId)
      .execute();
  }

  /** Sessions past their checkout validity stop counting; they are removed when next looked at. */
  async deleteExpiredSessions(customerId: string, featureId: string, now: number): Promise<void> {
    await this.ctx.db
      .deleteFrom('nl_sessions')
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('customer_id', '=', customerId)
      .where('feature_id', '=', featureId)
      .where('expires_at', '<=', now)
      .execute();
  }

  async deleteSessionsOfFeature(featureId: string): Promise<void> {
    await this.ctx.db
      .deleteFrom('nl_sessions')
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('feature_id', '=', featureId)
      .execute();
  }

  async deleteSessionsOf(customerId: string): Promise<void> {
    await this.ctx.db
      .deleteFrom('nl_sessions')
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('customer_id', '=', customerId)
      .execute();
  }

  async wasAutoGranted(customerId: string, offeringId: string): Promise<boolean> {
    const row = await this.ctx.db
      .selectFrom('nl_auto_grants')
      .select('granted_at')
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('customer_id', '=', customerId)
      .where('offering_id', '=', offeringId)
      .executeTakeFirst();
    return row !== undefined;
  }

  async recordAutoGrant(customerId: string, offeringId: string, at: number): Promise<void> {
    await this.ctx.db
      .insertInto('nl_auto_grants')
      .values({ account_id: this.ctx.scope.accountId, customer_id: customerId, offering_id: offeringId, granted_at: at })
      .execute();
  }
}
