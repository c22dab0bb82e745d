import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Counter } from 'prom-client';
import type { App } from './route-kit.js';
import type { Metrics } from './metrics.js';
import { sendError } from './errors.js';

/**
 * How much work one server process takes on before it refuses more. Past these, a request gets
 * `503 SERVICE_UNAVAILABLE` with `Retry-After` at once, instead of queueing behind the others until
 * every caller times out (an outage's returning fleet, a herd after a mass change). The SDK waits
 * at least the `Retry-After` before it tries again.
 */
export interface LoadLimits {
  /** Requests this process works on at once (0: no limit). */
  maxInFlight: number;
  /** The event loop's delay, in ms, past which new requests are refused (0: not watched). */
  maxEventLoopDelayMs: number;
}

// The event loop is not watched by default: one long stall (a backup, a GC pause, a descheduled process) would
// refuse requests that the in-flight limit, which bounds the queue itself, would have served.
export const DEFAULT_LOAD_LIMITS: LoadLimits = { maxInFlight: 256, maxEventLoopDelayMs: 0 };

/** Probes and scrapes answer under any load: an orchestrator must not restart a busy server. */
const EXEMPT = /^\/(healthz|readyz|metrics)(\?|$)/;

/** Shed callers come back spread over a few seconds, not together. */
const RETRY_AFTER_MIN_S = 2;
const RETRY_AFTER_SPREAD_S = 5;

const SHED_METRIC = 'leasehold_requests_shed_total';

/** How often the event loop's delay is read (ms); the reading is the worst of the last interval. */
const SAMPLE_MS = 500;

export function installLoadShedding(app: App, metrics: Metrics, limits: LoadLimits, random: () => number = Math.random): void {
  if (limits.maxInFlight <= 0 && limits.maxEventLoopDelayMs <= 0) return;
  // One counter per registry, however many apps a process builds on the same services (tests do).
  const shed =
    (metrics.registry.getSingleMetric(SHED_METRIC) as Counter<'reason'> | undefined) ??
    new Counter({
      name: SHED_METRIC,
      help: 'Requests refused with 503 because the process was at its limits, by reason',
      labelNames: ['reason'] as const,
      registers: [metrics.registry],
    });
  const loop = limits.maxEventLoopDelayMs > 0 ? new LoopDelay() : null;
  let inFlight = 0;

  app.addHook('onRequest', (request, reply, done) => {
    if (EXEMPT.test(request.url)) return done();
    const reason =
      limits.maxInFlight > 0 && inFlight >= limits.maxInFlight
        ? 'in_flight'
        : loop && loop.delayMs > limits.maxEventLoopDelayMs
          ? 'event_loop'
          : null;
    if (reason) {
      shed.inc({ reason });
      reply.header('retry-after', String(RETRY_AFTER_MIN_S + Math.floor(random() * RETRY_AFTER_SPREAD_S)));
      void sendError(reply, 'SERVICE_UNAVAILABLE', 'The server is busy; retry after the time in Retry-After.', { reason: 'overloaded' });
      return;
    }
    inFlight++;
    let counted = true;
    const release = () => {
      if (counted) inFlight--;
      counted = false;
    };
    // Either ends a request: a normal answer, or a client that went away first.
    reply.raw.once('finish', release);
    reply.raw.once('close', release);
    done();
  });
  app.addHook('onClose', (_app, done) => {
    loop?.stop();
    done();
  });
}

/** The event loop's delay, from Node's own histogram, read every SAMPLE_MS (the worst of that time). */
class LoopDelay {
  delayMs = 0;
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.histogram.enable();
    this.timer = setInterval(() => {
      this.delayMs = this.histogram.max / 1e6;
      this.histogram.reset();
    }, SAMPLE_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }
}
