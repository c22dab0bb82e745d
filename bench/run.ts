/**
 * `npm run bench` — load scenarios against a real `leasehold serve` process, each compared with a
 * baseline measured in the same run (a bare Fastify process answering a body of the same size as a
 * validation result).
 *
 *   npm run bench -- [--stores sqlite,postgres] [--modes single,cluster] [--duration 10] [--connections 50]
 *                    [--entitlements 10000] [--dataset <manifest.json>]... [--scenarios validate,activate,...]
 *                    [--workers N] [--log-level warn] [--label name]
 *
 * Without --dataset, a small dataset is built on the fly for each store (see bench/data.ts); with
 * it, the manifest written by `npm run bench:data` names the store, the database and the keys.
 * `validate-with-reports` runs validate again while reports run continuously beside it and a device is
 * activated every quarter second and watched into the reporting store (watchReports): the p99 of
 * that wait is the issue's real-time figure, and the rate against plain validate its cost.
 * The scenarios `validate-dead-webhook` and `activate-dead-webhook` run validate and activate again
 * with a webhook endpoint configured that accepts connections and never answers (every delivery
 * times out): the outbox's cost on the request path, and the dispatcher's beside it.
 * Results go to bench/results/<date>-<label>.json and .md. The load generator runs in its own
 * process but on the same machine, so it takes CPU from the server: the figures are relative to
 * the baseline, which pays the same price.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createServer } from 'node:net';
import { BENCH_DIR, buildDataset, type Manifest, type SampleLicense } from './data.js';
import type { LoadResult, LoadSpec } from './load.js';
import { treeCpuSeconds } from './cpu.js';

const REPO = join(BENCH_DIR, '..');
// The server as it ships: the built CLI with plain node (it refuses to start when the build is stale).
const BIN = join(REPO, 'packages', 'cli', 'bin', 'leasehold.js');

const { values } = parseArgs({
  options: {
    stores: { type: 'string', default: 'sqlite,postgres' },
    modes: { type: 'string', default: 'single,cluster' },
    scenarios: {
      type: 'string',
      default: 'validate,activate,ephemeral,refresh,heartbeat,list,read,validate-dead-webhook,activate-dead-webhook',
    },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    entitlements: { type: 'string', default: '10000' },
    dataset: { type: 'string', multiple: true },
    workers: { type: 'string', default: String(availableParallelism()) },
    'log-level': { type: 'string', default: 'warn' },
    /** Write V8 CPU profiles of the server processes (and the baseline) to this directory. */
    'cpu-prof': { type: 'string' },
    label: { type: 'string' },
    /** `…-with-reports`: milliseconds between one report query's answer and the next query (0: back to back). */
    'reports-interval': { type: 'string', default: '250' },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
const workers = Number(values.workers);
const reportsInterval = Number(values['reports-interval']);
const stores = values.stores.split(',') as Array<'sqlite' | 'postgres'>;
const modes = values.modes.split(',') as Array<'single' | 'cluster'>;
const scenarios = values.scenarios.split(',');
const log = (line: string) => process.stderr.write(line + '\n');

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

