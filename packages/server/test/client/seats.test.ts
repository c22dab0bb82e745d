import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { fp, licensed, verifyLease } from '../support/client.js';
import { releaseDeadSeats } from '../../src/capabilities/licensing/activations/sweeper.js';

const MIN = 60_000;

describe.each(await storeKinds())('floating, named-user and ephemeral seats on %s', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(() => h.close());

  it('a floating seat is held while heartbeats arrive and freed when they stop', async () => {
    const { client, product } = await licensed(h, { seatModel: 'floating', seats: 1, heartbeatWindow: 'PT5M', leasePeriod: 'P1D' });
    const a = await client('activate', { fingerprint: fp('f1') });
    expect(a.body.activation.seatKind).toBe('floating');
    // The lease of a floating seat ends with its heartbeat deadline, not the lease period.
    const claims = await verifyLease(h, a.body.lease.token, product.code);
    expect(claims.exp - claims.iat).toBe(5 * 60);

    for (let i = 0; i < 3; i++) {
      h.clock.advance(4 * MIN);
      const hb = await client('heartbeat', { fingerprint: fp('f1') });
      expect(hb.status).toBe(200);
      expect((await client('activate', { fingerprint: fp('f2') })).body.error.code).toBe('SEAT_LIMIT_REACHED');
    }

    h.clock.advance(6 * MIN); // heartbeats stopped
    const other = await client('activate', { fingerprint: fp('f2') });
    expect(other.status).toBe(201);
    const late = await client('heartbeat', { fingerprint: fp('f1') });
    expect(late.status).toBe(404);
    expect(late.body.error.code).toBe('NOT_ACTIVATED');
    const v = await client('validate', { fingerprint: fp('f1') });
    expect(v.body.code).not.toBe('VALID');
  });

  it('a heartbeat that arrives after the deadline is refused with HEARTBEAT_DEAD and the seat is freed', async () => {
    const { client, entitlement } = await licensed(h, { seatModel: 'floating', seats: 1, heartbeatWindow: 'PT5M' });
    await client('activate', { fingerprint: fp('dead') });
    h.clock.advance(6 * MIN);
    const v = await client('validate', { fingerprint: fp('dead') });
    expect(v.body).toMatchObject({ valid: false, code: 'HEARTBEAT_DEAD' });
    const hb = await client('heartbeat', { fingerprint: fp('dead') });
    expect(hb.status).toBe(409);
    expect(hb.body.error.code).toBe('HEARTBEAT_DEAD');
    const acts = (await h.call('GET', `/v1/entitlements/${entitlement.id}/activations`)).body.data;
    expect(acts[0]).toMatchObject({ state: 'released', endReason: 'heartbeat_missed' });
  });

  it('a borrowed floating seat stays held offline up to the borrow limit', async () => {
    const { client, product } = await licensed(h, {
      seatModel: 'floating',
      seats: 1,
      heartbeatWindow: 'PT5M',
      leasePeriod: 'P7D',
      borrowLimit: 'P2D',
    });
    await client('activate', { fingerprint: fp('b1') });
    const tooLong = await client('borrow', { fingerprint: fp('b1'), duration: 'P3D' });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.error).toMatchObject({ code: 'BORROW_NOT_ALLOWED', details: { borrowLimit: 'P2D' } });
    const b = await client('borrow', { fingerprint: fp('b1'), duration: 'P1D' });
    expect(b.status).toBe(200);
    const claims = await verifyLease(h, b.body.lease.token, product.code);
    expect(claims.exp - claims.iat).toBe(24 * 3600);

    h.clock.advance(12 * 60 * MIN); // offline half a day: no heartbeats, still holding the seat
    expect((await client('activate', { fingerprint: fp('b2') })).body.error.code).toBe('SEAT_LIMIT_REACHED');
    h.clock.advance(13 * 60 * MIN); // the borrow has ended
    expect((await client('activate', { fingerprint: fp('b2') })).status).toBe(201);
  });

  it('borrowing is refused where the offering allows none', async () => {
    const { client } = await licensed(h, { seatModel: 'floating', seats: 1 });
    await client('activate', { fingerprint: fp('nb') });
    const r = await client('borrow', { fingerprint: fp('nb'), duration: 'PT1H' });
    expect(r.body.error.code).toBe('BORROW_NOT_ALLOWED');
  });

  // Past 50 live devices an activation stops reading them all and counts seats in the database
  // (activateIn's FEW_DEVICES); each rule must decide exactly as it does for a small license.
  it('a license with many devices counts its seats exactly, releases dead ones and finds a device again', async () => {
    const { client } = await licensed(h, { seatModel: 'floating', seats: 56, heartbeatWindow: 'PT5M' });
    for (let i = 0; i < 56; i++) expect((await client('activate', { fingerprint: fp(`m${i}`) })).status, `device ${i}`).toBe(201);
    const full = await client('activate', { fingerprint: fp('m-extra') });
    expect(full.body.error).toMatchObject({ code: 'SEAT_LIMIT_REACHED', details: { limit: 56, used: 56 } });
    expect(full.body.error.details.holders).toHaveLength(56);
    // The same device again is found by its fingerprint, not given a second seat.
    const again = await client('activate', { fingerprint: fp('m3') });
    expect(again.status).toBe(200);
    expect(again.body.activation.id).toBeDefined();
    // Four seats miss their heartbeats; the next activation releases them and takes one.
    h.clock.advance(3 * MIN);
    for (let i = 4; i < 56; i++) expect((await client('heartbeat', { fingerprint: fp(`m${i}`) })).status).toBe(200);
    h.clock.advance(3 * MIN);
    expect((await client('activate', { fingerprint: fp('m-extra') })).status).toBe(201);
    for (let i = 0; i < 3; i++) expect((await client('activate', { fingerprint: fp(`m-new${i}`) })).status).toBe(201);
    expect((await client('activate', { fingerprint: fp('m-last') })).body.error.details).toMatchObject({ used: 56 });
    expect((await client('heartbeat', { fingerprint: fp('m0') })).body.error.code).toBe('NOT_ACTIVATED');
  });

  it('named users on a license with many devices: a user’s own devices are still limited', async () => {
    const { client } = await licensed(h, { seatModel: 'named_user', seats: 60, maxDevicesPerUser: 2 });
    for (let i = 0; i < 55; i++) {
      expect((await client('activate', { fingerprint: fp(`u${i}`), user: `user${i}@acme.test` })).status, `user ${i}`).toBe(201);
    }
    expect((await client('activate', { fingerprint: fp('u0-b'), user: 'user0@acme.test' })).status).toBe(201);
    const third = await client('activate', { fingerprint: fp('u0-c'), user: 'user0@acme.test' });
    expect(third.body.error.details).toMatchObject({ rule: 'max_devices_per_user', limit: 2, user: 'user0@acme.test' });
    expect(third.body.error.details.holders).toHaveLength(2);
  });

  it('named-user seats count users, each allowed a number of devices', async () => {
    const { client } = await licensed(h, { seatModel: 'named_user', seats: 2, maxDevicesPerUser: 2 });
    expect((await client('activate', { fingerprint: fp('n1') })).body.error.details.field).toBe('user');
    expect((await client('activate', { fingerprint: fp('n1'), user: 'ana@acme.test' })).status).toBe(201);
    expect((await client('activate', { fingerprint: fp('n2'), user: 'ana@acme.test' })).status).toBe(201);
    const third = await client('activate', { fingerprint: fp('n3'), user: 'ana@acme.test' });
    expect(third.status).toBe(409);
    expect(third.body.error.details).toMatchObject({ rule: 'max_devices_per_user', limit: 2, user: 'ana@acme.test' });
    expect((await client('activate', { fingerprint: fp('n4'), user: 'bo@acme.test' })).status).toBe(201);
    const thirdUser = await client('activate', { fingerprint: fp('n5'), user: 'cy@acme.test' });
    expect(thirdUser.body.error).toMatchObject({ code: 'SEAT_LIMIT_REACHED', details: { rule: 'seats', limit: 2, used: 2 } });
  });

  it('ephemeral instances never use up node-locked seats: they are held by heartbeat and freed on restart', async () => {
    const { client } = await licensed(h, { seats: 2, heartbeatWindow: 'PT2M' });
    expect((await client('activate', { fingerprint: fp('desk') })).status).toBe(201);
    // A container restarting ten times, each time with a new fingerprint.
    for (let i = 0; i < 10; i++) {
      if (i > 0) h.clock.advance(3 * MIN); // the previous instance is gone, without saying goodbye
      const pod = await client('activate', { fingerprint: fp(`pod-${i}`), ephemeral: true });
      expect(pod.status, `restart ${i}`).toBe(201);
      expect(pod.body.activation.seatKind).toBe('ephemeral');
    }
    // The desk machine and one live pod hold the two seats.
    expect((await client('activate', { fingerprint: fp('pod-extra'), ephemeral: true })).body.error.code).toBe('SEAT_LIMIT_REACHED');
  });

  it('ephemeral instances counted per host share their host’s seat', async () => {
    const { client } = await licensed(h, { seats: 1, ephemeralCounting: 'host' });
    for (let i = 0; i < 4; i++) {
      expect((await client('activate', { fingerprint: fp(`c-${i}`), ephemeral: true, host: 'node-a' })).status).toBe(201);
    }
    const otherHost = await client('activate', { fingerprint: fp('c-b'), ephemeral: true, host: 'node-b' });
    expect(otherHost.body.error).toMatchObject({ code: 'SEAT_LIMIT_REACHED', details: { limit: 1 } });
  });

  it('in warn mode an activation over the limit goes through with a warning and an event', async () => {
    const { client, entitlement, product } = await licensed(h, { seats: 1, enforcementMode: 'warn' });
    await client('activate', { fingerprint: fp('w1') });
    const over = await client('activate', { fingerprint: fp('w2') });
    expect(over.status).toBe(201);
    expect(over.body.warnings[0]).toMatchObject({ code: 'SEAT_LIMIT_EXCEEDED' });
    const claims = await verifyLease(h, over.body.lease.token, product.code);
    expect(claims.mode).toBe('warn');
    const events = (await h.call('GET', `/v1/events?entitlement=${entitlement.id}&type=activation.over_limit`)).body.data;
    expect(events).toHaveLength(1);
    const v = await client('validate', { fingerprint: fp('w2') });
    expect(v.body).toMatchObject({ valid: true, code: 'VALID', enforcement: 'warn' });
    expect(v.body.warnings.map((w: { code: string }) => w.code)).toContain('ENFORCEMENT_RELAXED');
  });

  it('the sweeper releases dead seats once, with an event, even before anyone else activates', async () => {
    const { client, entitlement } = await licensed(h, { seatModel: 'floating', seats: 2, heartbeatWindow: 'PT5M' });
    await releaseDeadSeats(h.services); // what earlier tests left behind
    await client('activate', { fingerprint: fp('sw-1') });
    await client('activate', { fingerprint: fp('sw-2') });
    h.clock.advance(3 * MIN);
    await client('heartbeat', { fingerprint: fp('sw-2') });
    h.clock.advance(3 * MIN); // sw-1 is past its deadline, sw-2 is not
    expect(await releaseDeadSeats(h.services)).toBeGreaterThanOrEqual(1); // ours, and any other test's that died meanwhile
    expect(await releaseDeadSeats(h.services)).toBe(0);
    const acts = (await h.call('GET', `/v1/entitlements/${entitlement.id}/activations`)).body.data;
    const byFp = Object.fromEntries(acts.map((a: { fingerprint: string; state: string }) => [a.fingerprint, a.state]));
    expect(byFp).toEqual({ [fp('sw-1')]: 'released', [fp('sw-2')]: 'active' });
    const events = (await h.call('GET', `/v1/events?entitlement=${entitlement.id}&type=activation.released`)).body.data;
    expect(events).toHaveLength(1);
    expect(events[0].actor).toEqual({ type: 'system', id: 'sweeper' });
  });

  it('validations stamp last-seen in a batch, not per request', async () => {
    const { client } = await licensed(h, {});
    const a = (await client('activate', { fingerprint: fp('seen') })).body.activation;
    h.clock.advance(7 * MIN);
    await client('validate', { fingerprint: fp('seen') });
    const before = (await h.call('GET', `/v1/activations/${a.id}`)).body;
    expect(before.lastSeenAt).toBe(a.lastSeenAt);
    await h.services.activity.flush();
    const after = (await h.call('GET', `/v1/activations/${a.id}`)).body;
    expect(after.lastSeenAt).toBe(new Date(h.clock.now()).toISOString());
  });
});
