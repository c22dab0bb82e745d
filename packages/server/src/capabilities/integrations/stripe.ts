import { addDuration, isPositiveDuration } from '../../foundation/durations.js';
import type { BillingChange } from './inbound.js';
import type { IntegrationSettings } from './ports.js';

/** The price metadata key naming the offering a subscription to the price holds. */
export const OFFERING_METADATA = 'leasehold_offering';

/** The fields of Stripe's objects this mapping reads: across API versions, ids may be expanded objects and period ends moved. */
interface StripeEvent {
  id: string;
  type: string;
  created: number;
  data: { object: Record<string, unknown> };
}

interface Price {
  id?: string;
  metadata?: Record<string, string>;
}

const idOf = (v: unknown): string | null =>
  typeof v === 'string'
    ? v
    : v && typeof v === 'object' && typeof (v as { id?: unknown }).id === 'string'
      ? (v as { id: string }).id
      : null;
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const list = (v: unknown): Array<Record<string, unknown>> =>
  v && typeof v === 'object' && Array.isArray((v as { data?: unknown }).data) ? (v as { data: Array<Record<string, unknown>> }).data : [];

/**
 * What a Stripe event means for licensing, read from the event alone (no call back to Stripe):
 *
 * - `checkout.session.completed` (a subscription checkout): the customer, with the name and email
 *   the buyer typed;
 * - `customer.subscription.created|updated|resumed|paused|deleted`: the subscription's whole state
 *   (offering from its price, paid-up end, active or not), which creates the entitlement the first
 *   time it is active or trialing;
 * - `invoice.paid`: the period paid for, up to which the entitlement is renewed (and resumed);
 * - anything else: recorded and ignored.
 */
export function stripeChange(event: StripeEvent, settings: IntegrationSettings): BillingChange {
  const base = { provider: 'stripe' as const, eventId: event.id, type: event.type, occurredAt: event.created * 1000 };
  const o = event.data.object;
  switch (event.type) {
    case 'checkout.session.completed': {
      const subject = idOf(o.subscription);
      const customer = idOf(o.customer);
      if (o.mode !== 'subscription' || !subject || !customer) return { ...base, subject, ignore: 'Not a subscription checkout.' };
      const details = (o.customer_details ?? {}) as { name?: string | null; email?: string | null };
      return { ...base, subject, customer: { externalRef: customer, name: details.name ?? null, email: details.email ?? null } };
    }
    case 'customer.subscription.created':
    case 'customer.subscription.updated':
    case 'customer.subscription.resumed':
    case 'customer.subscription.paused':
    case 'customer.subscription.deleted':
      return { ...base, ...subscriptionChange(o, settings, event.created * 1000) };
    case 'invoice.paid': {
      const subject = invoiceSubscription(o);
      const lines = list(o.lines);
      const ends = lines.map((l) => num((l.period as { end?: unknown } | undefined)?.end)).filter((n): n is number => n !== null);
      if (!subject || ends.length === 0) return { ...base, subject, ignore: 'Not a subscription invoice.' };
      return { ...base, subject, target: { active: true, endsAt: withGrace(Math.max(...ends) * 1000, settings) } };
    }
    default:
      return { ...base, subject: null, ignore: `Stripe ${event.type} is not used for licensing.` };
  }
}

function subscriptionChange(
  sub: Record<string, unknown>,
  settings: IntegrationSettings,
  at: number,
): Omit<BillingChange, 'provider' | 'eventId' | 'type' | 'occurredAt'> {
  const subject = idOf(sub.id);
  const customerRef = idOf(sub.customer);
  const customer = customerRef ? { externalRef: customerRef } : undefined;
  const items = list(sub.items);
  const periodEnd = num(sub.current_period_end) ?? Math.max(0, ...items.map((i) => num(i.current_period_end) ?? 0));
  const status = String(sub.status);
  if (status === 'canceled' || status === 'incomplete_expired') {
    const ended = num(sub.ended_at) ?? num(sub.canceled_at);
    return { subject, customer, target: { endsAt: ended !== null ? ended * 1000 : at } };
  }
  if (status === 'incomplete') return { subject, customer, ignore: 'The subscription waits for its first payment.' };
  const offering = offeringOf(items, settings);
  if (!offering) {
    const prices = items.map((i) => (i.price as Price | undefined)?.id).filter(Boolean);
    return {
      subject,
      customer,
      ignore: `No offering for price ${prices.join(', ') || '(none)'}: map it, or set its metadata ${OFFERING_METADATA}.`,
    };
  }
  // The object carries the subscription's whole state, so whichever of its events arrives first may
  // create the entitlement, in that state.
  if (status === 'past_due' || status === 'unpaid' || status === 'paused') {
    const fallback = settings.onPaymentFailure === 'fallback' ? settings.fallbackOffering : null;
    return { subject, customer, creates: true, target: fallback ? { offering: fallback, active: true } : { offering, active: false } };
  }
  // Ending at the period's end (cancel_at_period_end, or a cancel_at date): no grace, the customer stopped paying.
  const cancelAt = num(sub.cancel_at) ?? (sub.cancel_at_period_end === true && periodEnd ? periodEnd : null);
  const endsAt = cancelAt !== null ? cancelAt * 1000 : periodEnd ? withGrace(periodEnd * 1000, settings) : undefined;
  return { subject, customer, creates: true, target: { offering, active: true, ...(endsAt !== undefined ? { endsAt } : {}) } };
}

/** The first item whose price maps to an offering: the settings' table first, then the price's metadata. */
function offeringOf(items: Array<Record<string, unknown>>, settings: IntegrationSettings): string | null {
  for (const item of items) {
    const price = (item.price ?? {}) as Price;
    const mapped = (price.id && settings.prices[price.id]) || price.metadata?.[OFFERING_METADATA];
    if (mapped) return mapped;
  }
  return null;
}

/** Where an invoice names its subscription: `subscription` before API version 2025-03-31, `parent.subscription_details` since. */
function invoiceSubscription(invoice: Record<string, unknown>): string | null {
  const parent = invoice.parent as { subscription_details?: { subscription?: unknown } } | undefined;
  return idOf(invoice.subscription) ?? idOf(parent?.subscription_details?.subscription);
}

function withGrace(ms: number, settings: IntegrationSettings): number {
  return isPositiveDuration(settings.renewalGrace) ? addDuration(ms, settings.renewalGrace) : ms;
}
