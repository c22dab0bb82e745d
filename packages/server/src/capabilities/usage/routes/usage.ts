import {
  EntitlementUsageOut,
  IdParams,
  ListOf,
  PoolAnswer,
  PoolCheckRequest,
  Statement,
  StatementQuery,
  UsageAnswer,
  UsageGroupOut,
  UsageReport,
  UsageReportQuery,
} from '@leasehold/contract';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { stringify } from 'csv-stringify/sync';
import { recordUsage } from '../record.js';
import { movePoolElements } from '../pools.js';
import { usageReport, usageStatement, type StatementLine } from '../statements.js';
import { entitlementUsage } from '../current.js';
import type { QuotaStatus } from '../quota.js';
import { contextOf } from '../../access/routes/auth.js';
import { clientContextOf } from '../../licensing/routes/license-auth.js';
import { answers, DEVICE_STATE, LICENSE_STATE, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { iso } from '../../../platform/http/wire.js';
import { timeFrom } from '../../../platform/domain/dates.js';

const PoolParams = Type.Object({ feature: Type.String({ minLength: 1, maxLength: 64 }) });

/** A statement as JSON, or as CSV with a header row (`format=csv`), for the vendor's route and the portal's. */
export function statementAnswer(
  reply: FastifyReply,
  s: { customerId: string; lines: StatementLine[] },
  q: { from: string; to: string; format?: 'json' | 'csv' | undefined },
) {
  const lines = s.lines.map((l) => ({ ...l, periodStart: iso(l.periodStart), periodEnd: iso(l.periodEnd) }));
  if (q.format === 'csv') {
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="usage-${s.customerId}.csv"`)
      .serializer((p: unknown) => p as string)
      .send(stringify(lines, { header: true }) as never);
  }
  return { customerId: s.customerId, from: q.from, to: q.to, lines };
}

export const quotaOut = (usage: Record<string, QuotaStatus>) =>
  Object.fromEntries(Object.entries(usage).map(([k, v]) => [k, { ...v, periodEndsAt: iso(v.periodEndsAt) }]));

/** Metered usage and element pools: reported by devices, read back by the vendor. */
export function usageRoutes(app: App, services: Services): void {
  app.post('/v1/client/usage', {
    config: { license: 'required' },
    schema: {
      tags: ['client'],
      operationId: 'reportClientUsage',
      summary: 'Report usage of consumption features; each idempotency key counts once; quotas hold under parallel reports',
      description:
        'Adds usage of consumption features for this device; a repeated idempotency key counts once. A report a quota refuses is listed under `rejected` with its code (QUOTA_EXHAUSTED); the others count.',
      body: UsageReport,
      response: answers(200, UsageAnswer, [...LICENSE_STATE, ...DEVICE_STATE]),
    },
    handler: async (req) => {
      const out = await recordUsage(clientContextOf(services, req), req.body);
      return { ...out, usage: quotaOut(out.usage), serverTime: iso(services.clock.now()) };
    },
  });

  for (const direction of ['checkout', 'checkin'] as const) {
    app.post(`/v1/client/pools/:feature/${direction}`, {
      config: { license: 'required' },
      schema: {
        tags: ['client'],
        operationId: direction === 'checkout' ? 'checkoutClientPool' : 'checkinClientPool',
        summary:
          direction === 'checkout'
            ? 'Take elements from a pool (POOL_EXHAUSTED at the limit)'
            : 'Return elements to a pool (always accepted)',
        description:
          direction === 'checkout'
            ? 'Takes elements of a pool feature for this device; 409 POOL_EXHAUSTED when the pool has too few left.'
            : 'Gives elements of a pool feature back; always accepted, a check-in of more than the device holds gives back what it holds.',
        params: PoolParams,
        body: PoolCheckRequest,
        response: answers(200, PoolAnswer, [...LICENSE_STATE, ...DEVICE_STATE, 'POOL_EXHAUSTED']),
      },
      handler: async (req) => ({ pool: await movePoolElements(clientContextOf(services, req), req.params.feature, req.body, direction) }),
    });
  }

  app.get('/v1/usage', {
    config: { permission: 'entitlements:read' },
    schema: {
      tags: ['usage'],
      operationId: 'summarizeUsage',
      summary: 'Usage summed by feature, customer, device or entitlement over a time range',
      description: 'Usage totals over a time range, grouped by feature, customer, device or entitlement.',
      querystring: UsageReportQuery,
      response: answers(200, ListOf(UsageGroupOut), []),
    },
    handler: async (req) => {
      const q = req.query;
      const rows = await usageReport(
        contextOf(services, req),
        { from: timeFrom('from', q.from), to: timeFrom('to', q.to), customer: q.customer, entitlement: q.entitlement, feature: q.feature },
        q.groupBy ?? 'feature',
      );
      return { data: rows, nextCursor: null };
    },
  });

  app.get('/v1/entitlements/:id/usage', {
    config: { permission: 'entitlements:read' },
    schema: {
      tags: ['usage'],
      operationId: 'getEntitlementUsage',
      summary: "An entitlement's usage now: each consumption feature's quota this period, each pool's size and holders",
      description: "The entitlement's quotas in the current period and its pools with who holds what.",
      params: IdParams,
      response: answers(200, EntitlementUsageOut, ['NOT_FOUND']),
    },
    handler: async (req) => {
      const u = await entitlementUsage(contextOf(services, req), req.params.id);
      return { quotas: quotaOut(u.quotas), pools: u.pools };
    },
  });

  app.get('/v1/usage/statements', {
    config: { permission: 'entitlements:read' },
    schema: {
      tags: ['usage'],
      operationId: 'getUsageStatement',
      summary: "A customer's usage statement per entitlement, feature and period (JSON, or CSV with format=csv) for billing",
      description:
        "A customer's usage per entitlement, feature and period between `from` and `to`, for billing: JSON, or CSV with a header row when `format=csv`. Errors are answered in JSON.",
      querystring: StatementQuery,
      produces: ['application/json', 'text/csv'],
      response: answers(200, Statement, ['NOT_FOUND']),
    },
    handler: async (req, reply) => {
      const q = req.query;
      const s = await usageStatement(contextOf(services, req), q.customer, timeFrom('from', q.from), timeFrom('to', q.to));
      return statementAnswer(reply, s, q);
    },
  });
}
