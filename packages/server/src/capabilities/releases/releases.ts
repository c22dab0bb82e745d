import { parseVersion, versionKey, type ReleaseCreate, type ReleasePatch } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import { DomainError, invalid, notFound } from '../../platform/domain/errors.js';
import type { Page, ProductRecord } from '../../platform/domain/model.js';
import type { Tx } from '../../platform/domain/ports.js';
import { timeFrom } from '../../platform/domain/dates.js';
import { recordEvent } from '../events/record.js';
import { requireProduct } from '../catalog/products.js';
import type { ArtifactRecord, ReleaseFilter, ReleaseRecord, VersionPageRequest } from './ports.js';

export async function requireRelease(tx: Tx, id: string, opts: { lock?: boolean } = {}): Promise<ReleaseRecord> {
  const release = await tx.releases.find(id, opts);
  if (!release) throw notFound('release', id);
  return release;
}

/** A release with what the vendor sees beside it: how many artifacts and downloads it has. */
export interface ReleaseView {
  record: ReleaseRecord;
  artifacts: number;
  downloads: number;
}

export async function viewsOf(tx: Tx, records: ReleaseRecord[]): Promise<ReleaseView[]> {
  const ids = records.map((r) => r.id);
  const artifacts = await tx.artifacts.ofReleases(ids);
  const downloads = await tx.downloads.countsBy('release', ids);
  return records.map((record) => ({
    record,
    artifacts: artifacts.filter((a) => a.releaseId === record.id).length,
    downloads: downloads.get(record.id) ?? 0,
  }));
}

const viewOf = async (tx: Tx, r: ReleaseRecord): Promise<ReleaseView> => (await viewsOf(tx, [r]))[0]!;

const about = (r: ReleaseRecord) => ({ subjectType: 'release' as const, subjectId: r.id, productId: r.productId });

/** A version field's semver, or a 400 naming the field. */
function semver(field: string, text: string) {
  const v = parseVersion(text);
  if (!v) throw invalid(field, `${field} must be a semantic version such as 1.4.0 or 2.0.0-rc.1.`, { value: text });
  return v;
}

/** Features a release or artifact requires must exist in its product, so a typo cannot lock everyone out. */
export async function checkRequires(tx: Tx, product: ProductRecord, requires: readonly string[], field = 'requires'): Promise<void> {
  if (requires.length === 0) return;
  const known = new Set((await tx.features.allOf(product.id)).map((f) => f.code));
  const unknown = requires.filter((code) => !known.has(code));
  if (unknown.length > 0) {
    throw new DomainError('UNKNOWN_FEATURE', `The product has no feature ${unknown.map((c) => JSON.stringify(c)).join(', ')}.`, {
      field,
      unknown,
    });
  }
}

export function listReleases(
  ctx: Context,
  productRef: string,
  filter: ReleaseFilter,
  page: VersionPageRequest,
): Promise<Page<ReleaseView>> {
  return ctx.store.read(async (tx) => {
    const found = await tx.releases.list((await requireProduct(tx, productRef)).id, filter, page);
    return { items: await viewsOf(tx, found.items), next: found.next };
  });
}

export function getRelease(ctx: Context, id: string): Promise<ReleaseView> {
  return ctx.store.read(async (tx) => viewOf(tx, await requireRelease(tx, id)));
}

/** A new release is a draft: only vendor keys see it until it is published. */
export function createRelease(ctx: Context, productRef: string, input: ReleaseCreate): Promise<ReleaseView> {
  const version = semver('version', input.version);
  if (input.minimumVersion) semver('minimumVersion', input.minimumVersion);
  return ctx.store.write(async (tx) => {
    const product = await requireProduct(tx, productRef);
    const requires = input.requires ?? [];
    await checkRequires(tx, product, requires);
    const now = ctx.clock.now();
    const release: ReleaseRecord = {
      id: ctx.ids.next('release'),
      productId: product.id,
      version: input.version,
      versionKey: versionKey(version),
      channel: input.channel ?? (version.pre.length > 0 ? 'beta' : 'stable'),
      status: 'draft',
      notes: input.notes ?? '',
      critical: input.critical ?? false,
      minimumVersion: input.minimumVersion ?? null,
      requires,
      publishedAt: null,
      backdatedTo: input.backdatedTo ? timeFrom('backdatedTo', input.backdatedTo) : null,
      yankedAt: null,
      rollout: null,
      metadata: input.metadata ?? {},
      createdAt: now,
      updatedAt: now,
    };
    await tx.releases.insert(release);
    await recordEvent(tx, ctx, { ...about(release), type: 'release.created', after: release });
    return viewOf(tx, release);
  });
}

