/**
 * `npx tsx bench/inproc.ts <manifest.json> [scenario] [count] [profile.cpuprofile]`: drives one scenario in process with
 * `inject()` (no sockets, no load generator), one request after another, and prints the mean time
 * per request. Quieter than the load benchmark on a shared machine; use it with `--cpu-prof` to see
 * where a request's time goes: given a file name, the measured loop alone is profiled into it
 * (then `npx tsx bench/profile.ts <its directory>`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { openServices } from '../packages/server/src/bootstrap.js';
import { buildApp } from '../packages/server/src/platform/http/app.js';

interface Manifest {
  store: 'sqlite' | 'postgres';
  location: string;
  masterKey: string;
  nodeLocked: Array<{ key: string; fingerprints: string[] }>;
  floating?: Array<{ key: string; fingerprints: string[] }>;
  site: Array<{ key: string }>;
}

const [manifestFile, scenario = 'validate', countArg = '5000', profileFile] = process.argv.slice(2);
if (!manifestFile) throw new Error('usage: bench/inproc.ts <manifest.json> [validate|activate|refresh|heartbeat|healthz] [count]');
const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
const config =
  manifest.store === 'sqlite'
    ? { databaseUrl: null, dataDir: manifest.location, pgPoolSize: 10 }
    : {
        // bench:data writes the database's URL; older manifests held its name alone.
        databaseUrl: manifest.location.startsWith('postgres')
          ? manifest.location
          : `postgres://postgres@127.0.0.1:5432/${manifest.location}`,
        dataDir: '/tmp',
        pgPoolSize: 10,
      };
const started = await openServices({ ...config, masterKey: manifest.masterKey, adminKey: null });
const app = await buildApp(started.services);
// Heartbeats are for seats held by heartbeat: the floating samples, as in the load benchmark.
const samples = scenario === 'heartbeat' && manifest.floating?.length ? manifest.floating : manifest.nodeLocked;
const count = Number(countArg);

async function one(i: number): Promise<number> {
  const s = samples[i % samples.length]!;
  if (scenario === 'healthz') return (await app.inject({ method: 'GET', url: '/healthz' })).statusCode;
  if (scenario === 'activate') {
    const site = manifest.site[i % manifest.site.length]!;
    const res = await app.inject({
      method: 'POST',
      url: '/v1/client/activate',
      headers: { authorization: `License ${site.key}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ fingerprint: `inproc-${process.pid}-${i}`, name: 'Bench device' }),
    });
    return res.statusCode;
  }
  const res = await app.inject({
    method: 'POST',
    url: scenario === 'validate' ? '/v1/client/validate' : `/v1/client/${scenario}`,
    headers: { authorization: `License ${s.key}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ fingerprint: s.fingerprints[0] }),
  });
  return res.statusCode;
}

if (scenario === 'refresh' || scenario === 'heartbeat')
  for (const s of samples)
    await app.inject({
      method: 'POST',
      url: '/v1/client/activate',
      headers: { authorization: `License ${s.key}` },
      payload: { fingerprint: s.fingerprints[0] },
    });
for (let i = 0; i < 500; i++) await one(i);
const statuses = new Map<number, number>();
const session = profileFile ? new Session() : null;
if (session) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}
const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
for (let i = 0; i < count; i++) {
  const status = await one(i);
  statuses.set(status, (statuses.get(status) ?? 0) + 1);
}
const micros = Number(process.hrtime.bigint() - t0) / 1000 / count;
const cpu = process.cpuUsage(cpu0);
const cpuMicros = (cpu.user + cpu.system) / count;
if (session && profileFile) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(profileFile, JSON.stringify(profile));
}
process.stdout.write(
  `${scenario}: ${micros.toFixed(0)} µs per request sequentially, ${cpuMicros.toFixed(0)} µs of CPU (${count}); statuses ${JSON.stringify([...statuses])}\n`,
);
await app.close();
await started.close();
