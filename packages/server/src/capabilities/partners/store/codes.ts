import type { Selectable } from 'kysely';
import type { Page, PageRequest } from '../../../platform/domain/model.js';
import type {
  CodeBatchesPort,
  CodeBatchRecord,
  CodeBatchState,
  CodeCounts,
  CodeState,
  PartnerCodeRecord,
  PartnerCodesPort,
} from '../ports.js';
import type { CodeBatchesTable, PartnerCodesTable } from './tables.js';
import type { RepoContext } from '../../../platform/store/context.js';
import { claimJob, moveJobLock } from '../../../platform/store/job-locks.js';
import { paginate, parseJson } from '../../../platform/store/paging.js';

const batchFromRow = (r: Selectable<CodeBatchesTable>): CodeBatchRecord => ({
  id: r.id,
  partnerId: r.partner_id,
  offeringId: r.offering_id,
  productId: r.product_id,
  quantity: r.quantity,
  generated: r.generated,
  state: r.state as CodeBatchState,
  expiresAt: r.expires_at === null ? null : Number(r.expires_at),
  overrides: parseJson(r.overrides),
  actor: { type: r.actor_type, id: r.actor_id },
  requestId: r.request_id,
  createdAt: Number(r.created_at),
  finishedAt: r.finished_at === null ? null : Number(r.finished_at),
});

/** Code batches of one account; the claim alone looks across accounts, as background work does. */
export class CodeBatchRepository implements CodeBatchesPort {
  constructor(private readonly ctx: RepoContext) {}

  private all() {
    return this.ctx.db.selectFrom('code_batches').selectAll().where('account_id', '=', this.ctx.scope.accountId);
  }

  async insert(b: CodeBatchRecord): Promise<void> {
    await this.ctx.db
      .insertInto('code_batches')
      .values({
        account_id: this.ctx.scope.accountId,
        id: b.id,
        partner_id: b.partnerId,
        offering_id: b.offeringId,
        product_id: b.productId,
        quantity: b.quantity,
        generated: b.generated,
        state: b.state,
        expires_at: b.expiresAt,
        overrides: JSON.stringify(b.overrides),
        actor_type: b.actor.type,
        actor_id: b.actor.id,
        request_id: b.requestId,
        locked_by: null,
        locked_until: null,
        created_at: b.createdAt,
        finished_at: b.finishedAt,
      })
      .execute();
  }

  async find(id: string): Promise<CodeBatchRecord | undefined> {
    const row = await this.all().where('id', '=', id).executeTakeFirst();
    return row && batchFromRow(row);
  }

  list(filter: { partnerId?: string | undefined }, page: PageRequest): Promise<Page<CodeBatchRecord>> {
    const q = filter.partnerId ? this.all().where('partner_id', '=', filter.partnerId) : this.all();
    return paginate(q, 'id', page, batchFromRow);
  }

  async update(b: CodeBatchRecord): Promise<void> {
    await this.ctx.db
      .updateTable('code_batches')
      .set({ generated: b.generated, state: b.state, finished_at: b.finishedAt })
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('id', '=', b.id)
      .execute();
  }

  claim(worker: string, now: number, lockMs: number): Promise<{ accountId: string; id: string } | undefined> {
    return claimJob(this.ctx.db, 'code_batches', ['pending', 'generating'], worker, now, lockMs);
  }

  async release(id: string, worker: string): Promise<void> {
    await moveJobLock(this.ctx.db, 'code_batches', this.ctx.scope.accountId, id, worker, null);
  }
}

const codeFromRow = (r: Selectable<PartnerCodesTable>): PartnerCodeRecord => ({
  hash: r.code_hash,
  sealed: r.code_sealed,
  batchId: r.batch_id,
  partnerId: r.partner_id,
  serial: r.serial,
  state: r.state as CodeState,
  redeemedAt: r.redeemed_at === null ? null : Number(r.redeemed_at),
  entitlementId: r.entitlement_id,
});

