import type { EntitlementSnapshot, EntitlementVersion, OfferingRecord } from '../../../platform/domain/model.js';
import type { VersionsPort } from '../ports.js';
import type { RepoContext } from '../../../platform/store/context.js';
import { parseJson } from '../../../platform/store/paging.js';

/**
 * Every version of entitlements and offerings, written in the transaction of the change. They let
 * the API answer "what did this customer hold at 14:02 last March" exactly, and revert to it.
 */
export class VersionRepository implements VersionsPort {
  constructor(private readonly ctx: RepoContext) {}

  async appendEntitlement(v: EntitlementVersion): Promise<void> {
    await this.ctx.db
      .insertInto('entitlement_versions')
      .values({
        account_id: this.ctx.scope.accountId,
        entitlement_id: v.snapshot.id,
        version: v.version,
        snapshot: JSON.stringify(v.snapshot),
        change: v.change,
        actor_type: v.actor.type,
        actor_id: v.actor.id,
        request_id: v.requestId,
        at: v.at,
      })
      .execute();
  }

  async appendOffering(o: OfferingRecord, at: number): Promise<void> {
    await this.ctx.db
      .insertInto('offering_versions')
      .values({ account_id: this.ctx.scope.accountId, offering_id: o.id, version: o.version, snapshot: JSON.stringify(o), at })
      .execute();
  }

  async entitlementHistory(entitlementId: string): Promise<EntitlementVersion[]> {
    const rows = await this.ctx.db
      .selectFrom('entitlement_versions')
      .selectAll()
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('entitlement_id', '=', entitlementId)
      .orderBy('version')
      .execute();
    return rows.map((r) => ({
      version: r.version,
      snapshot: parseJson(r.snapshot),
      change: r.change,
      actor: { type: r.actor_type, id: r.actor_id },
      requestId: r.request_id,
      at: r.at,
    }));
  }

  /** The entitlement as it stood at `at` (its latest version written at or before then). */
  async entitlementAsOf(entitlementId: string, at: number): Promise<EntitlementSnapshot | undefined> {
    const row = await this.ctx.db
      .selectFrom('entitlement_versions')
      .select('snapshot')
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('entitlement_id', '=', entitlementId)
      .where('at', '<=', at)
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && parseJson(row.snapshot);
  }

  async offeringAsOf(offeringId: string, at: number): Promise<OfferingRecord | undefined> {
    const row = await this.ctx.db
      .selectFrom('offering_versions')
      .select('snapshot')
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('offering_id', '=', offeringId)
      .where('at', '<=', at)
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && parseJson(row.snapshot);
  }
}
