import { formatTimestamp } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import { DomainError, notFound } from '../../platform/domain/errors.js';
import type { EntitlementRecord } from '../../platform/domain/model.js';
import { diff, isoTimes } from '../events/record.js';
import { effectiveRights, type EffectiveRightsRecord } from './effective-rights.js';
import { mutate, requireEntitlement, type EntitlementView } from './entitlements.js';
import type { EntitlementSnapshot } from '../../platform/domain/model.js';

export interface HistoryEntry {
  version: number;
  at: number;
  change: string;
  actor: { type: string; id: string | null };
  requestId: string | null;
  offeringId: string;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
}

/** Every version of the entitlement, oldest first, each with who made it and what changed. */
export function entitlementHistory(ctx: Context, ref: string): Promise<HistoryEntry[]> {
  return ctx.store.read(async (tx) => {
    const entitlement = await requireEntitlement(tx, ref);
    const versions = await tx.versions.entitlementHistory(entitlement.id);
    return versions.map((v, i) => {
      const previous = i > 0 ? (versions[i - 1]!.snapshot as unknown as Record<string, unknown>) : {};
      const [before, after] = diff(previous, v.snapshot as unknown as Record<string, unknown>).map(isoTimes) as [
        Record<string, unknown>,
        Record<string, unknown>,
      ];
      return {
        version: v.version,
        at: v.at,
        change: v.change,
        actor: v.actor,
        requestId: v.requestId,
        offeringId: v.snapshot.offeringId,
        before,
        after,
      };
    });
  });
}

export interface AsOfView {
  record: EntitlementSnapshot;
  effective: EffectiveRightsRecord;
  key: string;
}

/**
 * What the customer held at a moment: the entitlement's version then, with the offering's version
 * then, evaluated at that moment — so later edits to either change nothing about the answer.
 */
export function entitlementAsOf(ctx: Context, ref: string, at: number): Promise<AsOfView> {
  return ctx.store.read(async (tx) => {
    const current = await requireEntitlement(tx, ref);
    const then = await tx.versions.entitlementAsOf(current.id, at);
    if (!then) {
      throw new DomainError('NOT_FOUND', `The entitlement did not exist yet at ${formatTimestamp(at)}.`, {
        resource: 'entitlement',
        ref,
        createdAt: formatTimestamp(current.createdAt),
      });
    }
    const offering = await tx.offerings.versionAsOf(then.offeringId, at);
    if (!offering) throw notFound('offering version', then.offeringId);
    return {
      record: then,
      effective: effectiveRights(offering, then, at),
      key: ctx.secrets.decrypt('license-key', current.keySealed),
    };
  });
}

/** The fields a revert restores. The status only when asked (`restoreStatus`), and only between active and suspended. */
const RESTORED = [
  'offeringId',
  'productId',
  'overrides',
  'startsAt',
  'endsAt',
  'maintenanceUntil',
  'orderRef',
  'externalRef',
  'metadata',
] as const;

/**
 * Brings the entitlement back to an earlier version with a compensating change — itself a new
 * version with its own event, so nothing is rewritten. A revoked or returned entitlement stays so.
 */
export function revertEntitlement(
  ctx: Context,
  ref: string,
  version: number,
  opts: { restoreStatus?: boolean | undefined } = {},
): Promise<EntitlementView> {
  return mutate(
    ctx,
    ref,
    'entitlement.reverted',
    async (current, _offering, tx) => {
      if (current.state === 'revoked' || current.state === 'returned') {
        throw new DomainError('INVALID_STATE', `A ${current.state} entitlement cannot be reverted.`, { state: current.state });
      }
      const target = (await tx.versions.entitlementHistory(current.id)).find((v) => v.version === version);
      if (!target)
        throw new DomainError('NOT_FOUND', `The entitlement has no version ${version}.`, {
          field: 'version',
          version,
          latest: current.version,
        });
      if (!(await tx.offerings.find(target.snapshot.offeringId))) {
        throw new DomainError('INVALID_STATE', 'The offering of that version no longer exists.', {
          offeringId: target.snapshot.offeringId,
        });
      }
      const next: EntitlementRecord = { ...current };
      for (const field of RESTORED) (next as unknown as Record<string, unknown>)[field] = target.snapshot[field];
      const restorable = target.snapshot.state === 'active' || target.snapshot.state === 'suspended';
      if (opts.restoreStatus && restorable) next.state = target.snapshot.state;
      return next;
    },
    { revertedTo: version, ...(opts.restoreStatus ? { restoreStatus: true } : {}) },
  );
}
