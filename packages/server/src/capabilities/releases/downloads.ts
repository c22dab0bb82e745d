import { channelsIncluded, grants, parseVersion, type ReleaseChannel } from '@leasehold/contract';
import { DomainError, invalid, notFound } from '../../platform/domain/errors.js';
import type { Context } from '../../platform/domain/context.js';
import type { Page, PageRequest } from '../../platform/domain/model.js';
import { recordEvent } from '../events/record.js';
import { loadLicense, type ClientContext } from '../licensing/activations/license.js';
import { validateLicense, type LicenseFacts } from '../licensing/validation/validate.js';
import type { Tx } from '../../platform/domain/ports.js';
import { rolloutReaches } from './rollouts.js';
import { countingSince, downloadLimitOf, downloadRefusal, releaseRefusal } from './access.js';
import { storageOf, storedFile } from './artifacts.js';
import { requireRelease } from './releases.js';
import { planUpgrade, suits, type EntitledRelease, type UpgradePlan } from './upgrade.js';
import type { ArtifactRecord, DownloadQuery, DownloadRecord, ReleaseRecord } from './ports.js';
import { MAX_LINK_MS, type ArtifactStores } from './storage/storage.js';

export interface DownloadContext extends ClientContext {
  storages: ArtifactStores;
}

export interface DeviceQuery {
  channel?: ReleaseChannel | undefined;
  platform?: string | undefined;
  arch?: string | undefined;
}

/** Who is asking for a download, for the history: the device if it said, its address and user agent. */
export interface Requester {
  fingerprint: string | null;
  address: string | null;
  userAgent: string | null;
}

/**
 * The releases this license may download on the channel (and the more stable ones), newest
 * version first, each with the artifacts that suit the device and that the license may have. A
 * license that may not run is refused with its code rather than shown an empty list.
 */
export function entitledReleases(ctx: ClientContext, query: DeviceQuery): Promise<EntitledRelease[]> {
  return ctx.store.read(async (tx) => (await entitledIn(tx, ctx, query)).releases);
}

async function entitledIn(tx: Tx, ctx: ClientContext, query: DeviceQuery): Promise<{ license: LicenseFacts; releases: EntitledRelease[] }> {
  {
    const now = ctx.clock.now();
    const license = await loadLicense(tx, ctx, false);
    const verdict = validateLicense({ now, license, live: [] });
    if (!verdict.valid) throw new DomainError(verdict.code as 'SUSPENDED', verdict.message, verdict.details);
    const releases = (
      await tx.releases.all(license.product.id, { channels: channelsIncluded(query.channel ?? 'stable'), status: 'published' })
    ).filter((r) => releaseRefusal(license, r, now) === null);
    const artifacts = await tx.artifacts.ofReleases(releases.map((r) => r.id));
    const fits = (a: ArtifactRecord) =>
      a.status === 'uploaded' && suits(a, query.platform, query.arch) && a.requires.every((code) => grants(license.rights.features[code]));
    return {
      license,
      releases: releases
        .map((release) => ({ release, artifacts: artifacts.filter((a) => a.releaseId === release.id && fits(a)) }))
        .filter((e) => e.artifacts.length > 0),
    };
  }
}

/** The newest release the device may move to from `version`, and whether it is critical or required. */
export async function checkForUpgrade(
  ctx: ClientContext,
  version: string,
  query: DeviceQuery & { fingerprint?: string | undefined },
): Promise<UpgradePlan> {
  const current = parseVersion(version);
  if (!current) throw invalid('version', 'version must be a semantic version such as 1.4.0.', { value: version });
  return ctx.store.read(async (tx) => {
    const { license, releases } = await entitledIn(tx, ctx, query);
    // A release under a rollout is offered only to the devices it reaches (the others see the releases before it).
    const who = { entitlementId: license.entitlement.id, customerId: license.entitlement.customerId, offeringId: license.offering.id };
    const fingerprint = query.fingerprint ?? null;
    let platform = query.platform ?? null;
    if (platform === null && fingerprint !== null && releases.some((e) => e.release.rollout?.platforms.length)) {
      platform = (await tx.activations.findLive(license.entitlement.id, fingerprint))?.platform ?? null;
    }
    const device = { fingerprint, platform, version: current };
    return planUpgrade(
      current,
      releases.filter((e) => e.release.rollout === null || rolloutReaches(e.release.id, e.release.rollout, who, device)),
    );
  });
}

