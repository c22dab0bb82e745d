import { describe, expect, it } from 'vitest';
import { planLease, type LeaseFacts } from '../../src/capabilities/licensing/leases/build.js';
import type { ActivationRecord, EntitlementRecord, OfferingRecord } from '../../src/platform/domain/model.js';
import { DAY, HOUR, MINUTE, NOW, SECOND, activation, customer, entitlement, offering, product, rightsOf } from '../support/records.js';

interface Setup {
  offering?: Partial<OfferingRecord>;
  entitlement?: Partial<EntitlementRecord>;
  activation?: Partial<ActivationRecord>;
  now?: number;
}

function facts(s: Setup = {}): LeaseFacts {
  const now = s.now ?? NOW;
  const off = offering({ leasePeriod: 'P7D', ...s.offering });
  const ent = entitlement(s.entitlement);
  return {
    accountId: 'acc_1',
    leaseId: 'lease_1',
    product: product(),
    offering: off,
    customer: customer(),
    entitlement: ent,
    rights: rightsOf(off, ent, now),
    activation: activation({ id: 'act_lease', fingerprint: 'my-device', ...s.activation }),
    now,
  };
}

/** A heartbeat-held seat, its deadline `offset` from now. */
const heartbeat = (offset: number, borrowedUntil: number | null = null): Partial<ActivationRecord> => ({
  seatKind: 'floating',
  heartbeatDeadline: NOW + offset,
  borrowedUntil,
});

describe('planLease: when the lease ends', () => {
  // NOW is a whole second; the entitlement by default ends 200 days away, beyond every lease period here.
  it.each<[string, Setup, number]>([
    ['the lease period from now, when nothing ends sooner', {}, NOW + 7 * DAY],
    ['the entitlement’s lease-period override', { entitlement: { overrides: { leasePeriod: 'PT1H' } } }, NOW + HOUR],
    ['a calendar lease period (P1M from 15 June is 15 July)', { offering: { leasePeriod: 'P1M' } }, Date.parse('2026-07-15T12:00:00.000Z')],
    ['the entitlement’s end, when it comes before the lease period', { entitlement: { endsAt: NOW + 2 * DAY } }, NOW + 2 * DAY],
    ['the lease period, when the entitlement ends a second after it', { entitlement: { endsAt: NOW + 7 * DAY + SECOND } }, NOW + 7 * DAY],
    ['either, when the entitlement ends exactly at the lease period', { entitlement: { endsAt: NOW + 7 * DAY } }, NOW + 7 * DAY],
    ['no entitlement end (perpetual): the lease period', { entitlement: { endsAt: null } }, NOW + 7 * DAY],
    ['the heartbeat deadline of a floating seat', { activation: heartbeat(10 * MINUTE) }, NOW + 10 * MINUTE],
    ['the lease period, when the heartbeat deadline is later', { activation: heartbeat(30 * DAY) }, NOW + 7 * DAY],
    [
      'the entitlement’s end, when before the heartbeat deadline',
      { entitlement: { endsAt: NOW + MINUTE }, activation: heartbeat(10 * MINUTE) },
      NOW + MINUTE,
    ],
    ['the borrow’s end, past the heartbeat deadline', { activation: heartbeat(10 * MINUTE, NOW + 3 * DAY) }, NOW + 3 * DAY],
    ['the lease period, when the borrow runs longer', { activation: heartbeat(10 * MINUTE, NOW + 30 * DAY) }, NOW + 7 * DAY],
    [
      'the entitlement’s end, when the borrow runs longer',
      { entitlement: { endsAt: NOW + DAY }, activation: heartbeat(10 * MINUTE, NOW + 3 * DAY) },
      NOW + DAY,
    ],
    ['the heartbeat deadline, when the borrow ended exactly now', { activation: heartbeat(10 * MINUTE, NOW) }, NOW + 10 * MINUTE],
    ['the heartbeat deadline, when the borrow ended before', { activation: heartbeat(10 * MINUTE, NOW - DAY) }, NOW + 10 * MINUTE],
    [
      'a device seat ignores a stray borrow: no heartbeat holds it',
      { activation: { heartbeatDeadline: null, borrowedUntil: NOW + DAY } },
      NOW + 7 * DAY,
    ],
    ['now, never before, when the entitlement has already ended', { entitlement: { endsAt: NOW - DAY } }, NOW],
    ['now, never before, when the heartbeat deadline has passed', { activation: heartbeat(-MINUTE) }, NOW],
    ['the whole second before a bound that is not whole', { entitlement: { endsAt: NOW + 10 * SECOND + 999 } }, NOW + 10 * SECOND],
    ['the second it was issued in, when the bound is under a second away', { activation: heartbeat(999) }, NOW],
  ])('%s', (_behaviour, setup, expiresAt) => {
    const plan = planLease(facts(setup));
    expect(plan.issuedAt).toBe(NOW);
    expect(plan.expiresAt).toBe(expiresAt);
  });

  it('issues at the whole second the request is in, and never ends past a bound that is not whole', () => {
    const now = NOW + 999;
    const plan = planLease(facts({ now, entitlement: { endsAt: NOW + 5 * SECOND + 1 } }));
    expect(plan.issuedAt).toBe(NOW);
    expect(plan.expiresAt).toBe(NOW + 5 * SECOND);
  });
});

