import { InboundEvent, Integration, IntegrationWrite, ListOf, ListQuery, type IntegrationProvider } from '@leasehold/contract';
import { contextOf } from '../../access/routes/auth.js';
import { answers, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { iso, isoOrNull, pageOut } from '../../../platform/http/wire.js';
import { getIntegration, listInboundEvents, putIntegration, type IntegrationView } from '../settings.js';
import type { InboundEventRecord } from '../ports.js';

const tags = ['integrations'];

const integrationOut = (v: IntegrationView, accountId: string): Integration => ({
  provider: v.provider,
  secretSet: v.secretSet,
  webhookPath: `/v1/integrations/${v.provider}/webhook?account=${accountId}`,
  ...v.settings,
  updatedAt: isoOrNull(v.updatedAt),
});

const inboundOut = (e: InboundEventRecord): InboundEvent => ({ ...e, occurredAt: iso(e.occurredAt), receivedAt: iso(e.receivedAt) });

const NAMES: Record<IntegrationProvider, string> = { stripe: 'Stripe', generic: 'Generic' };

/** Per provider: its settings (GET, PUT with the write-only secret) and the events it received. */
export function integrationSettingsRoutes(app: App, services: Services): void {
  for (const provider of ['stripe', 'generic'] as const) {
    const name = NAMES[provider];
    app.get(`/v1/integrations/${provider}`, {
      config: { permission: 'integrations:manage' },
      schema: {
        tags,
        operationId: `get${name}Integration`,
        summary: `Read the ${provider} integration's settings`,
        description: `Whether a signing secret is set (never the secret), the price mapping and what an unpaid subscription does, and the webhook URL to give ${name === 'Stripe' ? 'Stripe' : 'the billing system'}.`,
        response: answers(200, Integration, []),
      },
      handler: async (req) => {
        const ctx = contextOf(services, req);
        return integrationOut(await getIntegration(ctx, provider), ctx.store.scope.accountId);
      },
    });

    app.put(`/v1/integrations/${provider}`, {
      config: { permission: 'integrations:manage' },
      schema: {
        tags,
        operationId: `put${name}Integration`,
        summary: `Set the ${provider} integration's signing secret and mapping`,
        description:
          'Fields left out keep their value. `signingSecret` is write-only: it is sealed with the master key and never shown again. Offerings named in `prices` and `fallbackOffering` must exist.',
        body: IntegrationWrite,
        response: answers(200, Integration, ['UNKNOWN_REFERENCE']),
      },
      handler: async (req) => {
        const ctx = contextOf(services, req);
        return integrationOut(await putIntegration(ctx, provider, req.body), ctx.store.scope.accountId);
      },
    });

    app.get(`/v1/integrations/${provider}/events`, {
      config: { permission: 'integrations:manage' },
      schema: {
        tags,
        operationId: `list${name}InboundEvents`,
        summary: `The events ${name === 'Stripe' ? 'Stripe' : 'the billing system'} sent, newest first, with what each did`,
        description: 'Every event received once (by its sender’s id), with its outcome: applied, unchanged, stale, ignored or failed.',
        querystring: ListQuery,
        response: answers(200, ListOf(InboundEvent), []),
      },
      handler: async (req) =>
        pageOut(
          await listInboundEvents(contextOf(services, req), provider, { limit: req.query.limit ?? 50, cursor: req.query.cursor }),
          inboundOut,
        ),
    });
  }
}
