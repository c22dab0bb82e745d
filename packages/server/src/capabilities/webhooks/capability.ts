import { Gauge } from 'prom-client';
import type { Capability } from '../../platform/capability.js';
import type { Services } from '../../platform/http/services.js';
import type { App } from '../../platform/http/route-kit.js';
import { managementAuth } from '../access/routes/auth.js';
import { WebhookDispatcher } from './dispatcher.js';
import { deliveryRoutes } from './routes/deliveries.js';
import { endpointRoutes } from './routes/endpoints.js';
import { WebhookDeliveryRepository } from './store/deliveries.js';
import { WebhookDispatchRepository } from './store/dispatch.js';
import { WebhookEndpointRepository } from './store/endpoints.js';
import { webhookMigrations } from './store/migrations.js';

/** One dispatcher per process (per Services: tests run several servers in one process). */
const dispatchers = new WeakMap<Services, WebhookDispatcher>();

export function dispatcherOf(services: Services, worker: string): WebhookDispatcher {
  let d = dispatchers.get(services);
  if (!d) {
    d = new WebhookDispatcher(services, new WebhookDispatchRepository(services.store.database), worker);
    dispatchers.set(services, d);
  }
  return d;
}

const gauges = new WeakSet<Services>();

/** The outbox backlog for Prometheus, read at each scrape. */
function backlogGauge(services: Services): void {
  if (gauges.has(services)) return;
  gauges.add(services);
  const port = new WebhookDispatchRepository(services.store.database);
  new Gauge({
    name: 'leasehold_webhook_backlog',
    help: 'Webhook deliveries waiting (pending or being sent), across accounts: the outbox backlog',
    registers: [services.metrics.registry],
    async collect() {
      this.set(await port.backlog());
    },
  });
}

/**
 * Events out: endpoints, the outbox (deliveries written with their events), the dispatcher that
 * sends them per Standard Webhooks, and the delivery log.
 */
export const webhooks = {
  name: 'webhooks',
  repositories: (ctx) => ({ webhookEndpoints: new WebhookEndpointRepository(ctx), webhookDeliveries: new WebhookDeliveryRepository(ctx) }),
  migrations: webhookMigrations,
  auth: [managementAuth],
  tags: [{ name: 'webhooks', description: 'Events out: endpoints, signed deliveries, the delivery log and replay' }],
  routes: (app: App, services: Services) => {
    backlogGauge(services);
    endpointRoutes(app, services);
    deliveryRoutes(app, services);
  },
  jobs: [
    { name: 'deliver webhooks', everyMs: 250, atStart: true, run: (services, worker) => dispatcherOf(services, worker).tick() },
    { name: 'expire and prune webhook deliveries', everyMs: 60_000, run: (services, worker) => dispatcherOf(services, worker).sweep() },
  ],
} satisfies Capability;
