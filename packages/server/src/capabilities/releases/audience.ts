import { compareVersions, parseVersion, type RolloutInput } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import type { ActivationRecord, OfferingRecord } from '../../platform/domain/model.js';
import { effectiveRights } from '../entitlements/effective-rights.js';
import { requireProduct } from '../catalog/products.js';
import { releaseRefusal } from './access.js';
import { requireRelease } from './releases.js';
import type { RolloutRecord } from './ports.js';
import { inRange, licenseTargeted, parseRange, rolloutFrom, rolloutReaches } from './rollouts.js';

/** Who a release reaches, counted before (or after) publishing it. */
export interface Audience {
  /** Customers with at least one license that may download the release. */
  customers: number;
  entitlements: number;
  /** Live devices on those licenses (on the platform, when asked), by the version they last reported. */
  devices: { total: number; below: number; atOrAbove: number; unknownVersion: number; outOfRange: number };
  /** Customers with a device the upgrade is offered to. */
  affectedCustomers: number;
  /** Counted through a rollout (the release's, or a candidate's). */
  rollout: boolean;
  /** Share of devices that report this version or newer (0..1; null without devices). */
  adoption: number | null;
}

/** Entitlements read per page while counting: bounded memory for products with many licenses. */
const PAGE = 500;

/**
 * How many customers, licenses and devices a release reaches: the licenses of its product that the
 * access rules let download it (as if it were published now), and their live devices on
 * `platform`, split by whether the version they last reported is below the release. Before
 * publishing, `below` is how many devices the upgrade will be offered to; afterwards, `adoption`
 * says how many have moved.
 */
export function releaseAudience(ctx: Context, releaseId: string, platform?: string, candidate?: RolloutRecord | null): Promise<Audience> {
  return ctx.store.read(async (tx) => {
    const now = ctx.clock.now();
    const release = await requireRelease(tx, releaseId);
    const product = await requireProduct(tx, release.productId);
    const target = parseVersion(release.version)!;
    // With a rollout, only the licenses and devices it targets count; `below` then is whom it offers the upgrade to.
    const rollout = candidate !== undefined ? candidate : release.rollout;
    const range = rollout?.versions ? parseRange(rollout.versions) : null;
    const affected = new Set<string>();
    const asPublished = { ...release, status: 'published' as const, publishedAt: release.publishedAt ?? now };
    const offerings = new Map<string, OfferingRecord | undefined>();
    const customers = new Set<string>();
    let entitlements = 0;
    const devices = { total: 0, below: 0, atOrAbove: 0, unknownVersion: 0, outOfRange: 0 };
    let cursor: string | undefined;
    do {
      const page = await tx.entitlements.list({ productId: product.id }, { limit: PAGE, cursor });
      const reached = [];
      for (const entitlement of page.items) {
        if (!offerings.has(entitlement.offeringId)) offerings.set(entitlement.offeringId, await tx.offerings.find(entitlement.offeringId));
        const offering = offerings.get(entitlement.offeringId);
        if (!offering) continue;
        const license = { entitlement, offering, product, rights: effectiveRights(offering, entitlement, now) };
        if (releaseRefusal(license, asPublished, now) !== null) continue;
        reached.push(entitlement);
      }
      const live = new Map<string, ActivationRecord[]>();
      for (const device of await tx.activations.liveOfMany(reached.map((e) => e.id))) {
        live.set(device.entitlementId, [...(live.get(device.entitlementId) ?? []), device]);
      }
      for (const entitlement of reached) {
        const who = { entitlementId: entitlement.id, customerId: entitlement.customerId, offeringId: entitlement.offeringId };
        const own = live.get(entitlement.id) ?? [];
        const named = !rollout || licenseTargeted(rollout, who) || own.some((d) => rollout.devices.includes(d.fingerprint));
        if (!named) continue;
        entitlements++;
        customers.add(entitlement.customerId);
        for (const device of own) {
          if (platform !== undefined && device.platform !== platform) continue;
          const reported = device.version === null ? null : parseVersion(device.version);
          const facts = { fingerprint: device.fingerprint, platform: device.platform, version: reported };
          if (rollout && !rolloutReaches(release.id, rollout, who, facts, { ignoreVersions: true })) continue;
          devices.total++;
          if (reported === null) devices.unknownVersion++;
          else if (compareVersions(reported, target) >= 0) devices.atOrAbove++;
          else if (range && !inRange(reported, range)) devices.outOfRange++;
          else {
            devices.below++;
            affected.add(entitlement.customerId);
          }
        }
      }
      cursor = page.next ?? undefined;
    } while (cursor);
    const known = devices.below + devices.atOrAbove;
    return {
      customers: customers.size,
      entitlements,
      devices,
      affectedCustomers: affected.size,
      rollout: rollout !== null,
      adoption: known === 0 ? null : devices.atOrAbove / known,
    };
  });
}

/** Whom a candidate rollout would reach, counted without saving it (the console's live count). */
export async function previewRollout(ctx: Context, releaseId: string, input: RolloutInput, platform?: string): Promise<Audience> {
  const candidate = await ctx.store.read(async (tx) => rolloutFrom(tx, await requireRelease(tx, releaseId), input, ctx.clock.now()));
  return releaseAudience(ctx, releaseId, platform, candidate);
}