interface Proc {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

function start(args: string[], env: NodeJS.ProcessEnv): Proc {
  const child = spawn(process.execPath, args, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out = (out + c).slice(-20_000)));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (out = (out + c).slice(-20_000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitFor(proc: Proc, ready: () => Promise<boolean>, what: string, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`${what} exited before it was ready:\n${proc.output()}`);
    if (await ready().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} was not ready within ${ms} ms:\n${proc.output()}`);
}

async function call(url: string, method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const res = await fetch(url + path, {
    method,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

async function startLeasehold(manifest: Manifest, mode: 'single' | 'cluster'): Promise<{ proc: Proc; url: string }> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['DATABASE_URL', 'LEASEHOLD_DATA_DIR', 'LEASEHOLD_ADMIN_KEY', 'HOST']) delete env[name];
  Object.assign(env, {
    HOST: '127.0.0.1',
    PORT: String(port),
    LEASEHOLD_MASTER_KEY: manifest.masterKey,
    LOG_LEVEL: values['log-level'],
    LEASEHOLD_WORKERS: mode === 'cluster' ? String(workers) : '1',
    // The dead-webhook scenarios' endpoint listens on 127.0.0.1.
    LEASEHOLD_WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'true',
    // The benchmark is one client address sending far more than any real client: no rate limits.
    LEASEHOLD_RATE_CLIENT_KEY: '0',
    LEASEHOLD_RATE_CLIENT_ADDRESS: '0',
    ...(manifest.store === 'sqlite'
      ? { LEASEHOLD_DATA_DIR: manifest.location }
      : { DATABASE_URL: manifest.location, LEASEHOLD_DATA_DIR: join(tmpdir(), 'leasehold-bench-unused') }),
  });
  const prof = values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', join(values['cpu-prof'], `${manifest.store}-${mode}`)] : [];
  const proc = start([...prof, BIN, 'serve'], env);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    proc,
    async () =>
      (await fetch(`${url}/readyz`)).status === 200 && (mode === 'single' || proc.output().includes(`${workers} workers listening`)),
    `leasehold serve (${manifest.store}, ${mode})`,
  );
  return { proc, url };
}

function licenseHeaders(s: SampleLicense): Record<string, string> {
  return { authorization: `License ${s.key}`, 'content-type': 'application/json' };
}

/** A receiver that accepts connections and never answers: every webhook delivery to it times out. */
let blackhole: { url: string; close(): void } | null = null;
async function deadReceiver(): Promise<string> {
  if (!blackhole) {
    const sockets = new Set<import('node:net').Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
    });
    const port = await new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as { port: number }).port)));
    blackhole = {
      url: `http://127.0.0.1:${port}/dead`,
      close: () => {
        for (const s of sockets) s.destroy();
        server.close();
      },
    };
  }
  return blackhole.url;
}

function closeDeadReceiver(): void {
  blackhole?.close();
}

/** What the reports watcher saw while a `…-with-reports` scenario ran. */
interface ReportsSeen {
  /** Activations made, and the time from each one's answer until the reporting store had its event (ms). */
  appearMs: number[];
  /** Built-in report queries run back to back, and their times (ms). */
  queryMs: number[];
}

/**
 * Beside a `…-with-reports` scenario: reports run continuously (a year of activations by day, one
 * query every --reports-interval ms, 250 by default: a busy dashboard; 0 runs them back to back), and every quarter second a device is activated and the reporting store's
 * status watched until it has projected that activation's event (its `lastEventAt` reaches the time
 * the activation was sent; the scenario's validations write no events). The issue's real-time
 * figure is the p99 of that wait, under the scenario's load; its cost is the scenario's rate against
 * the same scenario without reports, in the same run.
 */
function watchReports(manifest: Manifest, url: string): () => Promise<ReportsSeen> {
  const admin = { authorization: `Bearer ${manifest.adminKey}` };
  const seen: ReportsSeen = { appearMs: [], queryMs: [] };
  let stopped = false;
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const queries = (async () => {
    while (!stopped) {
      const t0 = performance.now();
      const res = await call(url, 'GET', '/v1/reports/activations?granularity=day', admin);
      if (res.status !== 200) throw new Error(`the activations report answered ${res.status}: ${res.text}`);
      seen.queryMs.push(performance.now() - t0);
      if (reportsInterval > 0) await pause(reportsInterval);
    }
  })();
  const activations = (async () => {
    for (let i = 0; !stopped; i++) {
      const site = manifest.site[i % manifest.site.length]!;
      const sent = Date.now();
      const res = await call(url, 'POST', '/v1/client/activate', licenseHeaders(site), {
        fingerprint: `reports-watch-${process.pid}-${sent}-${i}`,
        product: manifest.product,
      });
      if (res.status !== 201) throw new Error(`a watched activation answered ${res.status}: ${res.text}`);
      const answered = performance.now();
      for (;;) {
        const status = JSON.parse((await call(url, 'GET', '/v1/reports/status', admin)).text) as { lastEventAt: string | null };
        if (status.lastEventAt !== null && Date.parse(status.lastEventAt) >= sent) break;
        if (performance.now() - answered > 60_000) throw new Error('an activation did not reach the reporting store within 60 s');
        await pause(20);
      }
      seen.appearMs.push(performance.now() - answered);
      await pause(250);
    }
  })();
  return async () => {
    stopped = true;
    await Promise.all([queries, activations]);
    return seen;
  };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!) : NaN;
}

