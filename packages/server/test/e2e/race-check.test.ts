import { describe, expect, it } from 'vitest';
import {
  compareFinal,
  provenPeak,
  replayDevices,
  replayUsage,
  unexpectedAnswers,
  type FinalState,
  type RaceTarget,
} from './support/race-check.js';
import type { RaceEntry } from './support/race-protocol.js';

/**
 * The concurrency test's judge, on made-up logs: each rule it applies to a real run finds the
 * fault it is there to find, so a clean real run means something.
 */

const target: RaceTarget = {
  name: 'node',
  key: 'K',
  floating: false,
  pool: 'jobs',
  meters: ['exports'],
  entitlementId: 'ent_1',
  seats: 1,
  poolSize: 2,
  quotas: { exports: { limit: 10, overage: 'block' } },
};

let clock = 0;
function entry(fields: Partial<RaceEntry> & Pick<RaceEntry, 'op' | 'status'>): RaceEntry {
  clock += 10;
  return {
    client: 0,
    lane: 0,
    seq: clock,
    license: 'node',
    fingerprint: 'd0',
    server: 0,
    sentAt: clock,
    ackAt: clock + 5,
    code: null,
    ...fields,
  };
}

const emptyState: FinalState = { activations: [], leaseIds: [], events: {}, held: {}, usageRecords: [], counters: {} };

