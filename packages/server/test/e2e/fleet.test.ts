import { describe, expect, it } from 'vitest';
import { simulateFleet, type FleetResult } from '../../../../bench/fleet/simulate.js';
import { createPostgresDatabase, storeKinds } from '../support/stores.js';

/**
 * The fleet simulation's short form (issue 23): devices running the real SDK against the real
 * server on simulated time, through a downgrade with suspensions, a one-hour outage and a
 * lease-period change, and a herd of devices asking at once. Long: in the stress step only (`npm run test:stress`); the full fleet is
 * `npm run bench:fleet`.
 */
const STRESS = process.env['LEASEHOLD_STRESS'] === '1';
const SIZES = { sqlite: 1_000, postgres: 300 } as const;

describe.runIf(STRESS).each(await storeKinds())('a simulated fleet on %s', (kind) => {
  it('every device reflects each change within one lease period, none runs past its lease, the return from an outage is no storm', async () => {
    const pg = kind === 'postgres' ? await createPostgresDatabase() : null;
    let result: FleetResult;
    try {
      result = await simulateFleet({
        devices: SIZES[kind],
        store: pg ? { kind: 'postgres', url: pg.url } : { kind: 'sqlite' },
        seed: 7,
        // Below the herd's size on both stores, so the herd is shed in part.
        maxInFlight: 32,
        log: () => {},
      });
    } finally {
      await pg?.drop();
    }
    expect(result.pastExpiry).toBe(0);
    expect(result.changes.map((c) => c.name)).toEqual(['downgrade + suspension', 'lease period change']);
    for (const change of result.changes) {
      // Holding the new rights or no longer running, within one lease period: what a lease promises.
      expect(change.allWithinLease, change.name).toBe(1);
      // Devices online throughout take it at their next scheduled refresh.
      expect(change.onlineDevices, change.name).toBeGreaterThan(SIZES[kind] * 0.3);
      expect(change.onlineWithinRefresh, change.name).toBeGreaterThanOrEqual(0.99);
    }
    expect(result.outage.recoveryRatio).toBeLessThanOrEqual(2);
    // The herd: more at once than the server takes in. It sheds the rest with 503 + Retry-After
    // rather than queueing them; the SDKs wait at least that long, and every device is served.
    expect(result.herd.devices).toBeGreaterThan(result.herd.maxInFlight);
    expect(result.herd.maxOutstanding).toBeGreaterThan(result.herd.maxInFlight);
    expect(result.herd.shed).toBeGreaterThan(0);
    expect(result.herd.earlyRetries).toBe(0);
    expect(result.herd.served).toBe(1);
    expect(result.herd.servedWithin10s).toBeGreaterThanOrEqual(0.9);
  }, 900_000);
});
