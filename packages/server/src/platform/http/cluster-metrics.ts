import cluster from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import type { Metrics } from './metrics.js';

/**
 * `/metrics` under `serve --workers N`: whichever worker takes the scrape asks the cluster's primary,
 * which collects every worker's registry over the cluster's IPC channel (prom-client's
 * AggregatorRegistry) and answers with all of them. Each sample keeps its worker's `pid` label, so
 * no series of one worker is summed into another's; `sum without (pid) (…)` gives the server's total.
 */
const REQUEST = 'leasehold:metrics-scrape';
const REPLY = 'leasehold:metrics-scraped';

interface ScrapeRequest {
  type: typeof REQUEST;
  id: number;
}
interface ScrapeReply {
  type: typeof REPLY;
  id: number;
  text?: string;
  error?: string;
}

/** In a worker: reports `metrics` to the primary's aggregation, and returns how to scrape the whole server. */
export function clusterScrape(metrics: Metrics): () => Promise<string> {
  // The constructor installs prom-client's worker side: it answers the primary with the registries set here.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([metrics.registry]);
  let next = 1;
  const pending = new Map<number, (reply: ScrapeReply) => void>();
  process.on('message', (message: ScrapeReply) => {
    if (message?.type !== REPLY) return;
    pending.get(message.id)?.(message);
    pending.delete(message.id);
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error('the primary did not answer the metrics scrape within 10 s'));
      }, 10_000);
      pending.set(id, (reply) => {
        clearTimeout(timer);
        if (reply.text !== undefined) resolve(reply.text);
        else reject(new Error(reply.error ?? 'the metrics scrape failed'));
      });
      process.send!({ type: REQUEST, id } satisfies ScrapeRequest);
    });
}

/** In the primary: answers the workers' scrapes with every worker's metrics. */
export function aggregateClusterMetrics(): void {
  const registry = new AggregatorRegistry();
  cluster.on('message', (worker, message: ScrapeRequest) => {
    if (message?.type !== REQUEST) return;
    const answer = (reply: Omit<ScrapeReply, 'type' | 'id'>) => {
      if (worker.isConnected()) worker.send({ type: REPLY, id: message.id, ...reply } satisfies ScrapeReply);
    };
    registry.clusterMetrics().then(
      (text) => answer({ text }),
      (error: Error) => answer({ error: error.message }),
    );
  });
}
