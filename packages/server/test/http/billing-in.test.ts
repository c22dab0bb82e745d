import Stripe from 'stripe';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, seedCatalog, T0, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { eventCount } from '../support/counts.js';

const STRIPE_SECRET = 'whsec_test_stripe_endpoint_secret';
const GENERIC_SECRET = `whsec_${Buffer.from('a generic billing secret, 32 bytes').toString('base64')}`;
const DAY = 86_400;
const t0 = Math.floor(T0 / 1000);
const isoAt = (s: number) => new Date(s * 1000).toISOString();

/** A Stripe subscription object as its webhooks carry it (API 2025+: period ends on the items). */
function subscription(o: {
  status: string;
  price: string;
  offering?: string;
  periodEnd: number;
  cancelAtPeriodEnd?: boolean;
  endedAt?: number;
}) {
  return {
    id: 'sub_1QaBcDeFgHiJkLmN',
    object: 'subscription',
    customer: 'cus_QaBcDeFgHiJk',
    status: o.status,
    cancel_at_period_end: o.cancelAtPeriodEnd ?? false,
    cancel_at: null,
    ended_at: o.endedAt ?? null,
    items: {
      object: 'list',
      data: [
        {
          id: 'si_1',
          current_period_end: o.periodEnd,
          price: { id: o.price, object: 'price', metadata: o.offering ? { leasehold_offering: o.offering } : {} },
        },
      ],
    },
  };
}

function invoicePaid(periodEnd: number) {
  return {
    id: 'in_1',
    object: 'invoice',
    parent: { subscription_details: { subscription: 'sub_1QaBcDeFgHiJkLmN' } },
    lines: { data: [{ period: { start: periodEnd - 30 * DAY, end: periodEnd } }] },
  };
}

