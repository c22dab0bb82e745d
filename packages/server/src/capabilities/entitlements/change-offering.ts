import type { EvictionOrder, Overrides } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import { DomainError } from '../../platform/domain/errors.js';
import type { ActivationRecord, EntitlementRecord, FeatureRecord, OfferingRecord } from '../../platform/domain/model.js';
import { holdsSeat, seatsInUse } from '../licensing/activations/seats.js';
import { recordEvent } from '../events/record.js';
import { requireOffering } from '../catalog/offerings.js';
import { effectiveRights, type EffectiveRightsRecord } from './effective-rights.js';
import { mutateIn, requireEntitlement, requireState, view, type EntitlementView } from './entitlements.js';
import { later } from '../../platform/domain/dates.js';
import { poolUse, type PoolUse } from '../usage/pools.js';
import type { Tx } from '../../platform/domain/ports.js';

export interface ChangeWarning {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export interface OfferingChangePlan {
  next: EntitlementRecord;
  rights: EffectiveRightsRecord;
  evicted: ActivationRecord[];
  keptOverrides: string[];
  droppedOverrides: string[];
  datesChanged: boolean;
  warnings: ChangeWarning[];
  /** Live devices on the entitlement when the change was planned. */
  liveActivations: number;
}

/** May this entitlement move from `current` to `target`? Throws the reason it may not. */
export function checkChangeAllowed(entitlement: EntitlementRecord, current: OfferingRecord, target: OfferingRecord): void {
  requireState(entitlement, ['active', 'suspended'], 'moved to another offering');
  if (target.id === current.id) {
    throw new DomainError('CHANGE_NOT_ALLOWED', `The entitlement is already on ${current.code}.`, { offeringId: current.id });
  }
  if (current.upgradePaths.length > 0 && !current.upgradePaths.includes(target.id)) {
    throw new DomainError('CHANGE_NOT_ALLOWED', `${current.code} may only change to the offerings in its upgrade paths.`, {
      upgradePaths: current.upgradePaths,
      resolve: `Add ${target.code} to the upgrade paths of ${current.code}.`,
    });
  }
  if (current.upgradePaths.length === 0 && target.productId !== current.productId) {
    throw new DomainError(
      'CHANGE_NOT_ALLOWED',
      `${target.code} is another product's offering; cross-product changes need an upgrade path.`,
      {
        resolve: `Add ${target.code} to the upgrade paths of ${current.code}.`,
      },
    );
  }
}

/**
 * Which devices lose their seat when seats are cut: the offering's eviction order over the
 * unpinned devices, one at a time until the seats in use fit. Pinned devices are never evicted; if
 * they alone exceed the seats, they stay and a warning says so.
 */
export function chooseEvictions(
  live: ActivationRecord[],
  counting: OfferingRecord,
  seats: number,
  order: EvictionOrder,
  now: number,
): { evicted: ActivationRecord[]; overBy: number } {
  const holding = live.filter((a) => holdsSeat(a, now));
  const candidates = holding
    .filter((a) => !a.pinned)
    .sort((x, y) =>
      order === 'newest_first'
        ? y.createdAt - x.createdAt || (y.id < x.id ? -1 : 1)
        : x.lastSeenAt - y.lastSeenAt || (x.id < y.id ? -1 : 1),
    );
  let remaining = holding;
  const evicted: ActivationRecord[] = [];
  for (const candidate of candidates) {
    if (seatsInUse(remaining, counting, now) <= seats) break;
    remaining = remaining.filter((a) => a.id !== candidate.id);
    evicted.push(candidate);
  }
  return { evicted, overBy: Math.max(0, seatsInUse(remaining, counting, now) - seats) };
}

function overrideFields(o: Overrides): string[] {
  const fields = Object.keys(o).filter((k) => k !== 'features');
  for (const code of Object.keys(o.features ?? {})) fields.push(`features.${code}`);
  return fields;
}

/**
 * What moving the entitlement to `target` does, decided from loaded facts: the target's values
 * become the rights except where the entitlement overrides them (feature overrides the target's
 * product does not have are dropped and listed); seats beyond the new count are cut per eviction
 * order (or all, with `removeSeats`); a change of license model restarts the term from now.
 */
export function planOfferingChange(f: {
  entitlement: EntitlementRecord;
  current: OfferingRecord;
  target: OfferingRecord;
  targetFeatures: FeatureRecord[];
  live: ActivationRecord[];
  removeSeats: boolean;
  now: number;
  /** Who holds how many elements of each pool feature (poolUse). */
  pools?: Map<string, PoolUse>;
}): OfferingChangePlan {
  const { entitlement, current, target, now } = f;
  const known = new Set(f.targetFeatures.map((x) => x.code));
  const features = Object.fromEntries(Object.entries(entitlement.overrides.features ?? {}).filter(([code]) => known.has(code)));
  const dropped = Object.keys(entitlement.overrides.features ?? {})
    .filter((code) => !known.has(code))
    .map((code) => `features.${code}`);
  const overrides: Overrides = { ...entitlement.overrides };
  if (Object.keys(features).length > 0) overrides.features = features;
  else delete overrides.features;

  let { endsAt, maintenanceUntil } = entitlement;
  const datesChanged = target.licenseModel !== current.licenseModel;
  if (datesChanged) {
    const term = overrides.term ?? target.term;
    endsAt = target.licenseModel === 'perpetual' || !term ? null : later('endsAt', now, term);
    const maintenanceTerm = overrides.maintenanceTerm ?? target.maintenanceTerm;
    if (maintenanceTerm && (maintenanceUntil === null || maintenanceUntil < now))
      maintenanceUntil = later('maintenanceUntil', now, maintenanceTerm);
  }

  const next: EntitlementRecord = {
    ...entitlement,
    offeringId: target.id,
    productId: target.productId,
    overrides,
    endsAt,
    maintenanceUntil,
  };
  const rights = effectiveRights(target, next, now);
  const warnings: ChangeWarning[] = [];
  let evicted: ActivationRecord[];
  if (f.removeSeats) {
    evicted = f.live.filter((a) => a.state === 'active');
  } else {
    const cut = chooseEvictions(f.live, target, rights.seats, target.evictionOrder, now);
    evicted = cut.evicted;
    if (cut.overBy > 0) {
      warnings.push({
        code: 'SEATS_OVER_LIMIT',
        message: `Pinned devices keep ${cut.overBy} more seat(s) than the new offering allows.`,
        details: { seats: rights.seats, overBy: cut.overBy },
      });
    }
  }
  if (dropped.length > 0) {
    warnings.push({
      code: 'OVERRIDES_DROPPED',
      message: `${target.code}'s product has no ${dropped.join(', ')}; those overrides are dropped.`,
      details: { dropped },
    });
  }
  // Pools are never taken back: over a lower limit they accept check-ins only until back under.
  // What counts is what is held after the change: a removed device's elements go back with its seat.
  const removed = new Set(evicted.map((a) => a.id));
  for (const [feature, use] of f.pools ?? []) {
    const inUse = use.holders.filter((h) => !removed.has(h.activationId)).reduce((sum, h) => sum + h.count, 0);
    const limit = rights.features[feature];
    if (typeof limit === 'number' && inUse > limit) {
      warnings.push({
        code: 'POOL_OVER_LIMIT',
        message: `${feature}: ${inUse} in use, over the new limit of ${limit}; check-outs are refused and check-ins accepted until it is back under.`,
        details: { feature, inUse, limit },
      });
    }
  }
  return {
    next,
    rights,
    evicted,
    keptOverrides: overrideFields(overrides),
    droppedOverrides: dropped,
    datesChanged,
    warnings,
    liveActivations: f.live.filter((a) => a.state === 'active').length,
  };
}

export interface OfferingChangeResult {
  entitlement: EntitlementView;
  removedActivations: ActivationRecord[];
  keptOverrides: string[];
  droppedOverrides: string[];
  datesChanged: boolean;
  warnings: ChangeWarning[];
  dryRun: boolean;
  liveActivations: number;
}

export async function loadPlan(tx: Tx, ctx: Context, entitlement: EntitlementRecord, targetRef: string, removeSeats: boolean) {
  const current = await requireOffering(tx, entitlement.offeringId);
  const target = await tx.offerings.find(targetRef);
  if (!target)
    throw new DomainError('UNKNOWN_REFERENCE', `No offering ${JSON.stringify(targetRef)} in this account.`, {
      field: 'offeringId',
      ref: targetRef,
    });
  checkChangeAllowed(entitlement, current, target);
  const live = await tx.activations.liveOf(entitlement.id);
  const now = ctx.clock.now();
  const pools = poolUse(await tx.pools.holdings([entitlement.id]), live, now);
  const plan = planOfferingChange({
    entitlement,
    current,
    target,
    targetFeatures: await tx.features.allOf(target.productId),
    live,
    removeSeats,
    now,
    pools,
  });
  return { current, target, plan };
}

/**
 * Moves an entitlement to another offering (upgrade, downgrade, cross-grade). With `dryRun` the
 * same answer comes back and nothing changes. There is no undo, but changing back is one call,
 * and every version stays readable in the history.
 */
export async function changeOffering(
  ctx: Context,
  ref: string,
  input: { offeringId: string; removeSeats?: boolean; dryRun?: boolean },
): Promise<OfferingChangeResult> {
  const removeSeats = input.removeSeats ?? false;
  if (input.dryRun) {
    return ctx.store.read(async (tx) => {
      const entitlement = await requireEntitlement(tx, ref);
      const { target, plan } = await loadPlan(tx, ctx, entitlement, input.offeringId, removeSeats);
      const next = { ...plan.next, version: entitlement.version + 1, updatedAt: ctx.clock.now() };
      return {
        entitlement: view(ctx, next, target),
        removedActivations: plan.evicted,
        keptOverrides: plan.keptOverrides,
        droppedOverrides: plan.droppedOverrides,
        datesChanged: plan.datesChanged,
        warnings: plan.warnings,
        dryRun: true,
        liveActivations: plan.liveActivations,
      };
    });
  }
  return ctx.store.write((tx) => changeOfferingIn(tx, ctx, ref, { offeringId: input.offeringId, removeSeats }));
}

/** The change itself, inside the caller's transaction; `extra` goes into the event (a migration's id). */
export async function changeOfferingIn(
  tx: Tx,
  ctx: Context,
  ref: string,
  input: { offeringId: string; removeSeats: boolean; expectOfferingId?: string },
  extra: Record<string, unknown> = {},
): Promise<OfferingChangeResult> {
  let outcome: Omit<OfferingChangeResult, 'entitlement' | 'dryRun'> | undefined;
  const entitlement = await mutateIn(
    tx,
    ctx,
    ref,
    'entitlement.offering_changed',
    async (current) => {
      if (input.expectOfferingId && current.offeringId !== input.expectOfferingId) {
        throw new DomainError('INVALID_STATE', 'The entitlement is no longer on the source offering.', { offeringId: current.offeringId });
      }
      const { plan } = await loadPlan(tx, ctx, current, input.offeringId, input.removeSeats);
      const now = ctx.clock.now();
      for (const activation of plan.evicted) {
        await tx.activations.update({ ...activation, state: 'deactivated', endedAt: now, endReason: 'seats_cut' });
        await recordEvent(tx, ctx, {
          type: 'activation.deactivated',
          subjectType: 'activation',
          subjectId: activation.id,
          entitlementId: activation.entitlementId,
          customerId: activation.customerId,
          productId: activation.productId,
          before: { state: 'active' },
          after: { state: 'deactivated', reason: 'seats_cut', ...extra },
        });
      }
      outcome = {
        removedActivations: plan.evicted,
        keptOverrides: plan.keptOverrides,
        droppedOverrides: plan.droppedOverrides,
        datesChanged: plan.datesChanged,
        warnings: plan.warnings,
        liveActivations: plan.liveActivations,
      };
      return plan.next;
    },
    () => ({
      removedActivations: outcome?.removedActivations.map((a) => a.id),
      keptOverrides: outcome?.keptOverrides,
      droppedOverrides: outcome?.droppedOverrides,
      ...extra,
    }),
  );
  return { entitlement, ...outcome!, dryRun: false };
}
