import type { Capability } from '../../platform/capability.js';
import { managementAuth } from '../access/routes/auth.js';
import { integrationSettingsRoutes } from './routes/settings.js';
import { webhookRoutes } from './routes/webhooks.js';
import { IntegrationRepository } from './store/integrations.js';
import * as m0017 from './store/0017_integrations.js';

/** Billing events in: Stripe's webhooks and a generic signed endpoint, turned into entitlement changes. */
export const integrations = {
  name: 'integrations',
  repositories: (ctx) => ({ integrations: new IntegrationRepository(ctx) }),
  migrations: { '0017_integrations': m0017 },
  auth: [managementAuth],
  tags: [{ name: 'integrations', description: 'Billing events in: Stripe and any signed billing or CRM system change entitlements' }],
  routes: (app, services) => {
    integrationSettingsRoutes(app, services);
    webhookRoutes(app, services);
  },
} satisfies Capability;
