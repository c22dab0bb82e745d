/**
 * One load run, in its own process so the load generator never shares an event loop with what it
 * measures: `node --import tsx bench/load.ts <spec.json>` prints the autocannon summary as JSON.
 *
 * The spec names one route and a list of request variants (headers and body) that the connections
 * cycle through, so each request can carry a different license key and fingerprint; `fresh`
 * replaces `{{fresh}}` in the body with a fingerprint never sent before (activate).
 */
import { readFileSync } from 'node:fs';
import autocannon, { type Request as CannonRequest } from 'autocannon';

export interface LoadSpec {
  url: string;
  method: 'GET' | 'POST';
  /** Paths cycled with the variants (a read of different entitlements); one path for all otherwise. */
  paths: string[];
  variants: Array<{ headers: Record<string, string>; body?: string }>;
  fresh?: boolean;
  /**
   * A second request each connection sends after the first, on the same variant and with the same
   * fresh fingerprint (activate, then deactivate: an ephemeral instance's life). Both are counted.
   */
  then?: { path: string; body: string };
  duration: number;
  connections: number;
}

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  total: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** Cores the load generator itself kept busy: what the server did not have of the machine. */
  generatorCores: number;
}

const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as LoadSpec;
let next = 0;
const prefix = `bench-${process.pid}-${Date.now().toString(36)}`;

const cpuBefore = process.cpuUsage();
const wallBefore = performance.now();
const result = await autocannon({
  url: spec.url,
  connections: spec.connections,
  duration: spec.duration,
  timeout: 10,
  requests: [
    {
      method: spec.method,
      setupRequest: (req, context) => {
        const n = next++;
        const variant = spec.variants[n % spec.variants.length]!;
        const path = spec.paths[n % spec.paths.length]!;
        const fresh = `${prefix}-${n.toString(36)}`;
        Object.assign(context, { variant, fresh });
        let body = variant.body;
        if (body !== undefined && spec.fresh) body = body.replace('{{fresh}}', fresh);
        return { ...req, method: spec.method, path, headers: variant.headers, ...(body === undefined ? {} : { body }) };
      },
    },
    ...(spec.then
      ? [
          {
            method: spec.method,
            setupRequest: (req: CannonRequest, context: Record<string, unknown>) => {
              const variant = context['variant'] as LoadSpec['variants'][number];
              const body = spec.then!.body.replace('{{fresh}}', context['fresh'] as string);
              return { ...req, method: spec.method, path: spec.then!.path, headers: variant.headers, body };
            },
          },
        ]
      : []),
  ],
});

const cpu = process.cpuUsage(cpuBefore);
const generatorCores = (cpu.user + cpu.system) / 1000 / (performance.now() - wallBefore);
const statusCodes: Record<string, number> = {};
for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stat.count;
const out: LoadResult = {
  requestsPerSecond: Math.round(result.requests.average),
  p50: result.latency.p50,
  p90: result.latency.p90,
  p99: result.latency.p99,
  max: result.latency.max,
  total: result.requests.total,
  ok: result['2xx'],
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
  statusCodes,
  generatorCores: Math.round(generatorCores * 100) / 100,
};
process.stdout.write(JSON.stringify(out) + '\n');
