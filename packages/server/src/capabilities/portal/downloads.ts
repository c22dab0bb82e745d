import type { Context } from '../../platform/domain/context.js';
import type { Keyring } from '../licensing/leases/keyring.js';
import { entitledReleases, issueDownload, type DeviceQuery, type Requester } from '../releases/downloads.js';
import type { ArtifactRecord } from '../releases/ports.js';
import type { ArtifactStores } from '../releases/storage/storage.js';
import type { EntitledRelease } from '../releases/upgrade.js';
import { ownEntitlement } from './self-service.js';

/**
 * Entitled downloads: the releases (and files) one of the customer's entitlements may have, and a
 * download through releases' gated path (`issueDownload`: usable license, published release,
 * required features, maintenance, the download limit counted and recorded with the customer), as
 * the installer with the license key would get them.
 */
export async function ownReleases(
  ctx: Context,
  keyring: Keyring,
  customerId: string,
  ref: string,
  query: DeviceQuery,
): Promise<EntitledRelease[]> {
  const entitlement = await ctx.store.read((tx) => ownEntitlement(tx, customerId, ref));
  return entitledReleases({ ...ctx, keyring, entitlementId: entitlement.id }, query);
}

export async function downloadOwnArtifact(
  ctx: Context,
  deps: { keyring: Keyring; storages: ArtifactStores },
  customerId: string,
  ref: string,
  artifactId: string,
  who: Requester,
): Promise<{ url: string; expiresAt: number; artifact: ArtifactRecord }> {
  const entitlement = await ctx.store.read((tx) => ownEntitlement(tx, customerId, ref));
  return issueDownload({ ...ctx, ...deps, entitlementId: entitlement.id }, artifactId, who);
}