/** Before a `…-dead-webhook` scenario: an endpoint for every event type, at the dead receiver. */
async function configureDeadWebhook(manifest: Manifest, url: string): Promise<void> {
  const admin = { authorization: `Bearer ${manifest.adminKey}` };
  const list = JSON.parse((await call(url, 'GET', '/v1/webhook-endpoints', admin)).text) as { data: Array<{ url: string }> };
  const dead = await deadReceiver();
  if (list.data.some((e) => e.url === dead)) return;
  const res = await call(url, 'POST', '/v1/webhook-endpoints', admin, { url: dead, events: ['*'], description: 'bench: never answers' });
  if (res.status !== 201) throw new Error(`creating the dead webhook endpoint answered ${res.status}: ${res.text}`);
}

function specFor(scenario: string, manifest: Manifest, url: string): LoadSpec {
  const base = { url, duration, connections };
  if (scenario.endsWith('-dead-webhook')) return specFor(scenario.slice(0, -'-dead-webhook'.length), manifest, url);
  if (scenario.endsWith('-with-reports')) return specFor(scenario.slice(0, -'-with-reports'.length), manifest, url);
  const admin = { authorization: `Bearer ${manifest.adminKey}` };
  const pairs = (list: SampleLicense[]) => list.flatMap((s) => s.fingerprints.map((fingerprint) => ({ s, fingerprint })));
  // Activations of fresh fingerprints, on the site licenses (seats enough for any run).
  const activations = (device: Record<string, unknown>): LoadSpec => ({
    ...base,
    method: 'POST',
    paths: ['/v1/client/activate'],
    fresh: true,
    variants: manifest.site.map((s) => ({
      headers: licenseHeaders(s),
      body: JSON.stringify({ fingerprint: '{{fresh}}', product: manifest.product, platform: 'linux', ...device }),
    })),
  });
  switch (scenario) {
    case 'validate':
      return {
        ...base,
        method: 'POST',
        paths: ['/v1/client/validate'],
        variants: pairs(manifest.nodeLocked).map(({ s, fingerprint }) => ({
          headers: licenseHeaders(s),
          body: JSON.stringify({ fingerprint, product: manifest.product, features: ['f0'] }),
        })),
      };
    case 'activate':
      return activations({ name: 'Bench device' });
    case 'ephemeral':
      // A container's life: activate as an ephemeral instance, then deactivate as it stops. Each
      // pair is two requests; pairs/s is half the rate.
      return {
        ...activations({ name: 'Bench container', ephemeral: true }),
        then: { path: '/v1/client/deactivate', body: JSON.stringify({ fingerprint: '{{fresh}}' }) },
      };
    case 'refresh':
    case 'heartbeat':
      return {
        ...base,
        method: 'POST',
        paths: [`/v1/client/${scenario}`],
        variants: pairs(scenario === 'refresh' ? manifest.nodeLocked : manifest.floating).map(({ s, fingerprint }) => ({
          headers: licenseHeaders(s),
          body: JSON.stringify({ fingerprint, product: manifest.product }),
        })),
      };
    case 'list':
      return { ...base, method: 'GET', paths: ['/v1/entitlements?limit=50'], variants: [{ headers: admin }] };
    case 'healthz':
      // The server's own floor: its cheapest route, through every hook a request passes.
      return { ...base, method: 'GET', paths: ['/healthz'], variants: [{ headers: {} }] };
    case 'read':
      return {
        ...base,
        method: 'GET',
        paths: manifest.nodeLocked.map((s) => `/v1/entitlements/${s.entitlementId}`),
        variants: [{ headers: admin }],
      };
    default:
      throw new Error(`unknown scenario ${scenario}`);
  }
}

