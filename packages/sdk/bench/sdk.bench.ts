/**
 * `npm run bench:sdk` — what the SDK costs the application:
 * - hasFeature() on a hot license (target: under 1 µs), against a Map lookup;
 * - opening a cached license cold (target: under 5 ms), against reading the cache file;
 * - recordUsage() (no target: one encrypted, fsynced, atomic cache write), with up to 100 records queued.
 * Each figure is the median of several rounds; baselines are measured in the same run.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Leasehold, LeaseCache, deviceFingerprint, type License } from '../src/index.js';

const product = 'studio';
const cacheDir = mkdtempSync(join(tmpdir(), 'leasehold-bench-'));
const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const jwk = publicKey.export({ format: 'jwk' }) as { kty: string; crv: string; x: string };
const publicKeys = { keys: [{ ...jwk, kid: 'key_bench', alg: 'EdDSA', use: 'sig' }] };
const fingerprint = deviceFingerprint(product, cacheDir);

const features: Record<string, boolean | number | { limit: number; overage: 'bill' }> = {};
for (let i = 0; i < 50; i++) features[`feature-${i}`] = i % 3 !== 0;
features.export = true;
features.projects = 10;
features.exports = { limit: 1_000_000, overage: 'bill' };
const now = Math.floor(Date.now() / 1000);
const claims = {
  iss: 'acc_bench',
  sub: 'act_bench',
  aud: product,
  jti: 'lse_bench',
  iat: now,
  exp: now + 7 * 86400,
  refreshAfter: now + 3 * 86400,
  fingerprint: fingerprint.value,
  mode: 'enforce',
  seat: { kind: 'device', heartbeatDeadline: null, borrowedUntil: null },
  entitlement: {
    id: 'ent_bench',
    customer: { id: 'cus_bench', name: 'Bench Inc.' },
    offering: { id: 'off_bench', code: 'pro', name: 'Pro' },
    status: 'active',
    startsAt: new Date().toISOString(),
    endsAt: null,
    licenseModel: 'subscription',
    seatModel: 'node_locked',
    seats: 5,
    leasePeriod: 'P7D',
    features,
    maintenanceUntil: null,
  },
  usage: { exports: { used: 0, limit: 1_000_000, remaining: 1_000_000, periodEndsAt: now + 30 * 86400 } },
};
const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: 'key_bench', typ: 'leasehold-lease+jwt' })).toString('base64url');
const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
const token = `${header}.${body}.${sign(null, Buffer.from(`${header}.${body}`), privateKey).toString('base64url')}`;
const cache = new LeaseCache(cacheDir, product, fingerprint.value);
cache.write({
  licenseKey: 'BENCH-KEY00-00000-00000-00000',
  activationId: 'act_bench',
  token,
  refusal: null,
  trustedTime: Date.now(),
  skewMs: 0,
  lastContactAt: Date.now(),
  pendingOffline: null,
});

// No serverUrl: the bench measures the SDK, not the network.
const openOptions = { product, publicKeys, cacheDir, courtesy: { onOpen: false } };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Nanoseconds per call of `fn`, the median of `rounds` rounds of `n` calls. */
function perCall(n: number, rounds: number, fn: (i: number) => unknown): number {
  let sink = 0;
  const results: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) if (fn(i)) sink++;
    results.push(Number(process.hrtime.bigint() - start) / n);
  }
  if (sink === -1) console.log(sink);
  return median(results);
}

async function perOpen(rounds: number): Promise<number> {
  const results: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    const license: License = await Leasehold.open(openOptions);
    results.push(Number(process.hrtime.bigint() - start));
    if (!license.status().valid) throw new Error(`the bench license is not valid: ${license.status().code}`);
    await license.close();
  }
  return median(results);
}

const codes = ['export', 'projects', 'feature-1', 'feature-3', 'missing'];
const map = new Map(Object.entries(features));
const N = 2_000_000;

const license = await Leasehold.open(openOptions);
// Warm up both paths so the JIT has compiled them before the measured rounds.
perCall(N, 2, (i) => map.get(codes[i % 5]!) === true);
perCall(N, 2, (i) => license.hasFeature(codes[i % 5]!));

const mapNs = perCall(N, 7, (i) => map.get(codes[i % 5]!) === true);
const hasFeatureNs = perCall(N, 7, (i) => license.hasFeature(codes[i % 5]!));
await license.close();

const file = cache.file;
perCall(200, 3, () => readFileSync(file, 'utf8').length);
const readNs = perCall(500, 7, () => readFileSync(file, 'utf8').length);
await perOpen(20);
const openNs = await perOpen(101);

// Each round starts from the cache without a queue and records 100 uses, one by one.
const pristine = readFileSync(file);
const recordRounds: number[] = [];
for (let r = 0; r < 7; r++) {
  writeFileSync(file, pristine);
  const metered = await Leasehold.open(openOptions);
  const start = process.hrtime.bigint();
  for (let i = 0; i < 100; i++) metered.recordUsage('exports', 1);
  recordRounds.push(Number(process.hrtime.bigint() - start) / 100);
  await metered.close();
}
const recordNs = median(recordRounds);

const row = (what: string, ns: number, target: string, baseline: string, ratio: number) =>
  console.log(`${what.padEnd(36)} ${fmt(ns).padStart(10)}   target ${target.padEnd(7)} ${ratio.toFixed(1).padStart(6)}× ${baseline}`);
const fmt = (ns: number) =>
  ns < 1_000 ? `${ns.toFixed(1)} ns` : ns < 1_000_000 ? `${(ns / 1_000).toFixed(2)} µs` : `${(ns / 1e6).toFixed(2)} ms`;

console.log(
  `@leasehold/sdk bench — Node ${process.version}, ${process.platform}-${process.arch}, fingerprint from ${fingerprint.source}\n`,
);
console.log(`baseline: Map.get on the same features   ${fmt(mapNs)}`);
console.log(`baseline: readFileSync of the cache file ${fmt(readNs)}\n`);
row('hasFeature() on a hot license', hasFeatureNs, '< 1 µs', 'a Map lookup', hasFeatureNs / mapNs);
row('open a cached license (cold)', openNs, '< 5 ms', 'reading the cache file', openNs / readNs);
row('recordUsage() (0–100 queued)', recordNs, '—', 'reading the cache file', recordNs / readNs);
console.log(`\n${hasFeatureNs < 1_000 ? 'PASS' : 'FAIL'} hasFeature < 1 µs; ${openNs < 5_000_000 ? 'PASS' : 'FAIL'} open < 5 ms`);
rmSync(cacheDir, { recursive: true, force: true });
if (hasFeatureNs >= 1_000 || openNs >= 5_000_000) process.exitCode = 1;
