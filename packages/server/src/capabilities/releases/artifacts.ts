import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { ArtifactCreate } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import { DomainError, notFound } from '../../platform/domain/errors.js';
import type { Tx } from '../../platform/domain/ports.js';
import { recordEvent } from '../events/record.js';
import { requireProduct } from '../catalog/products.js';
import type { Keyring } from '../licensing/leases/keyring.js';
import { writeThenRefuse } from '../licensing/activations/license.js';
import { checkRequires, requireRelease } from './releases.js';
import { signArtifact } from './signing.js';
import type { ArtifactRecord } from './ports.js';
import { MAX_LINK_MS, type ArtifactStorage, type ArtifactStores, type StoredFile } from './storage/storage.js';

/** What artifact work needs beyond a context: the storage drivers and the signing keys. */
export interface ArtifactContext extends Context {
  storages: ArtifactStores;
  keyring: Keyring;
}

export interface UploadTicket {
  artifact: ArtifactRecord;
  uploadUrl: string;
  expiresAt: number;
}

export const storedFile = (accountId: string, a: ArtifactRecord): StoredFile => ({
  accountId,
  artifactId: a.id,
  key: a.storageKey,
  filename: a.filename,
});

/** The driver an artifact's bytes are in; one this server is not configured for is a 409, not a 500. */
export function storageOf(ctx: { storages: ArtifactStores }, a: ArtifactRecord): ArtifactStorage {
  const storage = ctx.storages.get(a.storage);
  if (!storage) {
    throw new DomainError('INVALID_STATE', `The artifact is kept in ${a.storage} storage, which this server is not configured for.`, {
      storage: a.storage,
    });
  }
  return storage;
}

export async function requireArtifact(tx: Tx, id: string, opts: { lock?: boolean } = {}): Promise<ArtifactRecord> {
  const artifact = await tx.artifacts.find(id, opts);
  if (!artifact) throw notFound('artifact', id);
  return artifact;
}

const about = (a: ArtifactRecord) => ({ subjectType: 'artifact' as const, subjectId: a.id, productId: a.productId });

/**
 * Declares a file of a release and answers where to PUT its bytes. The expected size and sha256,
 * when given, are checked against what arrives.
 */
export async function createArtifact(ctx: ArtifactContext, releaseId: string, input: ArtifactCreate): Promise<UploadTicket> {
  const artifact = await ctx.store.write(async (tx) => {
    const release = await requireRelease(tx, releaseId, { lock: true });
    if (release.status === 'yanked') throw new DomainError('INVALID_STATE', 'The release was yanked; it takes no new artifacts.');
    const requires = input.requires ?? [];
    await checkRequires(tx, await requireProduct(tx, release.productId), requires);
    const id = ctx.ids.next('artifact');
    const created: ArtifactRecord = {
      id,
      releaseId: release.id,
      productId: release.productId,
      filename: input.filename,
      platform: input.platform,
      arch: input.arch,
      status: 'waiting',
      size: null,
      sha256: null,
      expectedSize: input.size ?? null,
      expectedSha256: input.sha256 ?? null,
      requires,
      signature: null,
      signatureKid: null,
      storage: ctx.storages.current.name,
      storageKey: `${ctx.store.scope.accountId}/${id}`,
      error: null,
      metadata: input.metadata ?? {},
      createdAt: ctx.clock.now(),
      uploadedAt: null,
    };
    await tx.artifacts.insert(created);
    await recordEvent(tx, ctx, { ...about(created), type: 'artifact.created', after: withoutStorage(created) });
    return created;
  });
  const expiresAt = ctx.clock.now() + MAX_LINK_MS;
  const uploadUrl = await storageOf(ctx, artifact).uploadUrl(storedFile(ctx.store.scope.accountId, artifact), expiresAt);
  return { artifact, uploadUrl, expiresAt };
}

const withoutStorage = ({ storageKey: _key, signature: _s, ...rest }: ArtifactRecord) => rest;

/** An artifact with how many downloads were granted of it. */
export interface ArtifactView {
  record: ArtifactRecord;
  downloads: number;
}

async function viewsOf(tx: Tx, records: ArtifactRecord[]): Promise<ArtifactView[]> {
  const counts = await tx.downloads.countsBy(
    'artifact',
    records.map((a) => a.id),
  );
  return records.map((record) => ({ record, downloads: counts.get(record.id) ?? 0 }));
}

export function getArtifact(ctx: Context, id: string): Promise<ArtifactView> {
  return ctx.store.read(async (tx) => (await viewsOf(tx, [await requireArtifact(tx, id)]))[0]!);
}

export function listArtifacts(ctx: Context, releaseId: string): Promise<ArtifactView[]> {
  return ctx.store.read(async (tx) => viewsOf(tx, await tx.artifacts.ofReleases([(await requireRelease(tx, releaseId)).id])));
}

/** Deletes an artifact nobody downloaded (its bytes after the commit); a downloaded one is kept for the history. */
export async function deleteArtifact(ctx: ArtifactContext, id: string): Promise<void> {
  const artifact = await ctx.store.write(async (tx) => {
    const a = await requireArtifact(tx, id, { lock: true });
    if ((await tx.downloads.count({ artifactId: a.id })) > 0) {
      throw new DomainError('IN_USE', 'The artifact has been downloaded; yank its release instead, to keep the download history.');
    }
    await tx.artifacts.delete(a.id);
    await recordEvent(tx, ctx, { ...about(a), type: 'artifact.deleted', before: { filename: a.filename, status: a.status } });
    return a;
  });
  await removeBytes(ctx, [artifact]);
}

