import { compareVersions, parseVersion } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import type { OfferingRecord } from '../../platform/domain/model.js';
import { effectiveRights } from '../entitlements/effective-rights.js';
import { requireProduct } from '../catalog/products.js';
import { releaseRefusal } from './access.js';
import { requireRelease } from './releases.js';

/** Who a release reaches, counted before (or after) publishing it. */
export interface Audience {
  /** Customers with at least one license that may download the release. */
  customers: number;
  entitlements: number;
  /** Live devices on those licenses (on the platform, when asked), by the version they last reported. */
  devices: { total: number; below: number; atOrAbove: number; unknownVersion: number };
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
export function releaseAudience(ctx: Context, releaseId: string, platform?: string): Promise<Audience> {
  return ctx.store.read(async (tx) => {
    const now = ctx.clock.now();
    const release = await requireRelease(tx, releaseId);
    const product = await requireProduct(tx, release.productId);
    const target = parseVersion(release.version)!;
    const asPublished = { ...release, status: 'published' as const, publishedAt: release.publishedAt ?? now };
    const offerings = new Map<string, OfferingRecord | undefined>();
    const customers = new Set<string>();
    let entitlements = 0;
    const devices = { total: 0, below: 0, atOrAbove: 0, unknownVersion: 0 };
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
        customers.add(entitlement.customerId);
      }
      entitlements += reached.length;
      for (const device of await tx.activations.liveOfMany(reached.map((e) => e.id))) {
        if (platform !== undefined && device.platform !== platform) continue;
        devices.total++;
        const reported = device.version === null ? null : parseVersion(device.version);
        if (reported === null) devices.unknownVersion++;
        else if (compareVersions(reported, target) < 0) devices.below++;
        else devices.atOrAbove++;
      }
      cursor = page.next ?? undefined;
    } while (cursor);
    const known = devices.below + devices.atOrAbove;
    return { customers: customers.size, entitlements, devices, adoption: known === 0 ? null : devices.atOrAbove / known };
  });
}
