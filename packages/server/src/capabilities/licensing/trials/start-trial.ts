import type { TrialRequest } from '@leasehold/contract';
import { DomainError } from '../../../platform/domain/errors.js';
import { insertCustomer } from '../../customers/customers.js';
import { insertEntitlement } from '../../entitlements/entitlements.js';
import { requireKeyNow } from '../../entitlements/pending-key.js';
import { activateIn, type ActivationOutcome } from '../activations/activate.js';
import type { ClientContext } from '../activations/license.js';
import { requireProduct } from '../../catalog/products.js';

export interface TrialOutcome extends ActivationOutcome {
  key: string;
  entitlementId: string;
}

/**
 * A self-service trial: the product's trial offering granted to a new customer and activated on
 * the device, in one transaction. One trial per device and product, ever: the (product,
 * fingerprint) row is claimed first, so a second request — even a simultaneous one — is refused.
 */
export function startTrial(ctx: Omit<ClientContext, 'entitlementId'>, request: TrialRequest): Promise<TrialOutcome> {
  return ctx.store.write(async (tx) => {
    const product = await requireProduct(tx, request.product);
    if (!product.trialOfferingId) {
      throw new DomainError('NO_TRIAL', `${product.code} offers no trial.`, {
        product: product.code,
        resolve: 'Set trialOfferingId on the product.',
      });
    }
    const previous = await tx.trials.find(product.id, request.fingerprint);
    if (previous) {
      throw new DomainError('TRIAL_ALREADY_USED', 'This device has already had a trial of this product.', { product: product.code });
    }
    const customer = await insertCustomer(tx, ctx, {
      name: request.name ?? `Trial ${request.fingerprint.slice(0, 12)}`,
      email: request.email ?? null,
      metadata: { source: 'trial' },
    });
    const entitlement = await insertEntitlement(tx, ctx, {
      customerId: customer.id,
      offeringId: product.trialOfferingId,
      metadata: { source: 'trial' },
    });
    requireKeyNow(entitlement, 'no trial was started');
    if (!(await tx.trials.insert(product.id, request.fingerprint, entitlement.record.id, ctx.clock.now()))) {
      throw new DomainError('TRIAL_ALREADY_USED', 'This device has already had a trial of this product.', { product: product.code });
    }
    const outcome = await activateIn(
      tx,
      { ...ctx, entitlementId: entitlement.record.id },
      {
        fingerprint: request.fingerprint,
        product: product.code,
        platform: request.platform,
        hostname: request.hostname,
        name: request.name,
      },
    );
    return { ...outcome, key: entitlement.key, entitlementId: entitlement.record.id };
  });
}