/** A load run, and the CPU the measured processes (the server's whole tree) spent per answered request. */
async function measure(spec: LoadSpec, name: string, serverPid: number): Promise<Measured> {
  const before = treeCpuSeconds(serverPid);
  const result = await load(spec, name);
  const after = treeCpuSeconds(serverPid);
  const cpuPerRequest = before === null || after === null || result.total === 0 ? null : ((after - before) * 1e6) / result.total;
  return { ...result, cpuMicrosPerRequest: cpuPerRequest === null ? null : Math.round(cpuPerRequest) };
}

async function load(spec: LoadSpec, name: string): Promise<LoadResult> {
  const file = join(tmpdir(), `leasehold-bench-${process.pid}-${name}.json`);
  writeFileSync(file, JSON.stringify(spec));
  const proc = start(['--import', 'tsx', join(BENCH_DIR, 'load.ts'), file], process.env);
  await new Promise<void>((r) => proc.child.once('exit', () => r()));
  const line = proc
    .output()
    .split('\n')
    .find((l) => l.startsWith('{"requestsPerSecond"'));
  if (!line) throw new Error(`the load generator failed for ${name}:\n${proc.output()}`);
  return JSON.parse(line) as LoadResult;
}

/** Before measuring: every sample device activates once, so floating seats are held and leases exist. */
async function warmUp(manifest: Manifest, url: string): Promise<string> {
  for (const s of [...manifest.nodeLocked, ...manifest.floating]) {
    for (const fingerprint of s.fingerprints) {
      const res = await call(url, 'POST', '/v1/client/activate', licenseHeaders(s), { fingerprint, product: manifest.product });
      if (res.status !== 200 && res.status !== 201) throw new Error(`warm-up activate answered ${res.status}: ${res.text}`);
    }
  }
  const s = manifest.nodeLocked[0]!;
  const res = await call(url, 'POST', '/v1/client/validate', licenseHeaders(s), {
    fingerprint: s.fingerprints[0],
    product: manifest.product,
    features: ['f0'],
  });
  const body = JSON.parse(res.text) as { valid: boolean };
  if (!body.valid) throw new Error(`the sample license does not validate: ${res.text}`);
  return res.text;
}

type Measured = LoadResult & {
  cpuMicrosPerRequest: number | null;
  /** `…-with-reports` scenarios: what the reports watcher saw (watchReports). */
  reports?: {
    activations: number;
    appearP50Ms: number;
    appearP99Ms: number;
    appearMaxMs: number;
    queries: number;
    queryP50Ms: number;
    queryP99Ms: number;
  };
};

interface Row {
  store: string;
  mode: string;
  scenario: string;
  result: Measured;
  baselineRps: number;
  ratio: number;
  /** The baseline's CPU per request over the scenario's: its rate with the machine to itself, as a share. */
  cpuRatio: number | null;
  loadavg: number[];
}

const rows: Row[] = [];
const datasets: Array<Pick<Manifest, 'store' | 'counts' | 'build'>> = [];
const given = (values.dataset ?? []).map((p) => JSON.parse(readFileSync(p, 'utf8')) as Manifest);
let baseline: { proc: Proc; url: string } | null = null;
const startedAt = new Date();