describe('planLease: when the client refreshes', () => {
  it.each<[string, Setup, number]>([
    ['halfway through a seven-day lease', {}, NOW + 3.5 * DAY],
    ['halfway through a ten-minute heartbeat lease', { activation: heartbeat(10 * MINUTE) }, NOW + 5 * MINUTE],
    ['at the whole second before halfway, for an odd number of seconds', { entitlement: { endsAt: NOW + 7 * SECOND } }, NOW + 3 * SECOND],
    ['at issue, for a lease of one second', { entitlement: { endsAt: NOW + SECOND } }, NOW],
    ['at issue, for a lease that is already over', { entitlement: { endsAt: NOW - DAY } }, NOW],
  ])('%s', (_behaviour, setup, refreshAfter) => {
    const plan = planLease(facts(setup));
    expect(plan.refreshAfter).toBe(refreshAfter);
    expect(plan.refreshAfter).toBeGreaterThanOrEqual(plan.issuedAt);
    expect(plan.refreshAfter).toBeLessThanOrEqual(plan.expiresAt);
  });
});

describe('planLease: the claims', () => {
  it('carry the plan’s times in seconds, and the seat and rights they were made from', () => {
    const f = facts({
      offering: { enforcementMode: 'warn', seatModel: 'floating' },
      entitlement: { maintenanceUntil: NOW + 30 * DAY },
      activation: heartbeat(10 * MINUTE + 500, NOW + HOUR),
    });
    f.usage = { api: { used: 3, limit: 10, remaining: 7, periodEndsAt: NOW + DAY + 999, overage: 'block' } };
    const plan = planLease(f);
    expect(plan.claims).toMatchObject({
      iss: 'acc_1',
      sub: 'act_lease',
      aud: 'app',
      jti: 'lease_1',
      iat: NOW / 1000,
      exp: plan.expiresAt / 1000,
      refreshAfter: plan.refreshAfter / 1000,
      fingerprint: 'my-device',
      mode: 'warn',
      seat: { kind: 'floating', heartbeatDeadline: (NOW + 10 * MINUTE) / 1000, borrowedUntil: (NOW + HOUR) / 1000 },
      entitlement: {
        id: 'ent_1',
        status: 'active',
        endsAt: new Date(NOW + 200 * DAY).toISOString(),
        maintenanceUntil: new Date(NOW + 30 * DAY).toISOString(),
        seatModel: 'floating',
        leasePeriod: 'P7D',
      },
      usage: { api: { used: 3, limit: 10, remaining: 7, periodEndsAt: (NOW + DAY) / 1000, overage: 'block' } },
    });
    expect(plan.expiresAt).toBe(NOW + HOUR);
  });

  it('never lets exp pass any bound, whatever the milliseconds', () => {
    for (let ms = 0; ms < 1000; ms += 37) {
      const f = facts({ now: NOW + ms, entitlement: { endsAt: NOW + 3 * DAY + 1000 - ms }, activation: heartbeat(HOUR + ms) });
      const plan = planLease(f);
      expect(plan.expiresAt).toBeLessThanOrEqual(Math.min(f.entitlement.endsAt!, f.activation.heartbeatDeadline!));
      expect(plan.claims.exp % 1).toBe(0);
      expect(plan.issuedAt).toBeLessThanOrEqual(f.now);
    }
  });
});
