import cluster from 'node:cluster';
import { createServer, type Server } from 'node:http';
import pino from 'pino';
import { buildApp } from './platform/http/app.js';
import { clusterScrape } from './platform/http/cluster-metrics.js';
import { LOG_REDACT, LOG_SERIALIZERS } from './platform/http/log-redaction.js';
import { openServices, type FirstAccount } from './bootstrap.js';
import { CAPABILITIES } from './registry.js';
import type { Config } from './config.js';
import { reportSettings } from './capabilities/reports/settings.js';
import { ReportsLeadership } from './capabilities/reports/store/leader.js';
import { PROCESS_ID } from './capabilities/reports/routes/runtime.js';
import type { App } from './platform/http/route-kit.js';

/**
 * What the first start of an empty server prints once. A generated admin key is shown here and
 * nowhere else, since nobody else knows it; a key the operator supplied in LEASEHOLD_ADMIN_KEY is
 * not repeated (it would only copy a secret into the console and its log collectors).
 */
export function firstStartBanner(first: Pick<FirstAccount, 'adminKey' | 'keySource'>, url: string): string {
  const lines =
    first.keySource === 'generated'
      ? [
          '  Leasehold created the first account. Its admin API key, shown only this once:',
          '',
          `    ${first.adminKey}`,
          '',
          `  Try: curl -H "Authorization: Bearer ${first.adminKey}" ${url}/v1/products`,
        ]
      : [
          '  Leasehold created the first account with the admin API key from LEASEHOLD_ADMIN_KEY.',
          '',
          `  Try: curl -H "Authorization: Bearer $LEASEHOLD_ADMIN_KEY" ${url}/v1/products`,
        ];
  return ['', ...lines, `  API reference: ${url}/docs`, ''].join('\n') + '\n';
}

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

/**
 * Opens the store, applies migrations, creates the first account on an empty server (printing its
 * admin key once, to stdout and never to the log), and listens. SIGINT/SIGTERM close gracefully:
 * stop accepting, finish in-flight requests, flush batched writes, close the database.
 */
export async function serve(config: Config, out: NodeJS.WritableStream = process.stdout): Promise<RunningServer> {
  const logger = pino({ level: config.logLevel, redact: LOG_REDACT, serializers: LOG_SERIALIZERS });
  const started = await openServices(config);
  const { services } = started;
  const app = await buildApp(services, {
    logger,
    bodyLimit: config.bodyLimit,
    rateLimits: config.rateLimits,
    trustProxy: config.trustProxy,
    hstsMaxAge: config.hstsMaxAge,
    publicUrl: config.publicUrl ?? undefined,
    metricsToken: config.metricsToken,
    loadLimits: config.loadLimits,
    metricsScrape: cluster.isWorker ? clusterScrape(services.metrics) : undefined,
  });
  // Batched writes (last-used and last-seen stamps) and the dead-seat sweeper run off the request path.
  const flushTimer = setInterval(() => {
    void services.apiKeyUsage.flush().catch((err) => logger.warn({ err }, 'flushing key usage failed'));
    void services.activity.flush().catch((err) => logger.warn({ err }, 'flushing device activity failed'));
  }, 5_000);
  flushTimer.unref();
  // LEASEHOLD_REPORTS_ROLE=elected: this process takes part in the election of the one reporting
  // process before any job runs (the projector job runs only while it leads).
  const reporting = reportSettings();
  const leadership =
    reporting.role === 'elected' && config.databaseUrl
      ? new ReportsLeadership({
          databaseUrl: config.databaseUrl,
          processId: PROCESS_ID,
          url: '',
          heartbeatMs: reporting.heartbeatMs,
          now: () => services.clock.now(),
          log: (message) => logger.info(message),
        })
      : undefined;
  services.reportsLeadership = leadership;
  // Each capability's background jobs; any number of processes may run them (they claim work in
  // the database), and a job's run never overlaps its previous one.
  const worker = `${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  const jobTimers = CAPABILITIES.flatMap((c) => c.jobs ?? []).map((job) => {
    let running = false;
    const tick = () => {
      if (running) return;
      running = true;
      job
        .run(services, worker)
        .catch((err) => logger.warn({ err, job: job.name }, 'a background job failed; it runs again at its next turn'))
        .finally(() => (running = false));
    };
    const timer = setInterval(tick, job.everyMs);
    timer.unref();
    if (job.atStart) tick();
    return timer;
  });

  const address = await app.listen({ host: config.host, port: config.port });
  const url = address.replace('[::1]', 'localhost');
  logger.info(
    { url, store: services.store.database.dialect, masterKey: started.masterKeySource, migrations: started.migrations },
    'leasehold is listening',
  );

  if (started.firstAccount) out.write(firstStartBanner(started.firstAccount, url));
  const internal = leadership ? await startLeadership(leadership, app, config, address, reporting.url) : null;

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      clearInterval(flushTimer);
      for (const timer of jobTimers) clearInterval(timer);
      await leadership?.stop();
      internal?.close();
      await app.close();
      for (const job of CAPABILITIES.flatMap((c) => c.jobs ?? []).filter((j) => j.atStop)) {
        await job.run(services, worker).catch((err) => logger.warn({ err, job: job.name }, 'a background job failed at stop'));
      }
      await started.close();
    })());
  return { url, stop };
}

/**
 * Where the other processes reach this one for reports, then the election starts. A worker of
 * `serve --workers N` shares the public port with the others (a request to it reaches any worker),
 * so it also listens on an internal port of its own on 127.0.0.1 and advertises that.
 */
async function startLeadership(
  leadership: ReportsLeadership,
  app: App,
  config: Config,
  address: string,
  configured: string | null,
): Promise<Server | null> {
  let internal: Server | null = null;
  let url = configured;
  if (cluster.isWorker) {
    const server = createServer((req, res) => app.routing(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => resolve());
    });
    const bound = server.address();
    url = `http://127.0.0.1:${typeof bound === 'object' && bound ? bound.port : 0}`;
    internal = server;
  }
  if (url === null) {
    const port = new URL(address).port;
    const host = ['0.0.0.0', '::', ''].includes(config.host) ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
    url = `http://${host}:${port}`;
  }
  leadership.options.url = url;
  leadership.start();
  return internal;
}