try {
  for (const store of stores) {
    let manifest = given.find((m) => m.store === store);
    if (!manifest) {
      const entitlements = Number(values.entitlements);
      log(`building a ${entitlements}-entitlement ${store} dataset…`);
      manifest = await buildDataset({
        store,
        entitlements,
        activations: entitlements * 2,
        customers: Math.min(10_000, Math.max(10, Math.floor(entitlements / 100))),
        out: store === 'sqlite' ? join(BENCH_DIR, '.data', `quick-sqlite-${entitlements}`) : `leasehold_bench_quick_${entitlements}`,
        log,
      });
    }
    datasets.push({ store: manifest.store, counts: manifest.counts, build: manifest.build });
    for (const mode of modes) {
      log(`${store}, ${mode}: starting the server…`);
      const server = await startLeasehold(manifest, mode);
      try {
        const validation = await warmUp(manifest, server.url);
        if (!baseline) {
          const bodyFile = join(tmpdir(), `leasehold-bench-${process.pid}-baseline-body.json`);
          writeFileSync(bodyFile, validation);
          const port = await freePort();
          const proc = start(['--import', 'tsx', join(BENCH_DIR, 'baseline.ts'), String(port), bodyFile], process.env);
          baseline = { proc, url: `http://127.0.0.1:${port}` };
          await waitFor(proc, async () => proc.output().includes('listening'), 'the baseline');
          log(`baseline answers ${Buffer.byteLength(validation)} bytes, as a validation result does`);
        }
        // A short unmeasured run first, so the server's (and the baseline's) hot paths are compiled.
        const warm = Math.min(3, duration);
        await load({ ...specFor('validate', manifest, server.url), duration: warm }, 'warm-up');
        // The baseline is measured again for each store and mode: the machine's load drifts.
        const baselineSpec: LoadSpec = {
          url: baseline.url,
          duration,
          connections,
          method: 'POST',
          paths: ['/v1/client/validate'],
          variants: [{ headers: { 'content-type': 'application/json' }, body: JSON.stringify({ fingerprint: 'x'.repeat(32) }) }],
        };
        await load({ ...baselineSpec, duration: warm }, 'warm-up');
        const base = await measure(baselineSpec, 'baseline', baseline.proc.child.pid!);
        rows.push({
          store,
          mode,
          scenario: 'baseline',
          result: base,
          baselineRps: base.requestsPerSecond,
          ratio: 1,
          cpuRatio: 1,
          loadavg: loadavg(),
        });
        log(`  baseline: ${base.requestsPerSecond} req/s, p99 ${base.p99} ms`);
        for (const scenario of scenarios) {
          if (scenario.endsWith('-dead-webhook')) await configureDeadWebhook(manifest, server.url);
          const watching = scenario.endsWith('-with-reports') ? watchReports(manifest, server.url) : null;
          const result = await measure(specFor(scenario, manifest, server.url), scenario, server.proc.child.pid!);
          if (watching) {
            const seen = await watching();
            result.reports = {
              activations: seen.appearMs.length,
              appearP50Ms: percentile(seen.appearMs, 50),
              appearP99Ms: percentile(seen.appearMs, 99),
              appearMaxMs: percentile(seen.appearMs, 100),
              queries: seen.queryMs.length,
              queryP50Ms: percentile(seen.queryMs, 50),
              queryP99Ms: percentile(seen.queryMs, 99),
            };
            log(`  ${scenario}: reports beside it ${JSON.stringify(result.reports)}`);
          }
          const ratio = base.requestsPerSecond ? result.requestsPerSecond / base.requestsPerSecond : 0;
          const cpuRatio =
            base.cpuMicrosPerRequest && result.cpuMicrosPerRequest ? base.cpuMicrosPerRequest / result.cpuMicrosPerRequest : null;
          rows.push({ store, mode, scenario, result, baselineRps: base.requestsPerSecond, ratio, cpuRatio, loadavg: loadavg() });
          // A 5xx is a bug, not a figure: show what the server logged about it.
          for (const line of server.proc.output().split('\n'))
            if (/"level":(50|60)/.test(line)) log(`  server error: ${line.slice(0, 2000)}`);
          log(
            `  ${scenario}: ${result.requestsPerSecond} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, ` +
              `errors ${result.errors + result.timeouts + result.non2xx} (${JSON.stringify(result.statusCodes)}), ${(ratio * 100).toFixed(0)}% of baseline` +
              (scenario === 'ephemeral' ? `; ${Math.round(result.requestsPerSecond / 2)} activate + deactivate pairs/s` : ''),
          );
        }
      } finally {
        await server.proc.stop();
      }
    }
  }
} finally {
  await baseline?.proc.stop();
  closeDeadReceiver();
}

