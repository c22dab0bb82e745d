import { NO_OVERRIDE, type Fact } from '../packages/server/src/capabilities/reports/ports.js';
export function facts(N: number): Fact[] {
  let seed = 3;
  const pick = (k: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return Math.floor((seed / 2 ** 31) * k); };
  const out: Fact[] = [];
  const alive: Array<{ id: string; p: string; c: string; e: string; pl: string; v: string }> = [];
  const base = (n: number, type: string, subjectId: string, extra: Partial<Fact>): Fact => ({
    accountId: `acc_${n % 5}`, eventId: `evt_${String(n).padStart(9, '0')}`, type, at: 1_700_000_000_000 + n * 100, subjectId,
    productId: null, customerId: null, entitlementId: null, platform: null, version: null, reason: null, offeringId: null, model: null,
    previousModel: null, previousPlatform: null, previousVersion: null, feature: null, quantity: null, endsAt: null, maintenanceUntil: null,
    state: null, versionKey: null, channel: null, upgradePaths: null, validations: null, seats: null, ...extra,
  });
  for (let n = 0; n < N; n++) {
    const r = pick(100);
    if (r < 60 || alive.length === 0) {
      const e = pick(20_000);
      const d = { id: `act_${n}`, p: `prod_${e % 10}`, c: `cus_${e % 5000}`, e: `ent_${e}`, pl: ['linux', 'macos', 'windows'][pick(3)]!, v: `1.${pick(8)}` };
      alive.push(d);
      out.push(base(n, 'activation.created', d.id, { productId: d.p, customerId: d.c, entitlementId: d.e, platform: d.pl, version: d.v }));
    } else if (r < 90) {
      const d = alive.splice(pick(alive.length), 1)[0]!;
      out.push(base(n, 'activation.deactivated', d.id, { productId: d.p, customerId: d.c, entitlementId: d.e, platform: d.pl, version: d.v }));
    } else if (r < 95) {
      const d = alive[pick(alive.length)]!;
      const was = d.v; d.v = `1.${pick(8)}`;
      out.push(base(n, 'activation.updated', d.id, { productId: d.p, customerId: d.c, entitlementId: d.e, platform: d.pl, version: d.v, previousPlatform: d.pl, previousVersion: was }));
    } else {
      const e = pick(20_000);
      out.push(base(n, pick(10) === 0 ? 'entitlement.created' : 'entitlement.renewed', `ent_${e}`, {
        productId: `prod_${e % 10}`, customerId: `cus_${e % 5000}`, entitlementId: `ent_${e}`, offeringId: `off_${e % 30}`, state: 'active', seats: pick(4) === 0 ? 5 : NO_OVERRIDE,
      }));
    }
  }
  return out;
}
