import { describe, expect, it } from 'vitest';
import type { EnforcementMode } from '@leasehold/contract';
import { decideSeat, holdsSeat, seatKindFor, seatsInUse } from '../../src/capabilities/licensing/activations/seats.js';
import type { ActivationRecord, OfferingRecord } from '../../src/platform/domain/model.js';
import { MINUTE, NOW, activation, activations, entitlement, offering, rightsOf } from '../support/records.js';

type Candidate = Pick<ActivationRecord, 'seatKind' | 'user' | 'host' | 'fingerprint'>;
const device = (o: Partial<Candidate> = {}): Candidate => ({ seatKind: 'device', user: null, host: null, fingerprint: 'new-device', ...o });

/** The decision for `candidate` on an offering, seats from the offering unless overridden. */
function decide(off: Partial<OfferingRecord>, live: ActivationRecord[], candidate: Candidate, mode: EnforcementMode = 'enforce') {
  const o = offering(off);
  return decideSeat(live, candidate, o, rightsOf(o, entitlement()), mode, NOW);
}

const alive = { heartbeatDeadline: NOW + MINUTE };
const dead = { heartbeatDeadline: NOW - 1 };
const floating = (n: number, extra: Partial<ActivationRecord> = alive) => activations(n, { seatKind: 'floating', ...extra });
const user = (name: string, n: number) => activations(n, { seatKind: 'named_user', user: name });
const instances = (host: string, n: number, extra: Partial<ActivationRecord> = alive) =>
  activations(n, { seatKind: 'ephemeral', host, ...extra });

type Row = [behaviour: string, off: Partial<OfferingRecord>, live: ActivationRecord[], candidate: Candidate, ok: boolean];