// Results: JSON with everything, Markdown with the table.
const machine = {
  cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  loadavgAtEnd: loadavg().map((n) => Math.round(n * 100) / 100),
};
const settings = { duration, connections, workers, logLevel: values['log-level'] };
const label = values.label ?? `${stores.join('-')}-${datasets.map((d) => d.counts.entitlements).join('-')}`;
const stamp = startedAt.toISOString().slice(0, 16).replace(':', '');
const dir = join(BENCH_DIR, 'results');
mkdirSync(dir, { recursive: true });
const fmt = (n: number) => (n >= 100 ? Math.round(n).toString() : n.toFixed(1));
const table = [
  '| store | mode | scenario | req/s | p50 ms | p99 ms | errors | vs baseline | CPU µs/req | vs baseline (CPU) | generator cores | load avg (1 min) |',
  '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map(
    (r) =>
      `| ${r.store} | ${r.mode} | ${r.scenario} | ${r.result.requestsPerSecond} | ${fmt(r.result.p50)} | ${fmt(r.result.p99)} | ` +
      `${r.result.errors + r.result.timeouts + r.result.non2xx} | ${(r.ratio * 100).toFixed(0)}% | ` +
      `${r.result.cpuMicrosPerRequest ?? '–'} | ${r.cpuRatio === null ? '–' : `${(r.cpuRatio * 100).toFixed(0)}%`} | ` +
      `${r.result.generatorCores.toFixed(2)} | ${r.loadavg[0]!.toFixed(1)} |`,
  ),
];
const markdown = [
  `# Leasehold load benchmark, ${startedAt.toISOString()}`,
  '',
  `Machine: ${machine.cpus}, ${machine.memoryGiB} GiB, Node ${machine.node}. ${connections} connections, ${duration} s per scenario, ` +
    `cluster mode = ${workers} workers, server log level ${settings.logLevel}. The load generator (autocannon) runs in its own ` +
    `process on the same cores; the baseline is a bare Fastify process answering a body the size of a validation result, ` +
    `measured before each store and mode. CPU µs/req is the CPU the server's processes (all workers) spent per answered ` +
    `request, read from /proc; "vs baseline (CPU)" divides the baseline's by it: the share of the baseline's rate the ` +
    `server would reach with the cores to itself, steadier than req/s on a shared machine. Generator cores: the CPU ` +
    `autocannon itself used. The last column is the machine's 1-minute load average after each scenario: ` +
    `anything above the core count means other work was competing for the CPU.`,
  '',
  ...datasets.map(
    (d) =>
      `Dataset (${d.store}): ${d.counts.entitlements} entitlements, ${d.counts.activations} activations, ${d.counts.customers} customers, ` +
      `built in ${d.build.seconds} s (${d.build.rowsPerSecond} rows/s).`,
  ),
  '',
  ...table,
  '',
].join('\n');
writeFileSync(join(dir, `${stamp}-${label}.json`), JSON.stringify({ startedAt, machine, settings, datasets, rows }, null, 2) + '\n');
writeFileSync(join(dir, `${stamp}-${label}.md`), markdown);
process.stdout.write(markdown);
log(`results: bench/results/${stamp}-${label}.{json,md}`);
