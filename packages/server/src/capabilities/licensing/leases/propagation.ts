import type { Context } from '../../../platform/domain/context.js';
import { DomainError, invalid, notFound } from '../../../platform/domain/errors.js';
import type { ActivationRecord, EntitlementRecord, EventRecord, LeaseRecord } from '../../../platform/domain/model.js';
import type { Tx } from '../../../platform/domain/ports.js';
import { requireEntitlement } from '../../entitlements/entitlements.js';
import { requireOffering } from '../../catalog/offerings.js';

/**
 * How far a change of rights has reached the fleet, read from the lease ledger itself: every lease
 * records the rights version it carries (the entitlement's version, the offering's id and version),
 * and what a device runs on is its latest lease. This is the fleet's twin: exact, because it is the
 * very table the server signs into, not a projection of it.
 *
 * A live activation is one of:
 * - held: its latest lease is unexpired and carries the target rights (or newer);
 * - behind: its latest lease is unexpired and carries older rights; it grants them until that
 *   lease expires at the latest (it refreshes before, or stops);
 * - stopped: no unexpired lease (never leased, or its lease ran out): it grants nothing.
 */

/** The rights a change produced: an entitlement version, and/or an offering at a version. */
export interface RightsTarget {
  entitlementVersion?: number;
  offeringId?: string;
  offeringVersion?: number;
}

export type DeviceStanding = 'held' | 'behind' | 'stopped';

export interface DevicePropagation {
  activation: ActivationRecord;
  lease: LeaseRecord | null;
  /** Whether its latest lease carries the target rights (even if that lease has expired). */
  holds: boolean;
  standing: DeviceStanding;
}

export interface PropagationCounts {
  /** Live activations: held + behind + stopped. */
  devices: number;
  held: number;
  behind: number;
  stopped: number;
  /** The latest expiry among the devices behind: by then each has refreshed or stopped (null: none behind). */
  allBy: number | null;
}

export interface EntitlementPropagation extends PropagationCounts {
  entitlement: EntitlementRecord;
  target: RightsTarget;
  items: DevicePropagation[];
}

export interface EventPropagation extends PropagationCounts {
  event: EventRecord;
  target: RightsTarget;
  entitlements: Array<{ entitlementId: string } & PropagationCounts>;
  /** The devices, for an entitlement's event (an offering's event lists counts per entitlement only). */
  items: DevicePropagation[] | null;
}

export function carries(lease: LeaseRecord, target: RightsTarget): boolean {
  if (target.entitlementVersion !== undefined && lease.entitlementVersion < target.entitlementVersion) return false;
  if (target.offeringId !== undefined && lease.offeringId !== target.offeringId) return false;
  if (target.offeringVersion !== undefined && lease.offeringVersion < target.offeringVersion) return false;
  return true;
}

/** Each device's standing against the target at `now` (pure: the test and the routes share it). */
export function standings(
  live: ActivationRecord[],
  latest: Map<string, LeaseRecord>,
  target: RightsTarget,
  now: number,
): DevicePropagation[] {
  return live.map((activation) => {
    const lease = latest.get(activation.id) ?? null;
    const holds = lease !== null && carries(lease, target);
    const standing: DeviceStanding = lease === null || lease.expiresAt <= now ? 'stopped' : holds ? 'held' : 'behind';
    return { activation, lease, holds, standing };
  });
}

export function countsOf(items: DevicePropagation[]): PropagationCounts {
  const counts: PropagationCounts = { devices: items.length, held: 0, behind: 0, stopped: 0, allBy: null };
  for (const d of items) {
    counts[d.standing]++;
    if (d.standing === 'behind') counts.allBy = Math.max(counts.allBy ?? 0, d.lease!.expiresAt);
  }
  return counts;
}

function sum(parts: PropagationCounts[]): PropagationCounts {
  const total: PropagationCounts = { devices: 0, held: 0, behind: 0, stopped: 0, allBy: null };
  for (const p of parts) {
    total.devices += p.devices;
    total.held += p.held;
    total.behind += p.behind;
    total.stopped += p.stopped;
    if (p.allBy !== null) total.allBy = Math.max(total.allBy ?? 0, p.allBy);
  }
  return total;
}

async function fleetOf(tx: Tx, entitlementId: string, target: RightsTarget, now: number): Promise<DevicePropagation[]> {
  const live = await tx.activations.liveOf(entitlementId);
  return standings(live, await tx.leases.latestOf(live.map((a) => a.id)), target, now);
}

