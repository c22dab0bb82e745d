import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { asLicense, fp } from '../support/client.js';
import { runMigrations } from '../../src/capabilities/migrations/runner.js';

const DAY = 24 * 3600_000;

describe.each(await storeKinds())('bulk migrations on %s', (kind) => {
  let h: Harness;
  const customers: string[] = [];

  beforeAll(async () => {
    h = await createHarness(kind);
    await h.call('POST', '/v1/products', { code: 'suite', name: 'Suite' });
    await h.call('POST', '/v1/products/suite/features', { code: 'sync', name: 'Sync', type: 'boolean' });
    const base = { productId: 'suite', licenseModel: 'subscription', term: 'P1Y' };
    await h.call('POST', '/v1/offerings', { ...base, code: 'v1-team', name: 'Team v1', seats: 3, features: { sync: false } });
    await h.call('POST', '/v1/offerings', { ...base, code: 'v2-team', name: 'Team v2', seats: 2, features: { sync: true } });
    await h.call('POST', '/v1/offerings', { ...base, code: 'v1-solo', name: 'Solo v1', seats: 1 });
    for (let i = 0; i < 4; i++)
      customers.push((await h.call('POST', '/v1/customers', { name: `Org ${i}`, externalRef: `org-${i}` })).body.id);
  });
  afterAll(() => h.close());

  /** Entitlements on `offering`, some with three devices, some with overrides. */
  async function population(offering: string, n: number) {
    const made: Array<{ id: string; key: string }> = [];
    for (let i = 0; i < n; i++) {
      const overrides = i % 3 === 0 ? { overrides: { leasePeriod: 'P1D' } } : {};
      const e = (
        await h.call('POST', '/v1/entitlements', { customerId: customers[i % customers.length], offeringId: offering, ...overrides })
      ).body;
      if (i % 2 === 0) {
        for (let d = 0; d < 3; d++)
          await asLicense(h, e.key)('activate', {
            fingerprint: fp(`${e.id}-${d}`),
            platform: d === 0 ? 'windows' : 'linux',
            version: '1.0',
          });
      }
      made.push({ id: e.id, key: e.key });
    }
    return made;
  }

  async function runToEnd(worker = 'test-worker') {
    while (await runMigrations(h.services, { worker, batch: 7 })) {
      /* until no migration needs work */
    }
  }

  it('a dry run counts the impact with samples and changes nothing; the real run changes exactly that', async () => {
    const made = await population('v1-team', 10);
    const eventsBefore = (await h.call('GET', '/v1/events?type=entitlement.offering_changed')).body.data.length;
    const dry = await h.call('POST', '/v1/migrations', { sourceOfferingId: 'v1-team', targetOfferingId: 'v2-team', dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body.migration).toBeNull();
    expect(dry.body.impact).toEqual({
      entitlements: 10,
      customers: 4,
      activations: 15,
      seatsRemoved: 5,
      poolsOverLimit: 0,
      overridesKept: 4,
    });
    expect(dry.body.samples.seatsRemoved.length).toBeGreaterThan(0);
    expect(dry.body.samples.overridesKept[0].fields).toEqual(['leasePeriod']);
    expect((await h.call('GET', '/v1/events?type=entitlement.offering_changed')).body.data.length).toBe(eventsBefore);

    const created = await h.call('POST', '/v1/migrations', { sourceOfferingId: 'v1-team', targetOfferingId: 'v2-team' });
    expect(created.status).toBe(202);
    expect(created.body.migration).toMatchObject({ state: 'pending', total: 10, done: 0, progress: 0 });
    expect(created.body.impact).toEqual(dry.body.impact);
    await runToEnd();

    const m = (await h.call('GET', `/v1/migrations/${created.body.migration.id}`)).body;
    expect(m).toMatchObject({ state: 'completed', total: 10, done: 10, skipped: 0, failed: 0, progress: 1 });
    const { poolsOverLimit: _pools, ...counted } = dry.body.impact;
    expect(m.result).toMatchObject(counted);
    const v2 = (await h.call('GET', '/v1/offerings/v2-team')).body.id;
    for (const e of made) {
      const ent = (await h.call('GET', `/v1/entitlements/${e.id}`)).body;
      expect(ent.offeringId).toBe(v2);
      const changes = (await h.call('GET', `/v1/entitlements/${e.id}/history`)).body.data.filter(
        (v: { change: string }) => v.change === 'entitlement.offering_changed',
      );
      expect(changes).toHaveLength(1);
    }
    const ev = (await h.call('GET', `/v1/events?entitlement=${made[0]!.id}&type=entitlement.offering_changed`)).body.data[0];
    expect(ev.after.migrationId).toBe(m.id);
    expect(ev.actor.type).toBe('api_key');
    const done = (await h.call('GET', `/v1/events?subject=${m.id}&type=migration.completed`)).body.data;
    expect(done).toHaveLength(1);
  });

  it('targets a list of customers, or devices by platform and version', async () => {
    await population('v1-solo', 8);
    const byCustomer = await h.call('POST', '/v1/migrations', {
      sourceOfferingId: 'v1-solo',
      targetOfferingId: 'v1-team',
      select: { customers: ['org-1', customers[2]] },
      dryRun: true,
    });
    expect(byCustomer.body.impact.entitlements).toBe(4);
    expect(byCustomer.body.impact.customers).toBe(2);
    expect([...byCustomer.body.samples.customers].sort()).toEqual([customers[1], customers[2]].sort());
    // Solo has one seat: only the first device of every other entitlement got in, on windows.
    const byPlatform = await h.call('POST', '/v1/migrations', {
      sourceOfferingId: 'v1-solo',
      targetOfferingId: 'v1-team',
      select: { platform: 'windows' },
      dryRun: true,
    });
    expect(byPlatform.body.impact.entitlements).toBe(4);
    const byVersion = await h.call('POST', '/v1/migrations', {
      sourceOfferingId: 'v1-solo',
      targetOfferingId: 'v1-team',
      select: { version: '9.9' },
      dryRun: true,
    });
    expect(byVersion.body.impact.entitlements).toBe(0);
    const unknown = await h.call('POST', '/v1/migrations', {
      sourceOfferingId: 'v1-solo',
      targetOfferingId: 'v1-team',
      select: { customers: ['nobody'] },
      dryRun: true,
    });
    expect(unknown.body.error).toMatchObject({ code: 'UNKNOWN_REFERENCE', details: { field: 'select.customers.0' } });
  });

  it('survives a crash between batches: another worker resumes after the lock expires and does nothing twice', async () => {
    await h.call('POST', '/v1/offerings', {
      productId: 'suite',
      code: 'v3-team',
      name: 'Team v3',
      licenseModel: 'subscription',
      term: 'P1Y',
      seats: 5,
    });
    const made = await population('v2-team', 12);
    const created = (await h.call('POST', '/v1/migrations', { sourceOfferingId: 'v2-team', targetOfferingId: 'v3-team' })).body.migration;
    const total = created.total;
    let batches = 0;
    await expect(
      runMigrations(h.services, {
        worker: 'crashy',
        batch: 5,
        afterBatch: () => {
          if (++batches === 2) throw new Error('simulated crash');
        },
      }),
    ).rejects.toThrow('simulated crash');
    const mid = (await h.call('GET', `/v1/migrations/${created.id}`)).body;
    expect(mid.state).toBe('running');
    expect(mid.done).toBe(10);

    // The crashed worker's lock is released in its finally; a real crash leaves it to expire.
    await runToEnd('rescuer');
    const end = (await h.call('GET', `/v1/migrations/${created.id}`)).body;
    expect(end).toMatchObject({ state: 'completed', done: total, skipped: 0 });
    for (const e of made) {
      const changes = (await h.call('GET', `/v1/entitlements/${e.id}/history`)).body.data.filter(
        (v: { change: string; offeringId: string }) => v.change === 'entitlement.offering_changed',
      );
      expect(changes).toHaveLength(1); // created on v2, moved to v3 once
    }
  });

  it('an entitlement that changed meanwhile is skipped with the reason, not moved', async () => {
    const made = await population('v1-solo', 3);
    const created = (
      await h.call('POST', '/v1/migrations', {
        sourceOfferingId: 'v1-solo',
        targetOfferingId: 'v1-team',
        select: { customers: [customers[3]] },
      })
    ).body.migration;
    expect(made).toHaveLength(3);
    const target = (await h.call('GET', `/v1/entitlements?customerId=${customers[3]}&offeringId=v1-solo`)).body.data[0].id;
    await h.call('POST', `/v1/entitlements/${target}/revoke`);
    await runToEnd();
    const m = (await h.call('GET', `/v1/migrations/${created.id}`)).body;
    expect(m.skipped).toBe(1);
    expect(m.done + m.skipped).toBe(m.total);
  });

  it('re-keying gives each entitlement a new key while the old one works until the grace date', async () => {
    await h.call('POST', '/v1/offerings', {
      productId: 'suite',
      code: 'rk-src',
      name: 'Rekey source',
      licenseModel: 'subscription',
      term: 'P1Y',
      seats: 2,
    });
    await h.call('POST', '/v1/offerings', {
      productId: 'suite',
      code: 'rk-dst',
      name: 'Rekey target',
      licenseModel: 'subscription',
      term: 'P1Y',
      seats: 2,
    });
    const [e] = await population('rk-src', 1);
    const grace = new Date(h.clock.now() + 7 * DAY).toISOString();
    await h.call('POST', '/v1/migrations', { sourceOfferingId: 'rk-src', targetOfferingId: 'rk-dst', rekey: true, rekeyGraceUntil: grace });
    await runToEnd();
    const after = (await h.call('GET', `/v1/entitlements/${e!.id}`)).body;
    expect(after.key).not.toBe(e!.key);
    expect((await asLicense(h, after.key)('validate', {})).body.code).toBe('VALID');
    expect((await asLicense(h, e!.key)('validate', {})).body.code).toBe('VALID');
    h.clock.advance(8 * DAY);
    expect((await asLicense(h, e!.key)('validate', {})).body.code).toBe('NOT_FOUND');
    expect((await asLicense(h, after.key)('validate', {})).body.code).toBe('VALID');
    h.clock.advance(-8 * DAY);
  });

  it('lists every affected customer before a run, not a sample of five', async () => {
    await h.call('POST', '/v1/offerings', {
      productId: 'suite',
      code: 'many-src',
      name: 'Many',
      licenseModel: 'subscription',
      term: 'P1Y',
    });
    const many: string[] = [];
    for (let i = 0; i < 7; i++) {
      const c = (await h.call('POST', '/v1/customers', { name: `Listed ${i}` })).body.id;
      many.push(c);
      await h.call('POST', '/v1/entitlements', { customerId: c, offeringId: 'many-src' });
    }
    const dry = await h.call('POST', '/v1/migrations', { sourceOfferingId: 'many-src', targetOfferingId: 'v2-team', dryRun: true });
    expect(dry.body.impact.customers).toBe(7);
    expect([...dry.body.samples.customers].sort()).toEqual([...many].sort());
  });
});
