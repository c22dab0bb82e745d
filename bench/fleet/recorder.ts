/** What the fleet simulation measures: requests per simulated minute, latency per phase, the invariants. */
export type Phase = string;

const MINUTE = 60_000;

export class Recorder {
  phase: Phase = 'setup';
  total = 0;
  /** Requests the server refused with 503 (load shed, or its database unavailable). */
  shed = 0;
  /** Audits that found a device running on a lease past its expiry (must stay 0). */
  pastExpiry = 0;
  /** Audits that found one granting at its expiry's very millisecond (see simulate.ts: the clocks' resolution). */
  atExpiry = 0;
  private readonly perMin = new Map<number, number>();
  private readonly samples = new Map<Phase, number[]>();
  private readonly started = process.hrtime.bigint();
  private readonly cpu0 = process.cpuUsage();

  /** `elapsed()` is simulated milliseconds since the simulation's start. */
  constructor(private readonly elapsed: () => number) {}

  get t0(): number {
    return 0;
  }

  now(): number {
    return this.elapsed();
  }

  async time<T extends { statusCode: number }>(request: () => Promise<T>): Promise<T> {
    const minute = Math.floor(this.elapsed() / MINUTE);
    this.perMin.set(minute, (this.perMin.get(minute) ?? 0) + 1);
    this.total++;
    const t = performance.now();
    const res = await request();
    const list = this.samples.get(this.phase) ?? [];
    list.push(performance.now() - t);
    this.samples.set(this.phase, list);
    if (res.statusCode === 503) this.shed++;
    return res;
  }

  /** Requests per minute over [from, to) (simulated ms). */
  perMinute(from: number, to: number): number {
    let n = 0;
    for (let m = Math.floor(from / MINUTE); m < Math.ceil(to / MINUTE); m++) n += this.perMin.get(m) ?? 0;
    return n / Math.max(1, (to - from) / MINUTE);
  }

  /** The busiest `window` minutes within [from, to), per minute. */
  peakPerMinute(from: number, to: number, window: number): number {
    let best = 0;
    for (let m = Math.floor(from / MINUTE); m + window <= Math.ceil(to / MINUTE); m++) {
      let n = 0;
      for (let k = 0; k < window; k++) n += this.perMin.get(m + k) ?? 0;
      best = Math.max(best, n / window);
    }
    return best;
  }

  latency(): Record<Phase, { requests: number; p50: number; p99: number; max: number }> {
    const out: Record<Phase, { requests: number; p50: number; p99: number; max: number }> = {};
    for (const [phase, list] of this.samples) {
      const sorted = [...list].sort((a, b) => a - b);
      const at = (q: number) => round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
      out[phase] = { requests: sorted.length, p50: at(0.5), p99: at(0.99), max: round(sorted.at(-1) ?? 0) };
    }
    return out;
  }

  /** Process CPU (server and SDKs together: they share this process) per request, in µs. */
  cpuMicrosPerRequest(): number {
    const cpu = process.cpuUsage(this.cpu0);
    return Math.round((cpu.user + cpu.system) / Math.max(1, this.total));
  }

  wallSeconds(): number {
    return Number(process.hrtime.bigint() - this.started) / 1e9;
  }
}

const round = (ms: number) => Math.round(ms * 100) / 100;
