import type { OfflineActivationRequest } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import type { EntitlementRecord } from '../../platform/domain/model.js';
import { answerOfflineActivation, type OfflineActivationAnswer } from '../licensing/activations/offline.js';
import type { Keyring } from '../licensing/leases/keyring.js';

/** How a license is found by its key before the account is known (the store's lookup, as staff's offline route uses). */
export type FindLicense = (keyHash: string) => Promise<{ accountId: string; entitlement: EntitlementRecord } | undefined>;

/**
 * A customer answers the request file of one of their own air-gapped machines: licensing's offline
 * activation (the same seat, rule and product checks as an online activation, the signed lease
 * echoing the request's nonce), for a license of the session's customer only. Another customer's
 * key is as unknown as a made-up one (NOT_FOUND).
 */
export function answerOwnOfflineActivation(
  ctx: Context,
  deps: { keyring: Keyring; findLicense: FindLicense },
  customerId: string,
  request: OfflineActivationRequest,
): Promise<OfflineActivationAnswer> {
  const findLicense: FindLicense = async (hash) => {
    const found = await deps.findLicense(hash);
    return found && found.entitlement.customerId === customerId ? found : undefined;
  };
  return answerOfflineActivation({ ...ctx, keyring: deps.keyring, findLicense }, request);
}
