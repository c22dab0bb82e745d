import type { OfflineActivationRequest } from '@leasehold/contract';
import type { Context } from '../../../platform/domain/context.js';
import { DomainError } from '../../../platform/domain/errors.js';
import { recordEvent } from '../../events/record.js';
import type { EntitlementRecord } from '../../../platform/domain/model.js';
import { licenseKeyHash } from '../../entitlements/entitlements.js';
import type { Keyring } from '../leases/keyring.js';
import type { IssuedLease } from '../leases/issue.js';
import type { Warning } from '../validation/validate.js';
import { activateIn } from './activate.js';
import type { ClientContext } from './license.js';

export type { OfflineActivationRequest };

export interface OfflineActivationAnswer {
  product: string;
  fingerprint: string;
  nonce: string;
  activationId: string;
  lease: IssuedLease;
  warnings: Warning[];
  created: boolean;
}

/** Vendor staff (or the CLI) answering for a device: the account's context, plus the lookup of a license by its key. */
export interface OfflineContext extends Context {
  keyring: Keyring;
  findLicense(keyHash: string): Promise<{ accountId: string; entitlement: EntitlementRecord } | undefined>;
}

/**
 * Answers an offline activation request: the same activation as `POST /v1/client/activate` — the
 * same seat, rule and product checks, in one transaction with its event — done by vendor staff for
 * a device that cannot reach the server. The answer carries the signed lease and echoes the
 * request's nonce, so only the device that asked can import it.
 */
export async function answerOfflineActivation(ctx: OfflineContext, request: OfflineActivationRequest): Promise<OfflineActivationAnswer> {
  const found = await ctx.findLicense(licenseKeyHash(ctx, request.licenseKey));
  const scope = ctx.store.scope;
  // A key of another account (or product, for a product-limited API key) is reported as unknown,
  // so one vendor cannot probe another's keys.
  if (!found || found.accountId !== scope.accountId || (scope.productId !== null && found.entitlement.productId !== scope.productId)) {
    throw new DomainError('NOT_FOUND', 'No license in this account has the key in the request.', { field: 'licenseKey' });
  }
  const client: ClientContext = { ...ctx, entitlementId: found.entitlement.id };
  const out = await ctx.store.write(async (tx) => {
    const activation = await activateIn(
      tx,
      client,
      {
        fingerprint: request.fingerprint,
        product: request.product,
        ...(request.name === undefined ? {} : { name: request.name }),
        ...(request.platform === undefined ? {} : { platform: request.platform }),
        ...(request.hostname === undefined ? {} : { hostname: request.hostname }),
        meta: { activatedOffline: true },
      },
      { offline: true },
    );
    await recordEvent(tx, ctx, {
      type: 'activation.offline_answered',
      subjectType: 'activation',
      subjectId: activation.activation.id,
      entitlementId: found.entitlement.id,
      customerId: found.entitlement.customerId,
      productId: found.entitlement.productId,
      after: { nonce: request.nonce, requestedAt: request.createdAt, leaseId: activation.lease.record.id },
    });
    return activation;
  });
  return {
    product: request.product,
    fingerprint: request.fingerprint,
    nonce: request.nonce,
    activationId: out.activation.id,
    lease: out.lease,
    warnings: out.warnings,
    created: out.created,
  };
}
