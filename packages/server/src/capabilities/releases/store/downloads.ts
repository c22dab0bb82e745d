import type { Selectable } from 'kysely';
import type { Page, PageRequest } from '../../../platform/domain/model.js';
import type { DownloadQuery, DownloadRecord, DownloadsPort } from '../ports.js';
import type { DownloadsTable } from './tables.js';
import type { RepoContext } from '../../../platform/store/context.js';
import { paginate } from '../../../platform/store/paging.js';

const toRecord = (r: Selectable<DownloadsTable>): DownloadRecord => ({
  id: r.id,
  artifactId: r.artifact_id,
  releaseId: r.release_id,
  productId: r.product_id,
  entitlementId: r.entitlement_id,
  customerId: r.customer_id,
  fingerprint: r.fingerprint,
  address: r.address,
  userAgent: r.user_agent,
  at: r.at,
});

export class DownloadRepository implements DownloadsPort {
  constructor(private readonly ctx: RepoContext) {}

  private matching(q: DownloadQuery) {
    const { accountId, productId } = this.ctx.scope;
    let s = this.ctx.db.selectFrom('downloads').where('account_id', '=', accountId);
    if (productId) s = s.where('product_id', '=', productId);
    if (q.releaseId) s = s.where('release_id', '=', q.releaseId);
    if (q.artifactId) s = s.where('artifact_id', '=', q.artifactId);
    if (q.entitlementId) s = s.where('entitlement_id', '=', q.entitlementId);
    if (q.customerId) s = s.where('customer_id', '=', q.customerId);
    if (q.since !== undefined) s = s.where('at', '>=', q.since);
    return s;
  }

  async insert(d: DownloadRecord): Promise<void> {
    await this.ctx.db
      .insertInto('downloads')
      .values({
        account_id: this.ctx.scope.accountId,
        id: d.id,
        artifact_id: d.artifactId,
        release_id: d.releaseId,
        product_id: d.productId,
        entitlement_id: d.entitlementId,
        customer_id: d.customerId,
        fingerprint: d.fingerprint,
        address: d.address,
        user_agent: d.userAgent,
        at: d.at,
      })
      .execute();
  }

  async count(q: DownloadQuery): Promise<number> {
    const row = await this.matching(q)
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  list(q: DownloadQuery, page: PageRequest): Promise<Page<DownloadRecord>> {
    return paginate(this.matching(q).selectAll(), 'id', page, toRecord);
  }

  async countsBy(column: 'release' | 'artifact', ids: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (ids.length === 0) return out;
    const col = column === 'release' ? 'release_id' : 'artifact_id';
    const rows = await this.matching({})
      .where(col, 'in', [...ids])
      .select((eb) => [eb.ref(col).as('ref'), eb.fn.countAll().as('n')])
      .groupBy(col)
      .execute();
    for (const r of rows) out.set(String(r.ref), Number(r.n));
    return out;
  }
}