describe.each(await storeKinds())('billing events in on %s', (kind) => {
  let h: Harness;
  let n = 0;

  /** Posts a Stripe event signed with the stripe package's own test helper. */
  async function stripe(type: string, created: number, object: object, opts: { id?: string; secret?: string; tamper?: boolean } = {}) {
    const id = opts.id ?? `evt_test_${++n}`;
    const payload = JSON.stringify({ id, object: 'event', type, created, data: { object } });
    const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: opts.secret ?? STRIPE_SECRET });
    const body = opts.tamper ? payload.replace('"active"', '"trialing"') : payload;
    const res = await h.call('POST', `/v1/integrations/stripe/webhook?account=${h.accountId}`, body, {
      key: null,
      headers: { 'stripe-signature': header, 'content-type': 'application/json' },
    });
    return { id, ...res };
  }

  const entitlement = async () => (await h.call('GET', '/v1/entitlements/sub_1QaBcDeFgHiJkLmN')).body;

  beforeAll(async () => {
    h = await createHarness(kind);
    await seedCatalog(h);
    for (const [code, seats] of [
      ['studio-team', 10],
      ['studio-basic', 1],
    ] as const) {
      const res = await h.call('POST', '/v1/offerings', {
        productId: 'studio',
        code,
        name: code,
        licenseModel: 'subscription',
        seatModel: 'node_locked',
        seats,
        term: 'P1M',
        features: { export: code === 'studio-team', projects: seats },
      });
      expect(res.status).toBe(201);
    }
    const put = await h.call('PUT', '/v1/integrations/stripe', {
      signingSecret: STRIPE_SECRET,
      prices: { price_team_monthly: 'studio-team' },
      renewalGrace: 'P1D',
    });
    expect(put.status).toBe(200);
  });
  afterAll(() => h.close());

  it('keeps the signing secret write-only and says where Stripe posts', async () => {
    const got = await h.call('GET', '/v1/integrations/stripe');
    expect(got.body).toMatchObject({
      provider: 'stripe',
      secretSet: true,
      prices: { price_team_monthly: 'studio-team' },
      onPaymentFailure: 'suspend',
      webhookPath: `/v1/integrations/stripe/webhook?account=${h.accountId}`,
    });
    expect(JSON.stringify(got.body)).not.toContain(STRIPE_SECRET);
    const events = (await h.call('GET', '/v1/events?type=integration.updated')).body.data;
    expect(events[0].after).toMatchObject({ secretChanged: true });
    expect(JSON.stringify(events)).not.toContain(STRIPE_SECRET);
  });

  it('refuses a mapping to an offering that does not exist, and a readonly key', async () => {
    const bad = await h.call('PUT', '/v1/integrations/stripe', { prices: { price_x: 'no-such-offering' } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('UNKNOWN_REFERENCE');
    expect((await h.call('GET', '/v1/integrations/stripe')).body.prices).toEqual({ price_team_monthly: 'studio-team' });
    const ro = (await h.call('POST', '/v1/api-keys', { name: 'ro', role: 'readonly' })).body;
    expect((await h.call('GET', '/v1/integrations/stripe', undefined, { key: ro.key })).status).toBe(403);
  });

  it('drives an entitlement from Stripe: create, renew, past_due suspend, paid resume, plan change, cancel', async () => {
    // The checkout names the buyer; the subscription (price metadata) creates the entitlement.
    const checkout = await stripe('checkout.session.completed', t0, {
      object: 'checkout.session',
      mode: 'subscription',
      subscription: 'sub_1QaBcDeFgHiJkLmN',
      customer: 'cus_QaBcDeFgHiJk',
      customer_details: { name: 'Initech', email: 'billing@initech.test' },
    });
    expect(checkout.status).toBe(200);
    const created = await stripe(
      'customer.subscription.created',
      t0,
      subscription({ status: 'active', price: 'price_pro', offering: 'studio-pro', periodEnd: t0 + 30 * DAY }),
    );
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ received: true, duplicate: false, outcome: 'applied' });
    let e = await entitlement();
    expect(e).toMatchObject({ id: created.body.entitlementId, state: 'active', offeringId: expect.any(String) });
    expect(e.effective.endsAt).toBe(isoAt(t0 + 31 * DAY)); // period end + one day's grace
    const customer = (await h.call('GET', '/v1/customers/cus_QaBcDeFgHiJk')).body;
    expect(customer).toMatchObject({ name: 'Initech', email: 'billing@initech.test', id: e.customerId });
    const created_ = (await h.call('GET', `/v1/events?entitlement=${e.id}&type=entitlement.created`)).body.data[0];
    expect(created_.actor).toEqual({ type: 'integration', id: 'stripe' });

    const renewed = await stripe('invoice.paid', t0 + 30 * DAY, invoicePaid(t0 + 60 * DAY));
    expect(renewed.body.outcome).toBe('applied');
    e = await entitlement();
    expect(e.effective.endsAt).toBe(isoAt(t0 + 61 * DAY));
    const renewal = (await h.call('GET', `/v1/events?entitlement=${e.id}&type=entitlement.renewed`)).body.data[0];
    expect(renewal.after.reason).toBe(`stripe invoice.paid ${renewed.id}`);

    await stripe(
      'customer.subscription.updated',
      t0 + 60 * DAY + 3600,
      subscription({ status: 'past_due', price: 'price_pro', offering: 'studio-pro', periodEnd: t0 + 90 * DAY }),
    );
    expect((await entitlement()).state).toBe('suspended');

    await stripe('invoice.paid', t0 + 62 * DAY, invoicePaid(t0 + 90 * DAY));
    e = await entitlement();
    expect(e.state).toBe('active');
    expect(e.effective.endsAt).toBe(isoAt(t0 + 91 * DAY));

    // A new price, mapped in the settings, is a change of offering.
    const team = (await h.call('GET', '/v1/offerings/studio-team')).body;
    const upgrade = await stripe(
      'customer.subscription.updated',
      t0 + 70 * DAY,
      subscription({ status: 'active', price: 'price_team_monthly', periodEnd: t0 + 90 * DAY }),
    );
    expect(upgrade.body.outcome).toBe('applied');
    e = await entitlement();
    expect(e.offeringId).toBe(team.id);
    expect(e.effective.seats).toBe(10);

    const cancel = await stripe(
      'customer.subscription.updated',
      t0 + 75 * DAY,
      subscription({ status: 'active', price: 'price_team_monthly', periodEnd: t0 + 90 * DAY, cancelAtPeriodEnd: true }),
    );
    expect(cancel.body.outcome).toBe('applied');
    expect((await entitlement()).effective.endsAt).toBe(isoAt(t0 + 90 * DAY)); // the paid period, no grace

    await stripe(
      'customer.subscription.deleted',
      t0 + 90 * DAY,
      subscription({ status: 'canceled', price: 'price_team_monthly', periodEnd: t0 + 90 * DAY, endedAt: t0 + 90 * DAY }),
    );
    e = await entitlement();
    expect(e.effective.endsAt).toBe(isoAt(t0 + 90 * DAY));
    expect(e.state).toBe('active'); // it runs to its end; the lease refuses after
    const types = (await h.call('GET', `/v1/events?entitlement=${e.id}&limit=50`)).body.data.map((x: { type: string }) => x.type).reverse();
    expect(types).toEqual([
      'entitlement.created',
      'entitlement.renewed',
      'entitlement.suspended',
      'entitlement.renewed',
      'entitlement.resumed',
      'entitlement.offering_changed',
      'entitlement.updated',
    ]);
  });

  it('applies a replayed event id once, and ignores an older event that arrives late', async () => {
    const before = await eventCount(h);
    const e0 = await entitlement();
    // The last invoice's period again (it ends where the entitlement does, grace included): nothing new.
    const paid = await stripe('invoice.paid', t0 + 100 * DAY, invoicePaid(t0 + 89 * DAY), { id: 'evt_test_replayed' });
    expect(paid.body.outcome).toBe('unchanged');
    const again = await stripe('invoice.paid', t0 + 100 * DAY, invoicePaid(t0 + 89 * DAY), { id: 'evt_test_replayed' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ duplicate: true });
    const older = await stripe(
      'customer.subscription.updated',
      t0 + 65 * DAY,
      subscription({ status: 'past_due', price: 'price_pro', offering: 'studio-pro', periodEnd: t0 + 90 * DAY }),
    );
    expect(older.body).toMatchObject({ duplicate: false, outcome: 'stale' });
    const e1 = await entitlement();
    expect(e1.state).toBe(e0.state);
    expect(e1.version).toBe(e0.version);
    expect(await eventCount(h)).toBe(before);
    const log = (await h.call('GET', '/v1/integrations/stripe/events?limit=3')).body.data;
    // One record per event id: the replay added none.
    expect(log.map((x: { eventId: string; outcome: string }) => [x.eventId, x.outcome])).toEqual([
      [older.id, 'stale'],
      ['evt_test_replayed', 'unchanged'],
      [expect.stringMatching(/^evt_test_/), 'unchanged'], // the subscription's deletion: it already ended then
    ]);
  });

  it('refuses a bad signature with 400 WEBHOOK_SIGNATURE_INVALID and changes nothing', async () => {
    const before = await eventCount(h);
    const sub = subscription({ status: 'active', price: 'price_pro', offering: 'studio-pro', periodEnd: t0 + 400 * DAY });
    const wrong = await stripe(
      'customer.subscription.updated',
      t0 + 300 * DAY,
      { ...sub, id: 'sub_other' },
      { secret: 'whsec_not_the_secret' },
    );
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.code).toBe('WEBHOOK_SIGNATURE_INVALID');
    const tampered = await stripe('customer.subscription.updated', t0 + 300 * DAY, { ...sub, id: 'sub_other' }, { tamper: true });
    expect(tampered.status).toBe(400);
    const unsigned = await h.call(
      'POST',
      '/v1/integrations/stripe/webhook',
      { id: 'evt_x', type: 'invoice.paid', created: t0, data: { object: {} } },
      { key: null },
    );
    expect(unsigned.status).toBe(400);
    expect(unsigned.body.error.code).toBe('WEBHOOK_SIGNATURE_INVALID');
    expect((await h.call('GET', '/v1/entitlements/sub_other')).status).toBe(404);
    expect(await eventCount(h)).toBe(before);
  });

  it('answers 200 to an event type it does not use, and records it as ignored', async () => {
    const res = await stripe('customer.tax_id.created', t0, { id: 'txi_1', object: 'tax_id' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ outcome: 'ignored', entitlementId: null });
    const log = (await h.call('GET', '/v1/integrations/stripe/events?limit=1')).body.data[0];
    expect(log).toMatchObject({ eventId: res.id, type: 'customer.tax_id.created', outcome: 'ignored' });
  });

  it('moves an unpaid subscription to the fallback offering and back when configured so', async () => {
    await h.call('PUT', '/v1/integrations/stripe', { onPaymentFailure: 'fallback', fallbackOffering: 'studio-basic' });
    const sub = (status: string) => ({
      ...subscription({ status, price: 'price_pro', offering: 'studio-pro', periodEnd: t0 + 30 * DAY }),
      id: 'sub_fallback',
      customer: 'cus_fallback',
    });
    await stripe('customer.subscription.created', t0 + DAY, sub('active'));
    const basic = (await h.call('GET', '/v1/offerings/studio-basic')).body;
    const pro = (await h.call('GET', '/v1/offerings/studio-pro')).body;
    await stripe('customer.subscription.updated', t0 + 2 * DAY, sub('past_due'));
    let e = (await h.call('GET', '/v1/entitlements/sub_fallback')).body;
    expect(e).toMatchObject({ offeringId: basic.id, state: 'active' });
    await stripe('customer.subscription.updated', t0 + 3 * DAY, sub('active'));
    e = (await h.call('GET', '/v1/entitlements/sub_fallback')).body;
    expect(e).toMatchObject({ offeringId: pro.id, state: 'active' });
    await h.call('PUT', '/v1/integrations/stripe', { onPaymentFailure: 'suspend', fallbackOffering: null });
  });

  it('takes a subscription’s first events arriving at once: one customer, one entitlement, the newest state', async () => {
    const sub = (status: string) => ({
      ...subscription({ status, price: 'price_pro', offering: 'studio-pro', periodEnd: t0 + 30 * DAY }),
      id: 'sub_burst',
      customer: 'cus_burst',
    });
    const checkout = {
      object: 'checkout.session',
      mode: 'subscription',
      subscription: 'sub_burst',
      customer: 'cus_burst',
      customer_details: { name: 'Burst Inc', email: 'ops@burst.test' },
    };
    const answers = await Promise.all([
      stripe('checkout.session.completed', t0 + 5, checkout),
      stripe('customer.subscription.created', t0 + 5, sub('active')),
      stripe('customer.subscription.updated', t0 + 6, sub('past_due')),
      stripe('invoice.paid', t0 + 5, { ...invoicePaid(t0 + 30 * DAY), parent: { subscription_details: { subscription: 'sub_burst' } } }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    const customers = (await h.call('GET', '/v1/customers?q=cus_burst')).body.data;
    expect(customers).toHaveLength(1);
    expect(customers[0]).toMatchObject({ name: 'Burst Inc' });
    const list = (await h.call('GET', `/v1/entitlements?customer=${customers[0].id}`)).body.data;
    expect(list).toHaveLength(1);
    // Whatever order they ran in, the newest subscription state (past_due) holds.
    expect(list[0]).toMatchObject({ externalRef: 'sub_burst', state: 'suspended' });
  });

  it('answers 409 INTEGRATION_NOT_CONFIGURED to an account without a secret', async () => {
    const other = await h.newAccount();
    const payload = JSON.stringify({ id: 'evt_o', type: 'invoice.paid', created: t0, data: { object: {} } });
    const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET });
    const res = await h.call('POST', `/v1/integrations/stripe/webhook?account=${other.accountId}`, payload, {
      key: null,
      headers: { 'stripe-signature': header, 'content-type': 'application/json' },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('INTEGRATION_NOT_CONFIGURED');
  });

  describe('the generic endpoint', () => {
    const wh = new Webhook(GENERIC_SECRET);

    async function post(message: object, opts: { id?: string; tamper?: boolean; at?: Date } = {}) {
      const id = opts.id ?? `msg_${++n}`;
      const payload = JSON.stringify(message);
      const at = opts.at ?? new Date();
      const signature = wh.sign(id, at, payload);
      const body = opts.tamper ? payload.replace('studio-pro', 'studio-team') : payload;
      return h.call('POST', `/v1/integrations/generic/webhook?account=${h.accountId}`, body, {
        key: null,
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': signature,
        },
      });
    }

    beforeAll(async () => {
      expect((await h.call('PUT', '/v1/integrations/generic', { signingSecret: GENERIC_SECRET })).status).toBe(200);
    });

    it('creates, renews, suspends, resumes, changes offering and ends, once per webhook-id', async () => {
      const order = { externalRef: 'order-9001' };
      const created = await post({
        action: 'create',
        entitlement: order,
        customer: { externalRef: 'crm-9001', name: 'Hooli', email: 'it@hooli.test' },
        offering: 'studio-pro',
        endsAt: '2026-06-01T00:00:00.000Z',
        occurredAt: '2026-03-01T00:00:00.000Z',
      });
      expect(created.status).toBe(200);
      expect(created.body.outcome).toBe('applied');
      const get = async () => (await h.call('GET', '/v1/entitlements/order-9001')).body;
      expect((await get()).effective.endsAt).toBe('2026-06-01T00:00:00.000Z');

      const renew = { action: 'renew', entitlement: order, endsAt: '2026-09-01T00:00:00.000Z', occurredAt: '2026-05-30T00:00:00.000Z' };
      await post(renew, { id: 'msg_renew' });
      expect((await get()).effective.endsAt).toBe('2026-09-01T00:00:00.000Z');
      const before = await eventCount(h);
      const replay = await post(renew, { id: 'msg_renew' });
      expect(replay.body.duplicate).toBe(true);
      expect(await eventCount(h)).toBe(before);

      await post({ action: 'suspend', entitlement: order, occurredAt: '2026-06-01T00:00:00.000Z' });
      expect((await get()).state).toBe('suspended');
      await post({ action: 'resume', entitlement: order, occurredAt: '2026-06-02T00:00:00.000Z' });
      expect((await get()).state).toBe('active');
      await post({ action: 'change_offering', entitlement: order, offering: 'studio-team', occurredAt: '2026-06-03T00:00:00.000Z' });
      expect((await get()).effective.seats).toBe(10);
      const late = await post({ action: 'suspend', entitlement: order, occurredAt: '2026-05-31T00:00:00.000Z' });
      expect(late.body.outcome).toBe('stale');
      expect((await get()).state).toBe('active');
      await post({ action: 'end', entitlement: order, endsAt: '2026-07-01T00:00:00.000Z', occurredAt: '2026-06-04T00:00:00.000Z' });
      expect((await get()).effective.endsAt).toBe('2026-07-01T00:00:00.000Z');
      const events = (await h.call('GET', `/v1/events?entitlement=${(await get()).id}&limit=20`)).body.data;
      expect(events.every((x: { actor: { type: string; id: string } }) => x.actor.type === 'integration' && x.actor.id === 'generic')).toBe(
        true,
      );
    });

    it('refuses a tampered body and an old timestamp, changing nothing', async () => {
      const before = await eventCount(h);
      const message = {
        action: 'create',
        entitlement: { externalRef: 'order-tampered' },
        customer: { externalRef: 'crm-t', name: 'T' },
        offering: 'studio-pro',
      };
      const tampered = await post(message, { tamper: true });
      expect(tampered.status).toBe(400);
      expect(tampered.body.error.code).toBe('WEBHOOK_SIGNATURE_INVALID');
      const old = await post(message, { at: new Date(Date.now() - 10 * 60_000) });
      expect(old.status).toBe(400);
      expect((await h.call('GET', '/v1/entitlements/order-tampered')).status).toBe(404);
      expect(await eventCount(h)).toBe(before);
    });

    it('refuses an offering that does not exist with 422, records the failure, and applies the event when sent again after the fix', async () => {
      const message = {
        action: 'create',
        entitlement: { externalRef: 'order-later' },
        customer: { externalRef: 'crm-later', name: 'Later Ltd' },
        offering: 'studio-later',
      };
      const refused = await post(message, { id: 'msg_later' });
      expect(refused.status).toBe(422);
      expect(refused.body.error.code).toBe('UNKNOWN_REFERENCE');
      expect((await h.call('GET', '/v1/customers/crm-later')).status).toBe(404);
      const log = (await h.call('GET', '/v1/integrations/generic/events?limit=1')).body.data[0];
      expect(log).toMatchObject({ eventId: 'msg_later', outcome: 'failed' });
      await h.call('POST', '/v1/offerings', {
        productId: 'studio',
        code: 'studio-later',
        name: 'Later',
        licenseModel: 'subscription',
        seatModel: 'node_locked',
        seats: 1,
        term: 'P1Y',
      });
      const retried = await post(message, { id: 'msg_later' });
      expect(retried.status).toBe(200);
      expect(retried.body).toMatchObject({ duplicate: false, outcome: 'applied' });
    });
  });
});