/**
 * A signed download URL for one artifact, valid for at most an hour. The rules decide in one
 * transaction that holds the entitlement's row lock, and the download is recorded (and counted)
 * in it: of many requests racing against a limit of N, exactly N get a URL, on either store.
 */
export async function issueDownload(
  ctx: DownloadContext,
  artifactId: string,
  who: Requester,
): Promise<{ url: string; expiresAt: number; artifact: ArtifactRecord }> {
  const { artifact } = await ctx.store.write(async (tx) => {
    const now = ctx.clock.now();
    const license = await loadLicense(tx, ctx, true);
    const artifact = await tx.artifacts.find(artifactId);
    const release = artifact && (await tx.releases.find(artifact.releaseId));
    if (!artifact || !release || release.productId !== license.product.id) throw notFound('artifact', artifactId);
    const limit = downloadLimitOf(license);
    const used = limit
      ? await tx.downloads.count(limitQuery(license.entitlement.id, release, artifact, limit.per, countingSince(limit, now)))
      : 0;
    const refused = downloadRefusal(license, release, artifact, used, now);
    if (refused) throw refused;
    const download: DownloadRecord = {
      id: ctx.ids.next('download'),
      artifactId: artifact.id,
      releaseId: release.id,
      productId: release.productId,
      entitlementId: license.entitlement.id,
      customerId: license.customer.id,
      ...who,
      at: now,
    };
    await tx.downloads.insert(download);
    await recordEvent(tx, ctx, {
      type: 'artifact.downloaded',
      subjectType: 'artifact',
      subjectId: artifact.id,
      productId: release.productId,
      customerId: license.customer.id,
      entitlementId: license.entitlement.id,
      after: {
        releaseId: release.id,
        version: release.version,
        filename: artifact.filename,
        address: who.address,
        userAgent: who.userAgent,
      },
      context: { downloadId: download.id, fingerprint: who.fingerprint },
    });
    return { artifact };
  });
  const expiresAt = ctx.clock.now() + MAX_LINK_MS;
  const url = await storageOf(ctx, artifact).downloadUrl(storedFile(ctx.store.scope.accountId, artifact), expiresAt);
  return { url, expiresAt, artifact };
}

function limitQuery(
  entitlementId: string,
  release: ReleaseRecord,
  artifact: ArtifactRecord,
  per: 'artifact' | 'release',
  since?: number,
): DownloadQuery {
  return {
    entitlementId,
    ...(per === 'artifact' ? { artifactId: artifact.id } : { releaseId: release.id }),
    ...(since !== undefined ? { since } : {}),
  };
}

/** The download history of a release (vendor API), filtered by customer, entitlement or artifact. */
export function releaseDownloads(ctx: Context, releaseId: string, filter: DownloadQuery, page: PageRequest): Promise<Page<DownloadRecord>> {
  return ctx.store.read(async (tx) => {
    const release = await requireRelease(tx, releaseId);
    return tx.downloads.list({ ...filter, releaseId: release.id }, page);
  });
}

/** What one customer downloaded, across releases (of the products in scope). */
export function customerDownloads(ctx: Context, customerRef: string, page: PageRequest): Promise<Page<DownloadRecord>> {
  return ctx.store.read(async (tx) => {
    const customer = await tx.customers.find(customerRef);
    if (!customer) throw notFound('customer', customerRef);
    return tx.downloads.list({ customerId: customer.id }, page);
  });
}
