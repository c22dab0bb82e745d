import { describe, expect, it } from 'vitest';
import { stripeChange } from '../../src/capabilities/integrations/stripe.js';
import { genericChange } from '../../src/capabilities/integrations/generic.js';
import { DEFAULT_SETTINGS } from '../../src/capabilities/integrations/settings.js';
import type { IntegrationSettings } from '../../src/capabilities/integrations/ports.js';

const END = 1_800_000_000; // a period end, Unix seconds
const DAY_MS = 86_400_000;
const settings: IntegrationSettings = { ...DEFAULT_SETTINGS, prices: { price_mapped: 'team' } };

const event = (type: string, object: Record<string, unknown>) => ({ id: 'evt_1', type, created: END - 100, data: { object } });
const sub = (
  fields: Record<string, unknown>,
  price: Record<string, unknown> = { id: 'price_meta', metadata: { leasehold_offering: 'pro' } },
) => ({
  id: 'sub_1',
  customer: 'cus_1',
  status: 'active',
  cancel_at_period_end: false,
  items: { data: [{ price, current_period_end: END }] },
  ...fields,
});

describe('what a Stripe subscription event asks of the entitlement', () => {
  it.each([
    [
      'active: the price metadata offering, to the period end plus grace',
      sub({}),
      { offering: 'pro', active: true, endsAt: END * 1000 + DAY_MS },
      true,
    ],
    ['trialing is active too', sub({ status: 'trialing' }), { offering: 'pro', active: true, endsAt: END * 1000 + DAY_MS }, true],
    [
      'the settings table wins over metadata',
      sub({}, { id: 'price_mapped', metadata: { leasehold_offering: 'pro' } }),
      { offering: 'team', active: true, endsAt: END * 1000 + DAY_MS },
      true,
    ],
    [
      'cancel at period end: the period end, no grace',
      sub({ cancel_at_period_end: true }),
      { offering: 'pro', active: true, endsAt: END * 1000 },
      true,
    ],
    ['a cancel_at date', sub({ cancel_at: END - 50 }), { offering: 'pro', active: true, endsAt: (END - 50) * 1000 }, true],
    [
      'past_due suspends (creating it so, if it is the first event to arrive)',
      sub({ status: 'past_due' }),
      { offering: 'pro', active: false },
      true,
    ],
    ['unpaid suspends', sub({ status: 'unpaid' }), { offering: 'pro', active: false }, true],
    ['canceled ends when it ended', sub({ status: 'canceled', ended_at: END - 10 }), { endsAt: (END - 10) * 1000 }, undefined],
    [
      'before 2025-03-31 the period end is on the subscription',
      { ...sub({ current_period_end: END + 5 }) },
      { offering: 'pro', active: true, endsAt: (END + 5) * 1000 + DAY_MS },
      true,
    ],
  ])('%s', (_what, object, target, creates) => {
    const change = stripeChange(event('customer.subscription.updated', object), settings);
    expect(change).toMatchObject({
      provider: 'stripe',
      subject: 'sub_1',
      customer: { externalRef: 'cus_1' },
      occurredAt: (END - 100) * 1000,
    });
    expect(change.target).toEqual(target);
    expect(change.creates).toBe(creates);
    expect(change.ignore).toBeUndefined();
  });

  it('past_due moves to the fallback offering when configured so', () => {
    const change = stripeChange(event('customer.subscription.updated', sub({ status: 'past_due' })), {
      ...settings,
      onPaymentFailure: 'fallback',
      fallbackOffering: 'basic',
    });
    expect(change.target).toEqual({ offering: 'basic', active: true });
  });

  it('ignores a subscription whose prices map to no offering, an incomplete one, and event types it does not use', () => {
    expect(stripeChange(event('customer.subscription.created', sub({}, { id: 'price_other', metadata: {} })), settings).ignore).toContain(
      'price_other',
    );
    expect(stripeChange(event('customer.subscription.created', sub({ status: 'incomplete' })), settings).ignore).toBeDefined();
    expect(stripeChange(event('charge.refunded', { id: 'ch_1' }), settings)).toMatchObject({ subject: null, ignore: expect.any(String) });
    expect(stripeChange(event('checkout.session.completed', { mode: 'payment', customer: 'cus_1' }), settings).ignore).toBeDefined();
  });

  it('reads an invoice’s subscription in both API shapes, renewing to its lines’ latest period end', () => {
    const lines = { data: [{ period: { end: END } }, { period: { end: END + 60 } }] };
    for (const invoice of [
      { subscription: 'sub_1', lines },
      { parent: { subscription_details: { subscription: 'sub_1' } }, lines },
    ]) {
      const change = stripeChange(event('invoice.paid', invoice), { ...settings, renewalGrace: 'PT0S' });
      expect(change).toMatchObject({ subject: 'sub_1', target: { active: true, endsAt: (END + 60) * 1000 } });
    }
  });

  it('a checkout names the customer and asks nothing of the entitlement', () => {
    const change = stripeChange(
      event('checkout.session.completed', {
        mode: 'subscription',
        subscription: 'sub_1',
        customer: 'cus_1',
        customer_details: { name: 'Initech', email: 'a@b.test' },
      }),
      settings,
    );
    expect(change).toMatchObject({ subject: 'sub_1', customer: { externalRef: 'cus_1', name: 'Initech', email: 'a@b.test' } });
    expect(change.target).toBeUndefined();
  });
});

describe('what a generic message asks', () => {
  const order = { externalRef: 'order-1' };
  it.each([
    [{ action: 'suspend', entitlement: order }, { active: false }],
    [{ action: 'resume', entitlement: order }, { active: true }],
    [
      { action: 'renew', entitlement: order, endsAt: '2027-01-01T00:00:00Z' },
      { active: true, endsAt: Date.parse('2027-01-01T00:00:00Z') },
    ],
    [{ action: 'change_offering', entitlement: order, offering: 'team' }, { offering: 'team' }],
    [{ action: 'end', entitlement: order }, { endsAt: 42 }],
  ] as const)('%o', (message, target) => {
    expect(genericChange(message, 'msg_1', 7_000, 42).target).toEqual(target);
  });

  it('orders by occurredAt, else the send time, and refuses a create without customer or offering', () => {
    expect(genericChange({ action: 'suspend', entitlement: order }, 'msg_1', 7_000, 42).occurredAt).toBe(7_000);
    expect(genericChange({ action: 'suspend', entitlement: order, occurredAt: '2026-01-01T00:00:00Z' }, 'm', 7_000, 42).occurredAt).toBe(
      Date.parse('2026-01-01T00:00:00Z'),
    );
    expect(() => genericChange({ action: 'create', entitlement: order, offering: 'pro' }, 'm', 0, 0)).toThrow(/customer/);
    expect(() => genericChange({ action: 'renew', entitlement: order }, 'm', 0, 0)).toThrow(/endsAt/);
  });
});