export function updateRelease(ctx: Context, id: string, patch: ReleasePatch): Promise<ReleaseView> {
  if (patch.minimumVersion) semver('minimumVersion', patch.minimumVersion);
  return ctx.store.write(async (tx) => {
    const before = await requireRelease(tx, id, { lock: true });
    if (patch.requires) await checkRequires(tx, await requireProduct(tx, before.productId), patch.requires);
    const after: ReleaseRecord = {
      ...before,
      ...(patch.channel !== undefined ? { channel: patch.channel } : {}),
      ...(patch.notes !== undefined ? { notes: patch.notes } : {}),
      ...(patch.critical !== undefined ? { critical: patch.critical } : {}),
      ...(patch.minimumVersion !== undefined ? { minimumVersion: patch.minimumVersion } : {}),
      ...(patch.requires !== undefined ? { requires: patch.requires } : {}),
      ...(patch.metadata !== undefined ? { metadata: patch.metadata } : {}),
      ...(patch.backdatedTo !== undefined
        ? { backdatedTo: patch.backdatedTo === null ? null : timeFrom('backdatedTo', patch.backdatedTo) }
        : {}),
      updatedAt: ctx.clock.now(),
    };
    await tx.releases.update(after);
    await recordEvent(tx, ctx, { ...about(after), type: 'release.updated', before, after });
    return viewOf(tx, after);
  });
}

/**
 * Publishing makes a release downloadable by entitled licenses. It needs at least one uploaded
 * artifact, so no client is offered an upgrade it cannot download.
 */
export function publishRelease(ctx: Context, id: string): Promise<ReleaseView> {
  return ctx.store.write(async (tx) => {
    const before = await requireRelease(tx, id, { lock: true });
    if (before.status !== 'draft') {
      throw new DomainError('INVALID_STATE', `The release is ${before.status}; only a draft can be published.`, { status: before.status });
    }
    const artifacts = await tx.artifacts.ofReleases([before.id]);
    if (!artifacts.some((a) => a.status === 'uploaded')) {
      throw new DomainError('INVALID_STATE', 'The release has no uploaded artifact yet; upload one before publishing.', {
        resolve: 'POST /v1/releases/{id}/artifacts, then PUT the bytes to its uploadUrl.',
      });
    }
    const now = ctx.clock.now();
    const after: ReleaseRecord = { ...before, status: 'published', publishedAt: now, updatedAt: now };
    await tx.releases.update(after);
    await recordEvent(tx, ctx, { ...about(after), type: 'release.published', before, after });
    return viewOf(tx, after);
  });
}

/** Yanking withdraws a published release: no more downloads or upgrades to it; its history stays. */
export function yankRelease(ctx: Context, id: string): Promise<ReleaseView> {
  return ctx.store.write(async (tx) => {
    const before = await requireRelease(tx, id, { lock: true });
    if (before.status !== 'published') {
      throw new DomainError('INVALID_STATE', `The release is ${before.status}; only a published release can be yanked.`, {
        status: before.status,
      });
    }
    const now = ctx.clock.now();
    const after: ReleaseRecord = { ...before, status: 'yanked', yankedAt: now, updatedAt: now };
    await tx.releases.update(after);
    await recordEvent(tx, ctx, { ...about(after), type: 'release.yanked', before, after });
    return viewOf(tx, after);
  });
}

/**
 * Deletes a release with its artifacts, unless someone downloaded it (then the download history
 * would point at nothing: yank it instead). Returns the artifacts whose bytes the caller removes
 * once the deletion committed.
 */
export function deleteRelease(ctx: Context, id: string): Promise<ArtifactRecord[]> {
  return ctx.store.write(async (tx) => {
    const release = await requireRelease(tx, id, { lock: true });
    if ((await tx.downloads.count({ releaseId: release.id })) > 0) {
      throw new DomainError('IN_USE', 'The release has been downloaded; yank it instead, to keep the download history.', {
        resolve: 'POST /v1/releases/{id}/yank',
      });
    }
    const artifacts = await tx.artifacts.ofReleases([release.id]);
    for (const a of artifacts) await tx.artifacts.delete(a.id);
    await tx.releases.delete(release.id);
    await recordEvent(tx, ctx, {
      ...about(release),
      type: 'release.deleted',
      before: { version: release.version, status: release.status },
    });
    return artifacts;
  });
}