describe('decideSeat in enforce mode', () => {
  it.each<Row>([
    // node-locked devices
    ['node-locked: the first device', { seats: 1 }, [], device(), true],
    ['node-locked: one under the limit', { seats: 3 }, activations(2), device(), true],
    ['node-locked: exactly at the limit, one more is refused', { seats: 3 }, activations(3), device(), false],
    ['node-locked: over the limit already (seats lowered), refused', { seats: 1 }, activations(3), device(), false],
    ['node-locked: deactivated devices hold no seat', { seats: 1 }, activations(3, { state: 'deactivated' }), device(), true],
    ['node-locked: released devices hold no seat', { seats: 1 }, activations(3, { state: 'released' }), device(), true],
    // floating, held by heartbeat
    ['floating: one under the limit', { seatModel: 'floating', seats: 2 }, floating(1), device({ seatKind: 'floating' }), true],
    ['floating: exactly at the limit', { seatModel: 'floating', seats: 2 }, floating(2), device({ seatKind: 'floating' }), false],
    [
      'floating: a seat whose heartbeat deadline is exactly now still holds',
      { seatModel: 'floating', seats: 2 },
      floating(2, { heartbeatDeadline: NOW }),
      device({ seatKind: 'floating' }),
      false,
    ],
    [
      'floating: seats whose heartbeats stopped are free',
      { seatModel: 'floating', seats: 2 },
      [...floating(1), ...floating(5, dead)],
      device({ seatKind: 'floating' }),
      true,
    ],
    [
      'floating: a borrowed seat holds past its heartbeat deadline',
      { seatModel: 'floating', seats: 2 },
      [...floating(1), ...floating(1, { heartbeatDeadline: NOW - 1, borrowedUntil: NOW + MINUTE })],
      device({ seatKind: 'floating' }),
      false,
    ],
    [
      'floating: a borrow that ended frees the seat',
      { seatModel: 'floating', seats: 2 },
      [...floating(1), ...floating(1, { heartbeatDeadline: NOW - 2, borrowedUntil: NOW - 1 })],
      device({ seatKind: 'floating' }),
      true,
    ],
    // named users
    ['named user: a new user, one under the limit', { seatModel: 'named_user', seats: 2 }, user('ann', 1), device({ user: 'bob' }), true],
    [
      'named user: a new user, users exactly at the limit',
      { seatModel: 'named_user', seats: 2 },
      [...user('ann', 1), ...user('cat', 1)],
      device({ user: 'bob' }),
      false,
    ],
    [
      'named user: a user counts once however many devices',
      { seatModel: 'named_user', seats: 2, maxDevicesPerUser: 5 },
      user('ann', 4),
      device({ user: 'bob' }),
      true,
    ],
    [
      'named user: a known user’s next device, one under maxDevicesPerUser',
      { seatModel: 'named_user', seats: 1, maxDevicesPerUser: 3 },
      user('ann', 2),
      device({ user: 'ann' }),
      true,
    ],
    [
      'named user: a known user at exactly maxDevicesPerUser',
      { seatModel: 'named_user', seats: 5, maxDevicesPerUser: 2 },
      user('ann', 2),
      device({ user: 'ann' }),
      false,
    ],
    [
      'named user: a known user reuses their seat even when all seats are taken',
      { seatModel: 'named_user', seats: 2, maxDevicesPerUser: 2 },
      [...user('ann', 1), ...user('cat', 1)],
      device({ user: 'ann' }),
      true,
    ],
    [
      'named user: without a user, the fingerprint is the user',
      { seatModel: 'named_user', seats: 1, maxDevicesPerUser: 1 },
      [activation({ seatKind: 'named_user', fingerprint: 'new-device' })],
      device(),
      false,
    ],
    // ephemeral instances
    [
      'ephemeral per instance: each instance takes a seat',
      { seats: 2, ephemeralCounting: 'instance' },
      instances('h1', 2),
      device({ seatKind: 'ephemeral', host: 'h1' }),
      false,
    ],
    [
      'ephemeral per instance: one under the limit',
      { seats: 3, ephemeralCounting: 'instance' },
      instances('h1', 2),
      device({ seatKind: 'ephemeral', host: 'h1' }),
      true,
    ],
    [
      'ephemeral per host: another instance on a host with a seat shares it',
      { seats: 1, ephemeralCounting: 'host' },
      instances('h1', 3),
      device({ seatKind: 'ephemeral', host: 'h1' }),
      true,
    ],
    [
      'ephemeral per host: a new host, hosts exactly at the limit',
      { seats: 2, ephemeralCounting: 'host' },
      [...instances('h1', 3), ...instances('h2', 1)],
      device({ seatKind: 'ephemeral', host: 'h3' }),
      false,
    ],
    [
      'ephemeral per host: a new host, one under the limit',
      { seats: 3, ephemeralCounting: 'host' },
      [...instances('h1', 3), ...instances('h2', 1)],
      device({ seatKind: 'ephemeral', host: 'h3' }),
      true,
    ],
    [
      'ephemeral per host: a host whose instances all stopped heartbeating has no seat to share',
      { seats: 1, ephemeralCounting: 'host' },
      [...instances('h1', 2, dead), ...activations(1)],
      device({ seatKind: 'ephemeral', host: 'h1' }),
      false,
    ],
    [
      'ephemeral per host: devices and hosts share the seat count',
      { seats: 2, ephemeralCounting: 'host' },
      [...activations(1), ...instances('h1', 2)],
      device(),
      false,
    ],
    [
      'ephemeral: instances that stopped heartbeating are free',
      { seats: 1, ephemeralCounting: 'instance' },
      instances('h1', 4, dead),
      device({ seatKind: 'ephemeral', host: 'h1' }),
      true,
    ],
  ])('%s', (_behaviour, off, live, candidate, ok) => {
    const decision = decide(off, live, candidate);
    expect(decision.ok).toBe(ok);
    if (decision.ok) expect(decision.warnings).toEqual([]);
    else expect(decision.code).toBe('SEAT_LIMIT_REACHED');
  });

  it('a seat refusal says how many are used, by whom, and what to do', () => {
    const live = activations(2);
    const decision = decide({ seats: 2 }, [...live, ...activations(1, { state: 'deactivated' })], device());
    expect(decision).toMatchObject({ ok: false, details: { rule: 'seats', limit: 2, used: 2 } });
    if (decision.ok) return;
    expect((decision.details['holders'] as Array<{ activationId: string }>).map((x) => x.activationId)).toEqual(live.map((a) => a.id));
    expect(decision.details['resolve']).toEqual(expect.any(String));
  });

  it('a per-user refusal names the rule, the user and their devices only', () => {
    const ann = user('ann', 2);
    const decision = decide(
      { seatModel: 'named_user', seats: 5, maxDevicesPerUser: 2 },
      [...ann, ...user('cat', 1)],
      device({ user: 'ann' }),
    );
    expect(decision).toMatchObject({ ok: false, details: { rule: 'max_devices_per_user', limit: 2, user: 'ann' } });
    if (decision.ok) return;
    expect((decision.details['holders'] as Array<{ activationId: string }>).map((x) => x.activationId)).toEqual(ann.map((a) => a.id));
  });

  it('uses the entitlement’s seat override, not the offering’s seats', () => {
    const o = offering({ seats: 1 });
    const rights = rightsOf(o, entitlement({ overrides: { seats: 3 } }));
    expect(decideSeat(activations(2), device(), o, rights, 'enforce', NOW).ok).toBe(true);
    expect(decideSeat(activations(3), device(), o, rights, 'enforce', NOW).ok).toBe(false);
  });
});

