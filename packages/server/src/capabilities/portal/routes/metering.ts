import { EntitlementUsageOut, IdParams, PortalStatementQuery, Statement } from '@leasehold/contract';
import { timeFrom } from '../../../platform/domain/dates.js';
import { answers, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { quotaOut, statementAnswer } from '../../usage/routes/usage.js';
import { ownEntitlementUsage, ownUsageStatement } from '../metering.js';
import { portalOf } from './portal-auth.js';

const tags = ['portal'];
const config = { portal: 'session' } as const;

/** Metered features: what an entitlement uses now, and the customer's usage statements (the vendor's billing figures). */
export function meteringRoutes(app: App, services: Services): void {
  app.get('/v1/portal/entitlements/:id/usage', {
    config,
    schema: {
      tags,
      operationId: 'getPortalEntitlementUsage',
      summary: "What one of the customer's entitlements uses now: each metered feature's quota this period, each pool",
      description: 'As the vendor sees it (`GET /v1/entitlements/{id}/usage`), for an entitlement of the signed-in customer only.',
      params: IdParams,
      response: answers(200, EntitlementUsageOut, ['NOT_FOUND']),
    },
    handler: async (req) => {
      const { ctx, customerId } = portalOf(services, req);
      const u = await ownEntitlementUsage(ctx, customerId, req.params.id);
      return { quotas: quotaOut(u.quotas), pools: u.pools };
    },
  });

  app.get('/v1/portal/usage/statement', {
    config,
    schema: {
      tags,
      operationId: 'getPortalUsageStatement',
      summary: "The customer's usage statement per entitlement, metered feature and period (JSON, or CSV with format=csv)",
      description:
        "The vendor's statement (`GET /v1/usage/statements`) of the signed-in customer, between `from` and `to`: used, included and billable per period; " +
        'pay-per-use offerings bill everything used. `entitlement` keeps one of their entitlements. Errors are answered in JSON.',
      querystring: PortalStatementQuery,
      produces: ['application/json', 'text/csv'],
      response: answers(200, Statement, ['NOT_FOUND']),
    },
    handler: async (req, reply) => {
      const { ctx, customerId } = portalOf(services, req);
      const q = req.query;
      const s = await ownUsageStatement(ctx, customerId, { from: timeFrom('from', q.from), to: timeFrom('to', q.to) }, q.entitlement);
      return statementAnswer(reply, s, q);
    },
  });
}
