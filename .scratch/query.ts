import { ReportStore } from '../packages/server/src/capabilities/reports/store/duck.js';
import { runReport } from '../packages/server/src/capabilities/reports/store/reports.js';
import type { Fact } from '../packages/server/src/capabilities/reports/ports.js';
const src = await import('./measure-facts.js');
const all: Fact[] = src.facts(Number(process.argv[2] ?? 200000));
const store = await ReportStore.open('/tmp/seats-m.duckdb', { threads: 1 });
let cp = await store.checkpoint();
if (cp.events === 0) for (let i = 0; i < all.length; i += 5000) cp = await store.append(all.slice(i, i + 5000), cp, { major: BigInt(i + 1), minor: '' });
const span = all.at(-1)!.at - all[0]!.at;
const recent = process.argv[3] === 'recent';
const to = all.at(-1)!.at + 1; const from = recent ? to - Math.floor(span / 10) : all[0]!.at;
const scope = { accountId: 'acc_0', productId: null };
const med = async (f: () => Promise<unknown>) => { const t: number[] = []; for (let i = 0; i < 5; i++) { const s = performance.now(); await f(); t.push(performance.now() - s); } return t.sort((a, b) => a - b)[2]!.toFixed(0); };
for (const [label, extra] of [
  ['by product', { by: 'product' }], ['by entitlement', { by: 'entitlement' }], ['by platform', { by: 'platform' }],
  ['product filter by platform', { by: 'platform', product: 'prod_1' }], ['product filter by version', { by: 'version', product: 'prod_1' }],
  ['customer filter by customer', { by: 'customer', customer: 'cus_5' }],
] as const) {
  const q = { from, to, now: to, granularity: 'hour' as const, ...extra };
  console.log(label, 'rollups', await med(() => runReport(store, 'deployment', scope, q as never)), 'ms / fromFacts', await med(() => runReport(store, 'deployment', scope, { ...q, fromFacts: true } as never)), 'ms');
}
const aq = { from, to, now: to, granularity: 'hour' as const, product: 'prod_1' };
console.log('adoption product filter rollups', await med(() => runReport(store, 'adoption', scope, aq)), 'ms / fromFacts', await med(() => runReport(store, 'adoption', scope, { ...aq, fromFacts: true })), 'ms');
