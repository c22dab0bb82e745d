import type { GenericMessage, IntegrationProvider } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import { DomainError } from '../../platform/domain/errors.js';
import { genericChange } from './generic.js';
import { receiveBillingChange, type Receipt } from './inbound.js';
import { signingSecret } from './settings.js';
import { stripeChange } from './stripe.js';
import { verifyStandardWebhook, verifyStripeEvent, type StandardHeaders } from './verify.js';

async function secretOf(ctx: Context, provider: IntegrationProvider) {
  return ctx.store.read(async (tx) => {
    if (!(await tx.account.exists())) throw new DomainError('NOT_FOUND', 'No such account on this server.', { resource: 'account' });
    return signingSecret(tx, ctx, provider);
  });
}

/** A Stripe webhook: verified over the body as received, then applied once. */
export async function receiveStripeEvent(ctx: Context, raw: string, signature: string | undefined): Promise<Receipt> {
  const { secret, settings } = await secretOf(ctx, 'stripe');
  const event = await verifyStripeEvent(raw, signature, secret);
  return receiveBillingChange(ctx, stripeChange(event as unknown as Parameters<typeof stripeChange>[0], settings));
}

/** A message to the generic endpoint, signed the Standard Webhooks way; its `webhook-id` makes it once-only. */
export async function receiveGenericMessage(
  ctx: Context,
  raw: string,
  headers: Partial<StandardHeaders>,
  message: GenericMessage,
): Promise<Receipt> {
  const { secret } = await secretOf(ctx, 'generic');
  verifyStandardWebhook(raw, headers, secret);
  return receiveBillingChange(ctx, genericChange(message, headers.id!, Number(headers.timestamp) * 1000, ctx.clock.now()));
}
