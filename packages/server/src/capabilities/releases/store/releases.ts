import type { Selectable } from 'kysely';
import type { Metadata, ReleaseChannel, ReleaseStatus } from '@leasehold/contract';
import type { Page } from '../../../platform/domain/model.js';
import type { ReleaseFilter, ReleaseRecord, RolloutRecord, ReleasesPort, VersionPageRequest } from '../ports.js';
import type { ReleasesTable } from './tables.js';
import { uniquely, type RepoContext } from '../../../platform/store/context.js';
import { parseJson } from '../../../platform/store/paging.js';
import { StoreConflict } from '../../../platform/store/conflicts.js';

const toRecord = (r: Selectable<ReleasesTable>): ReleaseRecord => ({
  id: r.id,
  productId: r.product_id,
  version: r.version,
  versionKey: r.version_key,
  channel: r.channel as ReleaseChannel,
  status: r.status as ReleaseStatus,
  notes: r.notes,
  critical: r.critical === 1,
  minimumVersion: r.minimum_version,
  requires: parseJson(r.requires),
  publishedAt: r.published_at,
  backdatedTo: r.backdated_to,
  yankedAt: r.yanked_at,
  rollout: r.rollout === null || r.rollout === undefined ? null : parseJson<RolloutRecord>(r.rollout),
  metadata: parseJson<Metadata>(r.metadata),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toRow = (r: ReleaseRecord) => ({
  channel: r.channel,
  status: r.status,
  notes: r.notes,
  critical: r.critical ? 1 : 0,
  minimum_version: r.minimumVersion,
  requires: JSON.stringify(r.requires),
  published_at: r.publishedAt,
  backdated_to: r.backdatedTo,
  yanked_at: r.yankedAt,
  rollout: r.rollout === null ? null : JSON.stringify(r.rollout),
  metadata: JSON.stringify(r.metadata),
  updated_at: r.updatedAt,
});

/** Version-key cursors: the key is hex, so anything else is not a cursor this API gave. */
const decodeVersionCursor = (cursor: string): string => {
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[0-9a-f]{20,400}$/.test(key)) throw new StoreConflict('bad_cursor', 'page', 'cursor');
  return key;
};

export class ReleaseRepository implements ReleasesPort {
  constructor(private readonly ctx: RepoContext) {}

  private scoped() {
    const { accountId, productId } = this.ctx.scope;
    let q = this.ctx.db.selectFrom('releases').selectAll().where('account_id', '=', accountId);
    if (productId) q = q.where('product_id', '=', productId);
    return q;
  }

  private filtered(productId: string, filter: ReleaseFilter) {
    let q = this.scoped().where('product_id', '=', productId);
    if (filter.channels) q = q.where('channel', 'in', [...filter.channels]);
    if (filter.status) q = q.where('status', '=', filter.status);
    return q;
  }

  async insert(r: ReleaseRecord): Promise<void> {
    await uniquely(
      this.ctx,
      () =>
        this.ctx.db
          .insertInto('releases')
          .values({
            ...toRow(r),
            account_id: this.ctx.scope.accountId,
            id: r.id,
            product_id: r.productId,
            version: r.version,
            version_key: r.versionKey,
            created_at: r.createdAt,
          })
          .execute(),
      () => new StoreConflict('duplicate', 'release', 'version', r.version),
    );
  }

  async update(r: ReleaseRecord): Promise<void> {
    await this.ctx.db
      .updateTable('releases')
      .set(toRow(r))
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('id', '=', r.id)
      .execute();
  }

  async delete(id: string): Promise<void> {
    await this.ctx.db.deleteFrom('releases').where('account_id', '=', this.ctx.scope.accountId).where('id', '=', id).execute();
  }

  async find(id: string, opts: { lock?: boolean } = {}): Promise<ReleaseRecord | undefined> {
    let q = this.scoped().where('id', '=', id);
    if (opts.lock) q = this.ctx.database.forUpdate(q);
    const row = await q.executeTakeFirst();
    return row && toRecord(row);
  }

  async list(productId: string, filter: ReleaseFilter, page: VersionPageRequest): Promise<Page<ReleaseRecord>> {
    let q = this.filtered(productId, filter);
    if (page.cursor) q = q.where('version_key', '<', decodeVersionCursor(page.cursor));
    const rows = await q
      .orderBy('version_key', 'desc')
      .limit(page.limit + 1)
      .execute();
    const more = rows.length > page.limit;
    const items = rows.slice(0, page.limit).map(toRecord);
    return { items, next: more ? Buffer.from(items[items.length - 1]!.versionKey, 'utf8').toString('base64url') : null };
  }

  async all(productId: string, filter: ReleaseFilter): Promise<ReleaseRecord[]> {
    const rows = await this.filtered(productId, filter).orderBy('version_key', 'desc').execute();
    return rows.map(toRecord);
  }
}