/** Removes stored bytes of deleted artifacts; a failure leaves an orphan object, never a broken record. */
export async function removeBytes(ctx: ArtifactContext, artifacts: readonly ArtifactRecord[]): Promise<void> {
  for (const a of artifacts)
    await ctx.storages
      .get(a.storage)
      ?.remove(storedFile(ctx.store.scope.accountId, a))
      .catch(() => {});
}

/** The size and sha256 of a stream, read once without holding it in memory. */
export async function measure(body: Readable): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    hash.update(chunk as Buffer);
  }
  return { size, sha256: hash.digest('hex') };
}

/** Whether new bytes may arrive for the artifact: while it waits for them, or after a failed try. */
export function acceptsUpload(a: ArtifactRecord): DomainError | null {
  if (a.status === 'uploaded') {
    return new DomainError('INVALID_STATE', 'The artifact is uploaded already; delete it and declare a new one to replace the file.');
  }
  return null;
}

/**
 * Finishes an upload: measures the stored bytes (or takes what the filesystem driver measured on
 * the way in), checks them against the declared size and sha256, and signs them. A mismatch marks
 * the artifact failed, removes the bytes, commits that, and answers ARTIFACT_MISMATCH; the vendor
 * may PUT again.
 */
export async function completeUpload(
  ctx: ArtifactContext,
  id: string,
  measured?: { size: number; sha256: string },
): Promise<ArtifactRecord> {
  const accountId = ctx.store.scope.accountId;
  const current = await ctx.store.read((tx) => requireArtifact(tx, id));
  const refusal = acceptsUpload(current);
  if (refusal) throw refusal;
  const storage = storageOf(ctx, current);
  let facts = measured;
  if (!facts) {
    const body = await storage.open(storedFile(accountId, current));
    if (!body) {
      throw new DomainError('INVALID_STATE', 'No bytes have been uploaded for this artifact yet.', {
        resolve: 'PUT the file to its uploadUrl.',
      });
    }
    facts = await measure(body);
  }
  const mismatch = [
    ...(current.expectedSize !== null && current.expectedSize !== facts.size ? ['size'] : []),
    ...(current.expectedSha256 !== null && current.expectedSha256 !== facts.sha256 ? ['sha256'] : []),
  ];
  if (mismatch.length > 0) await storage.remove(storedFile(accountId, current));
  return writeThenRefuse(ctx, async (tx) => {
    const before = await requireArtifact(tx, id, { lock: true });
    const again = acceptsUpload(before);
    if (again) return again;
    if (mismatch.length > 0) {
      const error = `The uploaded ${mismatch.join(' and ')} differ${mismatch.length === 1 ? 's' : ''} from what the artifact declared.`;
      const failed: ArtifactRecord = { ...before, status: 'failed', error };
      await tx.artifacts.update(failed);
      await recordEvent(tx, ctx, {
        ...about(failed),
        type: 'artifact.upload_failed',
        before: { status: before.status },
        after: { status: 'failed' },
        context: { reason: error },
      });
      return new DomainError('ARTIFACT_MISMATCH', error, {
        mismatch,
        expected: { size: before.expectedSize, sha256: before.expectedSha256 },
        received: facts,
      });
    }
    const signed = await signArtifact(tx, ctx.keyring, { accountId, artifactId: before.id, filename: before.filename, ...facts });
    const after: ArtifactRecord = {
      ...before,
      status: 'uploaded',
      size: facts.size,
      sha256: facts.sha256,
      signature: signed.signature,
      signatureKid: signed.kid,
      error: null,
      uploadedAt: ctx.clock.now(),
    };
    await tx.artifacts.update(after);
    await recordEvent(tx, ctx, {
      ...about(after),
      type: 'artifact.uploaded',
      before: { status: before.status },
      after: { status: 'uploaded', size: after.size, sha256: after.sha256, signatureKid: after.signatureKid },
    });
    return after;
  });
}

/**
 * After a signing-key rotation: signs again, with the active key, the uploaded artifacts another
 * key signed (the statement needs only the recorded name, size and sha256, so no byte is read),
 * up to `limit` per call; `more` says whether to call again. Each is an `artifact.resigned` event.
 */
export function resignArtifacts(ctx: ArtifactContext, limit: number): Promise<{ kid: string; resigned: number; more: boolean }> {
  return ctx.store.write(async (tx) => {
    const accountId = ctx.store.scope.accountId;
    const { kid } = await ctx.keyring.activeKey(tx, accountId);
    const stale = await tx.artifacts.signedWithOther(kid, limit + 1);
    const batch = stale.slice(0, limit);
    for (const before of batch) {
      const signed = await signArtifact(tx, ctx.keyring, {
        accountId,
        artifactId: before.id,
        filename: before.filename,
        size: before.size!,
        sha256: before.sha256!,
      });
      const after: ArtifactRecord = { ...before, signature: signed.signature, signatureKid: signed.kid };
      await tx.artifacts.update(after);
      await recordEvent(tx, ctx, {
        ...about(after),
        type: 'artifact.resigned',
        before: { signatureKid: before.signatureKid },
        after: { signatureKid: after.signatureKid },
      });
    }
    return { kid, resigned: batch.length, more: stale.length > limit };
  });
}
