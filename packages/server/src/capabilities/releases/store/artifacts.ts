import type { Selectable } from 'kysely';
import type { ArtifactStatus, Metadata } from '@leasehold/contract';
import type { ArtifactRecord, ArtifactsPort } from '../ports.js';
import type { ArtifactsTable } from './tables.js';
import type { RepoContext } from '../../../platform/store/context.js';
import { parseJson } from '../../../platform/store/paging.js';

const toRecord = (r: Selectable<ArtifactsTable>): ArtifactRecord => ({
  id: r.id,
  releaseId: r.release_id,
  productId: r.product_id,
  filename: r.filename,
  platform: r.platform,
  arch: r.arch,
  status: r.status as ArtifactStatus,
  size: r.size,
  sha256: r.sha256,
  expectedSize: r.expected_size,
  expectedSha256: r.expected_sha256,
  requires: parseJson(r.requires),
  signature: r.signature,
  signatureKid: r.signature_kid,
  storage: r.storage,
  storageKey: r.storage_key,
  error: r.error,
  metadata: parseJson<Metadata>(r.metadata),
  createdAt: r.created_at,
  uploadedAt: r.uploaded_at,
});

const toRow = (a: ArtifactRecord) => ({
  status: a.status,
  size: a.size,
  sha256: a.sha256,
  signature: a.signature,
  signature_kid: a.signatureKid,
  error: a.error,
  uploaded_at: a.uploadedAt,
});

export class ArtifactRepository implements ArtifactsPort {
  constructor(private readonly ctx: RepoContext) {}

  private scoped() {
    const { accountId, productId } = this.ctx.scope;
    let q = this.ctx.db.selectFrom('artifacts').selectAll().where('account_id', '=', accountId);
    if (productId) q = q.where('product_id', '=', productId);
    return q;
  }

  async insert(a: ArtifactRecord): Promise<void> {
    await this.ctx.db
      .insertInto('artifacts')
      .values({
        ...toRow(a),
        account_id: this.ctx.scope.accountId,
        id: a.id,
        release_id: a.releaseId,
        product_id: a.productId,
        filename: a.filename,
        platform: a.platform,
        arch: a.arch,
        expected_size: a.expectedSize,
        expected_sha256: a.expectedSha256,
        requires: JSON.stringify(a.requires),
        storage: a.storage,
        storage_key: a.storageKey,
        metadata: JSON.stringify(a.metadata),
        created_at: a.createdAt,
      })
      .execute();
  }

  async update(a: ArtifactRecord): Promise<void> {
    await this.ctx.db
      .updateTable('artifacts')
      .set(toRow(a))
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('id', '=', a.id)
      .execute();
  }

  async delete(id: string): Promise<void> {
    await this.ctx.db.deleteFrom('artifacts').where('account_id', '=', this.ctx.scope.accountId).where('id', '=', id).execute();
  }

  async find(id: string, opts: { lock?: boolean } = {}): Promise<ArtifactRecord | undefined> {
    let q = this.scoped().where('id', '=', id);
    if (opts.lock) q = this.ctx.database.forUpdate(q);
    const row = await q.executeTakeFirst();
    return row && toRecord(row);
  }

  async ofReleases(releaseIds: readonly string[]): Promise<ArtifactRecord[]> {
    if (releaseIds.length === 0) return [];
    const rows = await this.scoped()
      .where('release_id', 'in', [...releaseIds])
      .orderBy('id')
      .execute();
    return rows.map(toRecord);
  }

  async signedWithOther(kid: string, limit: number): Promise<ArtifactRecord[]> {
    const rows = await this.scoped()
      .where('status', '=', 'uploaded')
      .where((eb) => eb.or([eb('signature_kid', 'is', null), eb('signature_kid', '<>', kid)]))
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toRecord);
  }
}
