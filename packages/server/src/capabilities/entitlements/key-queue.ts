import type { Clock } from '../../foundation/clock.js';
import type { IdGenerator } from '../../foundation/ids.js';
import type { Context } from '../../platform/domain/context.js';
import { DomainError } from '../../platform/domain/errors.js';
import type { Store } from '../../platform/domain/ports.js';
import type { MasterKey } from '../../secrets/master-key.js';
import { recordEvent } from '../events/record.js';
import { askRemote, remoteKeyRequest } from '../keys/new-key.js';
import { licenseKeyHash } from './entitlements.js';
import { about, isKeyPending, nextAttemptDelay } from './pending-key.js';

export interface KeyQueueDeps {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  secrets: MasterKey;
}

/**
 * Completes queued keys in the background, one a turn: a worker claims a key whose next attempt
 * has come (a row lock, so one worker asks), reads what the endpoint needs, asks it outside any
 * transaction, then writes the key into the entitlement with its event — or records the failure
 * and the next attempt, further off each time. An entitlement gone meanwhile, or its generator no
 * longer remote, ends the wait as issued-nothing (`lastError` says why). Returns true when it did
 * any work.
 */
export async function issuePendingKeys(deps: KeyQueueDeps, opts: { worker: string; lockMs?: number }): Promise<boolean> {
  const lockMs = opts.lockMs ?? 60_000;
  const claim = await deps.store
    .forAccount({ accountId: '', productId: null })
    .read((tx) => tx.pendingKeys.claim(opts.worker, deps.clock.now(), lockMs));
  if (!claim) return false;
  const store = deps.store.forAccount({ accountId: claim.accountId, productId: null });
  const loaded = await store.read(async (tx) => {
    const pending = (await tx.pendingKeys.find(claim.id))!;
    const ctx: Context = { ...deps, store, actor: pending.actor as Context['actor'], requestId: pending.requestId };
    const entitlement = await tx.entitlements.find(claim.id);
    const generator = await tx.keyGenerators.find(pending.generatorId);
    if (!entitlement || !isKeyPending(entitlement) || generator?.kind !== 'remote') return { pending, ctx, ask: null };
    const customer = (await tx.customers.find(entitlement.customerId))!;
    const offering = (await tx.offerings.find(entitlement.offeringId))!;
    const request = await remoteKeyRequest(tx, ctx, {
      entitlementId: entitlement.id,
      offering,
      customer,
      seats: entitlement.overrides.seats ?? offering.seats,
      startsAt: entitlement.startsAt,
      endsAt: entitlement.endsAt,
    });
    return { pending, ctx, ask: { generator, request } };
  });
  const { pending, ctx } = loaded;
  const attempts = pending.attempts + 1;
  if (!loaded.ask) {
    const lastError = 'The entitlement no longer waits for a key, or its generator is no longer remote.';
    await store.write((tx) => tx.pendingKeys.settle({ ...pending, state: 'dropped', lastError }, opts.worker));
    return true;
  }
  let key: string | null = null;
  let failure = '';
  try {
    key = await askRemote(deps, loaded.ask.generator, loaded.ask.request);
  } catch (error) {
    if (!(error instanceof DomainError) || error.code !== 'KEY_GENERATOR_FAILED') throw error;
    failure = typeof error.details?.['reason'] === 'string' ? error.details['reason'] : error.message;
  }
  await store.write(async (tx) => {
    const now = deps.clock.now();
    const entitlement = await tx.entitlements.find(claim.id, { lock: true });
    if (!entitlement || !isKeyPending(entitlement)) {
      return tx.pendingKeys.settle({ ...pending, state: 'dropped', lastError: 'The entitlement no longer waits for a key.' }, opts.worker);
    }
    if (key !== null) {
      const hash = licenseKeyHash(ctx, key);
      if ((await tx.entitlements.list({ keyHash: hash }, { limit: 1 })).items.length === 0) {
        await tx.entitlements.updateKey(entitlement.id, hash, ctx.secrets.encrypt('license-key', key));
        await recordEvent(tx, ctx, { ...about(entitlement), type: 'entitlement.key_issued', after: { attempts } });
        return tx.pendingKeys.settle({ ...pending, state: 'issued', attempts, lastError: '', issuedAt: now }, opts.worker);
      }
      failure = 'The remote key generator answered with a key that is already in use.';
    }
    return tx.pendingKeys.settle(
      { ...pending, attempts, lastError: failure, nextAttemptAt: now + nextAttemptDelay(attempts) },
      opts.worker,
    );
  });
  return true;
}
