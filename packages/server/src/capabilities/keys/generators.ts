import type { KeyGeneratorCreate, KeyGeneratorPatch } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import { DomainError, invalid, notFound } from '../../platform/domain/errors.js';
import type { Page, PageRequest } from '../../platform/domain/model.js';
import type { Tx } from '../../platform/domain/ports.js';
import { recordEvent } from '../events/record.js';
import { requireOffering } from '../catalog/offerings.js';
import { requireProduct } from '../catalog/products.js';
import { REMOTE_SECRET_PURPOSE } from './new-key.js';
import { checkPattern } from './pattern.js';
import { checkRemote, newRemoteSecret } from './remote.js';
import type { KeyGeneratorRecord, PendingKeyRecord } from './ports.js';

/** What the audit log keeps of a generator: never its secret. */
const snapshot = ({ secretSealed: _s, ...rest }: KeyGeneratorRecord) => rest;

function checkSettings(g: Pick<KeyGeneratorRecord, 'kind' | 'pattern' | 'remote'>): void {
  if (g.kind === 'pattern') {
    if (!g.pattern) throw invalid('pattern', 'A pattern generator needs `pattern`.');
    checkPattern(g.pattern);
  } else if (g.pattern) throw invalid('pattern', `A ${g.kind} generator takes no pattern.`);
  if (g.kind === 'remote') {
    if (!g.remote) throw invalid('remote', 'A remote generator needs `remote.url`.');
    checkRemote(g.remote);
  } else if (g.remote) throw invalid('remote', `A ${g.kind} generator takes no remote settings.`);
}

async function requireGenerator(tx: Tx, id: string): Promise<KeyGeneratorRecord> {
  const g = await tx.keyGenerators.find(id);
  if (!g) throw notFound('key generator', id);
  return g;
}

/** Sets how keys are made for a product or one offering (one generator each); a remote one gets its secret, answered once. */
export function createKeyGenerator(
  ctx: Context,
  input: KeyGeneratorCreate,
): Promise<{ generator: KeyGeneratorRecord; secret: string | null }> {
  return ctx.store.write((tx) => insertKeyGenerator(tx, ctx, input));
}

/** `createKeyGenerator` inside the caller's transaction (an import sets imported keys for the offerings it makes). */
export function insertKeyGenerator(
  tx: Tx,
  ctx: Context,
  input: KeyGeneratorCreate,
): Promise<{ generator: KeyGeneratorRecord; secret: string | null }> {
  return (async () => {
    if (!input.productId && !input.offeringId) throw invalid('productId', 'Name the product or the offering the generator is for.');
    const offering = input.offeringId ? await requireOffering(tx, input.offeringId) : null;
    const product = input.productId ? await requireProduct(tx, input.productId) : await requireProduct(tx, offering!.productId);
    if (offering && offering.productId !== product.id) {
      throw new DomainError('PRODUCT_MISMATCH', 'The offering belongs to another product.', { field: 'offeringId' });
    }
    const secret = input.kind === 'remote' ? newRemoteSecret() : null;
    const now = ctx.clock.now();
    const generator: KeyGeneratorRecord = {
      id: ctx.ids.next('keyGenerator'),
      productId: product.id,
      offeringId: offering?.id ?? null,
      kind: input.kind,
      pattern: input.pattern ?? null,
      remote: input.remote ?? null,
      secretSealed: secret === null ? null : ctx.secrets.encrypt(REMOTE_SECRET_PURPOSE, secret),
      createdAt: now,
      updatedAt: now,
    };
    checkSettings(generator);
    if ((await tx.keyGenerators.forOffering(product.id, offering?.id ?? ''))?.offeringId === generator.offeringId) {
      throw new DomainError('IN_USE', `The ${offering ? 'offering' : 'product'} has a key generator already: change or delete it.`, {
        field: offering ? 'offeringId' : 'productId',
      });
    }
    await tx.keyGenerators.insert(generator);
    await recordEvent(tx, ctx, {
      type: 'key_generator.created',
      subjectType: 'key_generator',
      subjectId: generator.id,
      productId: product.id,
      after: snapshot(generator),
    });
    return { generator, secret };
  })();
}

export function getKeyGenerator(ctx: Context, id: string): Promise<KeyGeneratorRecord> {
  return ctx.store.read((tx) => requireGenerator(tx, id));
}

export function listKeyGenerators(ctx: Context, product: string | undefined, page: PageRequest): Promise<Page<KeyGeneratorRecord>> {
  return ctx.store.read(async (tx) => {
    const productId = product === undefined ? undefined : ((await tx.products.find(product))?.id ?? '-');
    return tx.keyGenerators.list({ productId }, page);
  });
}

export function updateKeyGenerator(ctx: Context, id: string, patch: KeyGeneratorPatch): Promise<KeyGeneratorRecord> {
  return ctx.store.write(async (tx) => {
    const before = await requireGenerator(tx, id);
    const after: KeyGeneratorRecord = {
      ...before,
      pattern: patch.pattern ?? before.pattern,
      remote: patch.remote ?? before.remote,
      updatedAt: ctx.clock.now(),
    };
    checkSettings(after);
    await tx.keyGenerators.update(after);
    await recordEvent(tx, ctx, {
      type: 'key_generator.updated',
      subjectType: 'key_generator',
      subjectId: id,
      productId: after.productId,
      before: snapshot(before),
      after: snapshot(after),
    });
    return after;
  });
}

/** Keys made before keep working: they are found by their keyed hash, whoever made them. */
export function deleteKeyGenerator(ctx: Context, id: string): Promise<void> {
  return ctx.store.write(async (tx) => {
    const g = await requireGenerator(tx, id);
    await tx.keyGenerators.delete(id);
    await recordEvent(tx, ctx, {
      type: 'key_generator.deleted',
      subjectType: 'key_generator',
      subjectId: id,
      productId: g.productId,
      before: snapshot(g),
    });
  });
}

/** Entitlements that waited or wait for a remote generator's key (its onFailure: queue). */
export function listPendingKeys(
  ctx: Context,
  state: PendingKeyRecord['state'] | undefined,
  page: PageRequest,
): Promise<Page<PendingKeyRecord>> {
  return ctx.store.read((tx) => tx.pendingKeys.list({ state }, page));
}
