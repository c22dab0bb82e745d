import type { IntegrationProvider } from '@leasehold/contract';
import { Webhook } from 'standardwebhooks';
import { DomainError } from '../../platform/domain/errors.js';

/** Loaded on the first Stripe event, not at every server start (the package takes ~0.1 s to load). */
let stripeModule: Promise<typeof import('stripe')> | undefined;

function refused(provider: IntegrationProvider, why: string): DomainError {
  const scheme = provider === 'stripe' ? 'Stripe' : 'Standard Webhooks';
  return new DomainError('WEBHOOK_SIGNATURE_INVALID', `The ${scheme} signature does not verify: ${why}`, {
    provider,
    resolve: 'Check that the signing secret set on this integration is the endpoint’s, and that the body reaches the server unchanged.',
  });
}

/**
 * A Stripe event verified with Stripe's own verifier (`Stripe-Signature`, HMAC-SHA256 over the
 * timestamp and the body as received, at most five minutes old by this machine's clock).
 */
export async function verifyStripeEvent(raw: string, signature: string | undefined, secret: string): Promise<unknown> {
  const { default: Stripe } = await (stripeModule ??= import('stripe'));
  try {
    return Stripe.webhooks.constructEvent(raw, signature ?? '', secret);
  } catch (error) {
    throw refused('stripe', error instanceof Error ? error.message : 'unreadable');
  }
}

export interface StandardHeaders {
  id: string;
  timestamp: string;
  signature: string;
}

/**
 * A Standard Webhooks message verified with the reference verifier (`webhook-id`,
 * `webhook-timestamp`, `webhook-signature`: HMAC-SHA256 over id.timestamp.body, five minutes'
 * tolerance by this machine's clock).
 */
export function verifyStandardWebhook(raw: string, headers: Partial<StandardHeaders>, secret: string): void {
  try {
    new Webhook(secret).verify(raw, {
      'webhook-id': headers.id ?? '',
      'webhook-timestamp': headers.timestamp ?? '',
      'webhook-signature': headers.signature ?? '',
    });
  } catch (error) {
    throw refused('generic', error instanceof Error ? error.message : 'unreadable');
  }
}