describe('decideSeat in warn and log mode', () => {
  it.each<[EnforcementMode, Partial<OfferingRecord>, ActivationRecord[], Candidate, string]>([
    ['warn', { seats: 1 }, activations(1), device(), 'seats'],
    ['log', { seats: 1 }, activations(1), device(), 'seats'],
    ['warn', { seatModel: 'floating', seats: 1 }, floating(1), device({ seatKind: 'floating' }), 'seats'],
    ['log', { seatModel: 'named_user', seats: 3, maxDevicesPerUser: 1 }, user('ann', 1), device({ user: 'ann' }), 'max_devices_per_user'],
    ['warn', { seats: 1, ephemeralCounting: 'host' }, instances('h1', 1), device({ seatKind: 'ephemeral', host: 'h2' }), 'seats'],
  ])('%s mode lets a seat over the limit through with SEAT_LIMIT_EXCEEDED', (mode, off, live, candidate, rule) => {
    const decision = decide(off, live, candidate, mode);
    expect(decision).toMatchObject({ ok: true, warnings: [{ code: 'SEAT_LIMIT_EXCEEDED', details: { rule, enforcement: mode } }] });
    // End users may read the message: the vendor's enforcement setting is in details, not in it.
    if (decision.ok) expect(decision.warnings[0]!.message).not.toMatch(/enforcement|warn|log/i);
  });

  it.each<EnforcementMode>(['warn', 'log'])('%s mode warns nothing within the limit', (mode) => {
    expect(decide({ seats: 2 }, activations(1), device(), mode)).toEqual({ ok: true, warnings: [] });
  });
});

describe('seat helpers', () => {
  it.each<[string, Partial<ActivationRecord>, boolean]>([
    ['an active device seat', {}, true],
    ['a deactivated device seat', { state: 'deactivated' }, false],
    ['a heartbeat due later', { heartbeatDeadline: NOW + 1 }, true],
    ['a heartbeat due exactly now', { heartbeatDeadline: NOW }, true],
    ['a heartbeat overdue by a millisecond', { heartbeatDeadline: NOW - 1 }, false],
    ['overdue, borrowed until exactly now', { heartbeatDeadline: NOW - 1, borrowedUntil: NOW }, true],
    ['overdue, borrow ended a millisecond ago', { heartbeatDeadline: NOW - 2, borrowedUntil: NOW - 1 }, false],
    ['released, though borrowed', { state: 'released', heartbeatDeadline: NOW + 1, borrowedUntil: NOW + 1 }, false],
  ])('holdsSeat: %s is %s', (_what, o, expected) => {
    expect(holdsSeat(activation(o), NOW)).toBe(expected);
  });

  it.each<[Partial<OfferingRecord>, boolean, string]>([
    [{ seatModel: 'node_locked' }, false, 'device'],
    [{ seatModel: 'node_locked' }, true, 'ephemeral'],
    [{ seatModel: 'named_user' }, false, 'named_user'],
    [{ seatModel: 'named_user' }, true, 'ephemeral'],
    [{ seatModel: 'floating' }, false, 'floating'],
    [{ seatModel: 'floating' }, true, 'floating'],
  ])('seatKindFor %o, ephemeral %s, is %s', (off, ephemeral, kind) => {
    expect(seatKindFor(offering(off), ephemeral)).toBe(kind);
  });

  it.each<[string, Partial<OfferingRecord>, ActivationRecord[], number]>([
    ['devices and instances, per instance', { ephemeralCounting: 'instance' }, [...activations(2), ...instances('h1', 3)], 5],
    [
      'devices and instances, per host',
      { ephemeralCounting: 'host' },
      [...activations(2), ...instances('h1', 3), ...instances('h2', 1)],
      4,
    ],
    ['named users, distinct users', { seatModel: 'named_user' }, [...user('ann', 3), ...user('bob', 1)], 2],
    ['floating, only seats heard from', { seatModel: 'floating' }, [...floating(2), ...floating(3, dead)], 2],
  ])('seatsInUse: %s', (_what, off, live, expected) => {
    expect(seatsInUse(live, offering(off), NOW)).toBe(expected);
  });
});