describe('the concurrency checker', () => {
  it('flags 5xx, rate limiting and lost answers, and accepts documented refusals', () => {
    const found = unexpectedAnswers([
      entry({ op: 'activate', status: 409, code: 'SEAT_LIMIT_REACHED' }),
      entry({ op: 'activate', status: 500, code: 'INTERNAL' }),
      entry({ op: 'usage', status: 429, code: 'TOO_MANY_REQUESTS' }),
      entry({ op: 'checkout', status: 0, transportError: 'ECONNRESET' }),
    ]);
    expect(found).toHaveLength(3);
    expect(found.join('\n')).toMatch(/500[\s\S]*429[\s\S]*ECONNRESET/);
  });

  it('proves an oversell from overlapping acknowledgements, and not from a release and a grant in the same millisecond', () => {
    const steps = (a: [number, number], b: [number, number]) => [
      { at: a[0], device: 'a', value: 1 },
      { at: a[1], device: 'a', value: 0 },
      { at: b[0], device: 'b', value: 1 },
      { at: b[1], device: 'b', value: 0 },
    ];
    expect(provenPeak(steps([0, 10], [5, 20])).peak).toBe(2);
    expect(provenPeak(steps([0, 10], [10, 20])).peak).toBe(1);
    // Pool counts: a checkin from 2 to 1 and another device's checkout to 1 in the same millisecond.
    const pool = [
      { at: 0, device: 'a', value: 2 },
      { at: 7, device: 'b', value: 1 },
      { at: 7, device: 'a', value: 1 },
    ];
    expect(provenPeak(pool).peak).toBe(2);
    expect(provenPeak([...pool, { at: 8, device: 'c', value: 1 }]).peak).toBe(3);
  });

  it('finds answers that contradict a device’s earlier answers', () => {
    const { violations } = replayDevices(
      [
        entry({ op: 'activate', status: 201, activationId: 'act_1' }),
        entry({ op: 'activate', status: 201, activationId: 'act_2' }),
        entry({ op: 'refresh', status: 404, code: 'NOT_ACTIVATED' }),
        entry({ op: 'checkout', status: 200, count: 1, pool: { inUse: 3, limit: 2, held: 2 } }),
      ],
      [target],
    );
    expect(violations).toHaveLength(4);
    expect(violations[0]).toMatch(/a second seat/);
    expect(violations[1]).toMatch(/lost live activation/);
    expect(violations[2]).toMatch(/holds 2, earlier answers leave 1/);
    expect(violations[3]).toMatch(/3 in use/);
  });

  it('finds a usage key counted twice, a stray or missing record, a wrong answer count and a quota past its ceiling', () => {
    const shared = { feature: 'exports', quantity: 2, idempotencyKey: 'shared-0' };
    const mine = { feature: 'exports', quantity: 3, idempotencyKey: 'c0-l0-u0' };
    const entries = [
      entry({ op: 'activate', status: 201, activationId: 'act_1', leaseId: 'lse_1' }),
      entry({
        op: 'usage',
        status: 200,
        batch: 'shared',
        records: [shared],
        usage: { accepted: 1, duplicates: 0, rejected: [], used: { exports: 2 } },
      }),
      entry({
        op: 'usage',
        status: 200,
        batch: 'shared',
        records: [shared],
        usage: { accepted: 1, duplicates: 0, rejected: [], used: { exports: 4 } },
      }),
      // A resend of a counted key must be a duplicate; this answer claims it was accepted again.
      entry({
        op: 'usage',
        status: 200,
        batch: 'fresh',
        records: [mine],
        usage: { accepted: 1, duplicates: 0, rejected: [], used: { exports: 7 } },
      }),
      entry({
        op: 'usage',
        status: 200,
        batch: 'resend',
        records: [mine],
        usage: { accepted: 1, duplicates: 0, rejected: [], used: { exports: 11 } },
      }),
    ];
    const usage = replayUsage(entries, [target]);
    expect(usage.violations).toHaveLength(2);
    expect(usage.violations[0]).toMatch(/exports at 11, past its ceiling 10/);
    expect(usage.violations[1]).toMatch(/earlier answers imply 0 and 1/);

    const devices = replayDevices(entries, [target]);
    const state: FinalState = {
      ...emptyState,
      activations: [{ id: 'act_1', fingerprint: 'd0', state: 'active', endReason: null }],
      leaseIds: ['lse_1'],
      events: { 'activation.created': 1 },
      usageRecords: [shared, { feature: 'exports', quantity: 5, idempotencyKey: 'stray' }].map((r) => ({
        key: r.idempotencyKey,
        feature: r.feature,
        quantity: r.quantity,
      })),
      counters: { exports: 9 },
    };
    const found = compareFinal(target, state, devices, usage, entries);
    expect(found).toEqual([
      'node: usage key shared-0 acknowledged as counted 2 times',
      'node: acknowledged usage key c0-l0-u0 is not stored',
      'node: usage key stray is stored, but no answer counted it',
      'node: exports counter at 9, its records sum to 7',
    ]);
  });

  it('finds seats past the limit, lost and stray activations, leases and events that do not match the answers', () => {
    const entries = [
      entry({ op: 'activate', status: 201, activationId: 'act_1', leaseId: 'lse_1' }),
      entry({ fingerprint: 'd1', op: 'activate', status: 201, activationId: 'act_2', leaseId: 'lse_2' }),
      entry({ fingerprint: 'd1', op: 'deactivate', status: 204 }),
    ];
    const devices = replayDevices(entries, [target]);
    expect(devices.violations).toEqual([]);
    const found = compareFinal(
      target,
      {
        ...emptyState,
        activations: [
          { id: 'act_2', fingerprint: 'd1', state: 'active', endReason: null },
          { id: 'act_3', fingerprint: 'd2', state: 'active', endReason: null },
        ],
        leaseIds: ['lse_1', 'lse_9'],
        events: { 'activation.created': 3, 'activation.deactivated': 1 },
      },
      devices,
      replayUsage(entries, [target]),
      entries,
    );
    expect(found).toEqual([
      'node: 2 live activations for 1 seats',
      'node: acknowledged activation act_1 of d0 is not live',
      'node: activation act_2 (d1) is live but no answer says so',
      'node: activation act_3 (d2) is live but no answer says so',
      'node: acknowledged activation act_1 is missing',
      'node: activation act_2 was deactivated but is active (null)',
      'node: activation act_3 exists, but no answer created it',
      'node: 3 activation.created events for 2 activations',
      'node: 1 acknowledged leases are not recorded (lse_2)',
      'node: 1 recorded leases no answer handed out (lse_9)',
    ]);
  });
});
