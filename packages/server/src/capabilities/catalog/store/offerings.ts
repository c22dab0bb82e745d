import type { Selectable } from 'kysely';
import type { EnforcementMode, EphemeralCounting, EvictionOrder, LicenseModel, SeatModel } from '@leasehold/contract';
import { StoreConflict } from '../../../platform/store/conflicts.js';
import type { OfferingRecord, Page, PageRequest } from '../../../platform/domain/model.js';
import type { OfferingFilter, OfferingsPort } from '../ports.js';
import type { OfferingsTable } from './tables.js';
import { uniquely, type RepoContext, changed } from '../../../platform/store/context.js';
import { paginate, parseJson } from '../../../platform/store/paging.js';
import { VersionRepository } from '../../entitlements/store/versions.js';

const toRecord = (r: Selectable<OfferingsTable>): OfferingRecord => ({
  id: r.id,
  productId: r.product_id,
  code: r.code,
  name: r.name,
  licenseModel: r.license_model as LicenseModel,
  seatModel: r.seat_model as SeatModel,
  seats: r.seats,
  term: r.term,
  leasePeriod: r.lease_period,
  features: parseJson(r.features),
  rehostLimit: r.rehost_limit,
  maintenanceTerm: r.maintenance_term,
  rehostPeriod: r.rehost_period,
  heartbeatWindow: r.heartbeat_window,
  borrowLimit: r.borrow_limit,
  offlineLeasePeriod: r.offline_lease_period,
  downloadLimit: parseJson(r.download_limit),
  maxDevicesPerUser: r.max_devices_per_user,
  ephemeralCounting: r.ephemeral_counting as EphemeralCounting,
  enforcementMode: r.enforcement_mode as EnforcementMode,
  activationRules: parseJson(r.activation_rules),
  upgradePaths: parseJson(r.upgrade_paths),
  evictionOrder: r.eviction_order as EvictionOrder,
  version: r.version,
  metadata: parseJson(r.metadata),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toRow = (o: OfferingRecord) => ({
  code: o.code,
  name: o.name,
  license_model: o.licenseModel,
  seat_model: o.seatModel,
  seats: o.seats,
  term: o.term,
  lease_period: o.leasePeriod,
  features: JSON.stringify(o.features),
  rehost_limit: o.rehostLimit,
  maintenance_term: o.maintenanceTerm,
  rehost_period: o.rehostPeriod,
  heartbeat_window: o.heartbeatWindow,
  borrow_limit: o.borrowLimit,
  offline_lease_period: o.offlineLeasePeriod,
  download_limit: o.downloadLimit === null ? null : JSON.stringify(o.downloadLimit),
  max_devices_per_user: o.maxDevicesPerUser,
  ephemeral_counting: o.ephemeralCounting,
  enforcement_mode: o.enforcementMode,
  activation_rules: JSON.stringify(o.activationRules),
  upgrade_paths: JSON.stringify(o.upgradePaths),
  eviction_order: o.evictionOrder,
  version: o.version,
  metadata: JSON.stringify(o.metadata),
  updated_at: o.updatedAt,
});

const duplicate = (code: string) => new StoreConflict('duplicate', 'offering', 'code', code);

/** Offerings; every write also keeps the offering's version, so past rights can be recomputed. */
export class OfferingRepository implements OfferingsPort {
  private readonly versions: VersionRepository;

  constructor(private readonly ctx: RepoContext) {
    this.versions = new VersionRepository(ctx);
  }

  private scoped() {
    const { accountId, productId } = this.ctx.scope;
    let q = this.ctx.db.selectFrom('offerings').selectAll().where('account_id', '=', accountId);
    if (productId) q = q.where('product_id', '=', productId);
    return q;
  }

  async find(ref: string): Promise<OfferingRecord | undefined> {
    const row = await this.scoped()
      .where((eb) => eb.or([eb('id', '=', ref), eb('code', '=', ref)]))
      .executeTakeFirst();
    return row && toRecord(row);
  }

  list(filter: OfferingFilter, page: PageRequest): Promise<Page<OfferingRecord>> {
    let q = this.scoped();
    if (filter.productId) q = q.where('product_id', '=', filter.productId);
    return paginate(q, 'id', page, toRecord);
  }

  async countForProduct(productId: string): Promise<number> {
    const row = await this.ctx.db
      .selectFrom('offerings')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('product_id', '=', productId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Offerings of the product whose feature values name this feature code. */
  async usingFeature(productId: string, code: string): Promise<OfferingRecord[]> {
    const rows = await this.ctx.db
      .selectFrom('offerings')
      .selectAll()
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('product_id', '=', productId)
      .execute();
    return rows.map(toRecord).filter((o) => Object.hasOwn(o.features, code));
  }

  /** The offering as it stood at `at`. */
  versionAsOf(offeringId: string, at: number): Promise<OfferingRecord | undefined> {
    return this.versions.offeringAsOf(offeringId, at);
  }

  async insert(o: OfferingRecord): Promise<void> {
    changed(this.ctx, 'account', o.id);
    await uniquely(
      this.ctx,
      () =>
        this.ctx.db
          .insertInto('offerings')
          .values({ account_id: this.ctx.scope.accountId, id: o.id, product_id: o.productId, created_at: o.createdAt, ...toRow(o) })
          .execute(),
      () => duplicate(o.code),
    );
    await this.versions.appendOffering(o, o.updatedAt);
  }

  async update(o: OfferingRecord): Promise<void> {
    changed(this.ctx, 'account', o.id);
    await uniquely(
      this.ctx,
      () =>
        this.ctx.db
          .updateTable('offerings')
          .set(toRow(o))
          .where('account_id', '=', this.ctx.scope.accountId)
          .where('id', '=', o.id)
          .execute(),
      () => duplicate(o.code),
    );
    await this.versions.appendOffering(o, o.updatedAt);
  }

  async delete(id: string): Promise<void> {
    changed(this.ctx, 'account', id);
    await this.ctx.db.deleteFrom('offerings').where('account_id', '=', this.ctx.scope.accountId).where('id', '=', id).execute();
  }
}