/** The codes of one account, found by their keyed hash. */
export class PartnerCodeRepository implements PartnerCodesPort {
  constructor(private readonly ctx: RepoContext) {}

  private get accountId() {
    return this.ctx.scope.accountId;
  }

  async insertMany(codes: PartnerCodeRecord[]): Promise<void> {
    // Batches keep each statement well under both engines' bound-parameter limits.
    for (let i = 0; i < codes.length; i += 500) {
      await this.ctx.db
        .insertInto('partner_codes')
        .values(
          codes.slice(i, i + 500).map((c) => ({
            account_id: this.accountId,
            code_hash: c.hash,
            code_sealed: c.sealed,
            batch_id: c.batchId,
            partner_id: c.partnerId,
            serial: c.serial,
            state: c.state,
            redeemed_at: null,
            voided_at: null,
            entitlement_id: null,
          })),
        )
        .execute();
    }
  }

  async accountOf(hash: string): Promise<string | undefined> {
    const row = await this.ctx.db.selectFrom('partner_codes').select('account_id').where('code_hash', '=', hash).executeTakeFirst();
    return row?.account_id;
  }

  async find(hash: string): Promise<PartnerCodeRecord | undefined> {
    const row = await this.ctx.db
      .selectFrom('partner_codes')
      .selectAll()
      .where('account_id', '=', this.accountId)
      .where('code_hash', '=', hash)
      .executeTakeFirst();
    return row && codeFromRow(row);
  }

  async redeem(hash: string, at: number): Promise<boolean> {
    const out = await this.ctx.db
      .updateTable('partner_codes')
      .set({ state: 'redeemed', redeemed_at: at })
      .where('account_id', '=', this.accountId)
      .where('code_hash', '=', hash)
      .where('state', '=', 'issued')
      .executeTakeFirst();
    return Number(out.numUpdatedRows) === 1;
  }

  async attach(hash: string, entitlementId: string): Promise<void> {
    await this.ctx.db
      .updateTable('partner_codes')
      .set({ entitlement_id: entitlementId })
      .where('account_id', '=', this.accountId)
      .where('code_hash', '=', hash)
      .execute();
  }

  async voidCodes(target: { hash: string } | { batchId: string }, at: number): Promise<number> {
    let q = this.ctx.db
      .updateTable('partner_codes')
      .set({ state: 'voided', voided_at: at })
      .where('account_id', '=', this.accountId)
      .where('state', '=', 'issued');
    q = 'hash' in target ? q.where('code_hash', '=', target.hash) : q.where('batch_id', '=', target.batchId);
    return Number((await q.executeTakeFirst()).numUpdatedRows);
  }

  async ofBatch(batchId: string, page: { limit: number; afterSerial: number }): Promise<PartnerCodeRecord[]> {
    const rows = await this.ctx.db
      .selectFrom('partner_codes')
      .selectAll()
      .where('account_id', '=', this.accountId)
      .where('batch_id', '=', batchId)
      .where('serial', '>', page.afterSerial)
      .orderBy('serial')
      .limit(page.limit)
      .execute();
    return rows.map(codeFromRow);
  }

  async counts(target: { partnerId: string } | { batchId: string }): Promise<CodeCounts> {
    let q = this.ctx.db
      .selectFrom('partner_codes')
      .select((eb) => ['state', eb.fn.countAll<number>().as('n')])
      .where('account_id', '=', this.accountId);
    q = 'partnerId' in target ? q.where('partner_id', '=', target.partnerId) : q.where('batch_id', '=', target.batchId);
    const rows = await q.groupBy('state').execute();
    const by = Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
    return {
      issued: (by['issued'] ?? 0) + (by['redeemed'] ?? 0) + (by['voided'] ?? 0),
      redeemed: by['redeemed'] ?? 0,
      voided: by['voided'] ?? 0,
    };
  }
}
