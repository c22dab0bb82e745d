import { timingSafeEqual } from 'node:crypto';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Database } from '../store/database.js';
import type { App } from './route-kit.js';
import { sendError } from './errors.js';

/** What the process reads its gauges from at each scrape. */
export interface MetricSources {
  database: Database;
  cache: { stats: { hits: number; misses: number }; usable(): boolean };
}

/**
 * The server's Prometheus metrics, one registry per process (tests build many apps in one process,
 * so nothing goes to prom-client's global registry). Counters are bumped where things happen; the
 * cache and the database pool are read when Prometheus scrapes.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly duration: Histogram<'method' | 'route'>;
  readonly validations: Counter<'code'>;
  readonly activations: Counter<'result'>;
  readonly leases: Counter<'via'>;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ pid: String(process.pid) });
    // Process CPU and memory, GC, and event-loop lag (nodejs_eventloop_lag_seconds and percentiles).
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'leasehold_http_requests_total',
      help: 'HTTP requests answered, by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.duration = new Histogram({
      name: 'leasehold_http_request_duration_seconds',
      help: 'Time from request to answer, by method and route template',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.validations = new Counter({
      name: 'leasehold_validations_total',
      help: 'Online validations, by the code answered (VALID, EXPIRED, SUSPENDED, …)',
      labelNames: ['code'],
      registers,
    });
    this.activations = new Counter({
      name: 'leasehold_activations_total',
      help: 'Client activations: a seat taken (created) or an activated device again (existing)',
      labelNames: ['result'],
      registers,
    });
    this.leases = new Counter({
      name: 'leasehold_leases_issued_total',
      help: 'Signed leases issued, by the call that asked (activate, refresh, heartbeat, borrow, trial)',
      labelNames: ['via'],
      registers,
    });
    const { cache, database } = sources;
    new Counter({
      name: 'leasehold_license_cache_lookups_total',
      help: 'Validations served from memory (hit) or read from the database (miss); hit ratio = hit / (hit + miss)',
      labelNames: ['result'],
      registers,
      collect() {
        this.reset();
        this.inc({ result: 'hit' }, cache.stats.hits);
        this.inc({ result: 'miss' }, cache.stats.misses);
      },
    });
    new Gauge({
      name: 'leasehold_license_cache_usable',
      help: '1 while the license cache may serve validations (other processes are heard), else 0',
      registers,
      collect() {
        this.set(cache.usable() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'leasehold_db_pool_connections',
      help: 'Database connections of this process, by state (PostgreSQL; SQLite has one, always reported busy)',
      labelNames: ['state'],
      registers,
      collect() {
        const pool = database.poolStats();
        this.set({ state: 'busy' }, pool.total - pool.idle);
        this.set({ state: 'idle' }, pool.idle);
      },
    });
    new Gauge({
      name: 'leasehold_db_pool_waiting',
      help: 'Requests waiting for a database connection now',
      registers,
      collect() {
        this.set(database.poolStats().waiting);
      },
    });
    new Counter({
      name: 'leasehold_db_pool_wait_seconds_total',
      help: 'Time spent waiting for a database connection, in all (rate over leasehold_db_pool_acquires_total = mean wait)',
      registers,
      collect() {
        this.reset();
        this.inc(database.poolStats().waitedMs / 1000);
      },
    });
    new Counter({
      name: 'leasehold_db_pool_acquires_total',
      help: 'Database connections handed out',
      registers,
      collect() {
        this.reset();
        this.inc(database.poolStats().acquired);
      },
    });
  }
}

/**
 * `GET /metrics` in the Prometheus text format, and the hook that counts and times every answer.
 * With a token configured, a scrape must send `Authorization: Bearer <token>`. `scrape` answers for
 * more than this process (the cluster's workers, cluster-metrics.ts); by default this process alone.
 */
export function installMetrics(app: App, metrics: Metrics, token: string | null, scrape?: () => Promise<string>): void {
  const collect = scrape ?? (() => metrics.registry.metrics());
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    done();
  });
  const expected = token === null ? null : Buffer.from(`Bearer ${token}`);
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (expected) {
      const given = Buffer.from(request.headers.authorization ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return sendError(reply, 'UNAUTHENTICATED', 'Send the metrics token as "Authorization: Bearer <token>".', {});
      }
    }
    return reply.header('content-type', metrics.registry.contentType).send(await collect());
  });
}