/**
 * An entitlement's propagation: of its current rights (its version and its offering's current
 * version), or of version `version` of the entitlement.
 */
export function entitlementPropagation(ctx: Context, ref: string, version?: number): Promise<EntitlementPropagation> {
  return ctx.store.read(async (tx) => {
    const entitlement = await requireEntitlement(tx, ref);
    let target: RightsTarget;
    if (version === undefined) {
      const offering = await requireOffering(tx, entitlement.offeringId);
      target = { entitlementVersion: entitlement.version, offeringId: offering.id, offeringVersion: offering.version };
    } else {
      if (version > entitlement.version)
        throw invalid('version', `The entitlement is at version ${entitlement.version}; version ${version} does not exist yet.`, {
          current: entitlement.version,
        });
      target = { entitlementVersion: version };
    }
    const items = await fleetOf(tx, entitlement.id, target, ctx.clock.now());
    return { entitlement, target, items, ...countsOf(items) };
  });
}

/** The error for an event that changed no rights: nothing to propagate. */
function noRights(event: EventRecord, why: string): DomainError {
  return invalid('event', `Event ${event.id} (${event.type}) changed no rights: ${why}`, { reason: 'NO_RIGHTS_CHANGE', type: event.type });
}

/**
 * The entitlement version an entitlement's event produced. Events keep the fields a change touched,
 * not the record's counter, so it is read from the entitlement's history: the version written by the
 * same change (its type) in the same request, at or before the event. None: the event (a key issued,
 * a seat assigned) wrote no version and changed no rights.
 */
async function entitlementVersionOf(tx: Tx, event: EventRecord): Promise<number | null> {
  const written = (await tx.versions.entitlementHistory(event.subjectId)).filter(
    (v) => v.change === event.type && v.requestId === event.requestId && v.at <= event.at,
  );
  return written.at(-1)?.version ?? null;
}

/** Changes that write an offering's next version (each records exactly one of these events). */
const OFFERING_VERSIONS = new Set(['offering.updated', 'offering.retired']);

/**
 * The offering version an offering's update produced: 1 (its creation) plus the version-writing
 * events on the offering up to and including this one (ids are time-ordered).
 */
async function offeringVersionOf(tx: Tx, event: EventRecord): Promise<number> {
  let version = 1;
  for (let cursor: string | undefined; ;) {
    const page = await tx.events.list({ subjectId: event.subjectId, type: 'offering.*' }, { limit: 500, cursor });
    version += page.items.filter((e) => OFFERING_VERSIONS.has(e.type) && e.id <= event.id).length;
    if (page.next === null) return version;
    cursor = page.next;
  }
}

/**
 * The propagation of the change an event made: an entitlement's event, of that entitlement at the
 * version the event produced; an offering's update, of every entitlement now on that offering at
 * the offering version it produced. Other events change no rights (INVALID_REQUEST, reason
 * NO_RIGHTS_CHANGE).
 */
export function eventPropagation(ctx: Context, eventId: string): Promise<EventPropagation> {
  return ctx.store.read(async (tx) => {
    const event = await tx.events.find(eventId);
    if (!event) throw notFound('event', eventId);
    const now = ctx.clock.now();
    if (event.subjectType === 'entitlement' && event.type.startsWith('entitlement.')) {
      const produced = await entitlementVersionOf(tx, event);
      if (produced === null) throw noRights(event, 'it wrote no new version of the entitlement.');
      const entitlement = await requireEntitlement(tx, event.subjectId);
      const target: RightsTarget = { entitlementVersion: produced };
      const items = await fleetOf(tx, entitlement.id, target, now);
      const counts = countsOf(items);
      return { event, target, entitlements: [{ entitlementId: entitlement.id, ...counts }], items, ...counts };
    }
    if (event.type === 'offering.updated') {
      const target: RightsTarget = { offeringId: event.subjectId, offeringVersion: await offeringVersionOf(tx, event) };
      const entitlements: EventPropagation['entitlements'] = [];
      for (let afterId: string | undefined; ;) {
        const page = await tx.entitlements.idsOnOffering(event.subjectId, { limit: 500, ...(afterId ? { afterId } : {}) });
        for (const { id } of page) entitlements.push({ entitlementId: id, ...countsOf(await fleetOf(tx, id, target, now)) });
        if (page.length < 500) break;
        afterId = page.at(-1)!.id;
      }
      return { event, target, entitlements, items: null, ...sum(entitlements) };
    }
    throw noRights(event, 'only entitlement events and offering updates change the rights leases carry.');
  });
}
