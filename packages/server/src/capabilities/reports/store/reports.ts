/**
 * The built-in reports: each one a query over the reporting store's facts, always for one account
 * (and one product for a product-limited key). Nothing here reads the main database.
 */
import type { DuckDBValue } from '@duckdb/node-api';
import type { ReportStore } from './duck.js';

export const GRANULARITIES = ['hour', 'day', 'week', 'month'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

export const ACTIVATION_DIMENSIONS = ['product', 'platform', 'version', 'customer', 'none'] as const;
export type ActivationDimension = (typeof ACTIVATION_DIMENSIONS)[number];

export interface ReportScope {
  accountId: string;
  /** The key's product, when it is limited to one. */
  productId: string | null;
}

export interface ReportQuery {
  from: number;
  to: number;
  granularity: Granularity;
  product?: string | undefined;
  customer?: string | undefined;
  by?: ActivationDimension | undefined;
}

export type ReportRow = Record<string, string | number | null> & { period: number; key: string | null };

interface Definition {
  summary: string;
  /** The row's measures, in CSV column order. */
  measures: readonly string[];
  /** The grouping column (SQL over `facts`), or null. */
  key: (q: ReportQuery) => string | null;
  /** SELECT list of measures and the event types they count. */
  select: string;
  types: readonly string[];
  /** A level carried from the first event on (seats in use), not a count within the range. */
  running?: true;
}

const DIMENSION_COLUMN: Record<ActivationDimension, string | null> = {
  product: 'product_id',
  platform: 'platform',
  version: 'version',
  customer: 'customer_id',
  none: null,
};

export const REPORTS = {
  activations: {
    summary: 'Seats taken and given up per period, by product, platform, version or customer (`by`)',
    measures: ['activations', 'deactivations'],
    key: (q) => DIMENSION_COLUMN[q.by ?? 'product'],
    select: `count(*) FILTER (WHERE type = 'activation.created')::INTEGER AS activations,
             count(*) FILTER (WHERE type <> 'activation.created')::INTEGER AS deactivations`,
    types: ['activation.created', 'activation.deactivated', 'activation.released'],
  },
  deployment: {
    summary:
      'Seats in use per period, by product, platform, version or customer (`by`): the high and low marks within the period and the level at its end (periods without a change are left out: the level carries over)',
    measures: ['high', 'low', 'end'],
    key: (q) => DIMENSION_COLUMN[q.by ?? 'product'],
    select: `max(greatest(level, level - delta))::INTEGER AS high,
             min(least(level, level - delta))::INTEGER AS low,
             last(level ORDER BY at_ms, event_id)::INTEGER AS "end"`,
    types: ['activation.created', 'activation.deactivated', 'activation.released'],
    running: true,
  },
  trials: {
    summary:
      'Trials per period and product: started (an entitlement granted on a trial offering) and converted (a trial moved to an offering that is not a trial)',
    measures: ['started', 'converted'],
    key: () => 'product_id',
    select: `count(*) FILTER (WHERE type = 'entitlement.created' AND model = 'trial')::INTEGER AS started,
             count(*) FILTER (WHERE type = 'entitlement.offering_changed' AND previous_model = 'trial' AND model IS DISTINCT FROM 'trial')::INTEGER AS converted`,
    types: ['entitlement.created', 'entitlement.offering_changed'],
  },
  returns: {
    summary: 'Returns per period and product: entitlements returned, seats given back, floating seats released for silence',
    measures: ['entitlementsReturned', 'seatsGivenBack', 'seatsReleased'],
    key: () => 'product_id',
    select: `count(*) FILTER (WHERE type = 'entitlement.returned')::INTEGER AS "entitlementsReturned",
             count(*) FILTER (WHERE type = 'activation.deactivated')::INTEGER AS "seatsGivenBack",
             count(*) FILTER (WHERE type = 'activation.released')::INTEGER AS "seatsReleased"`,
    types: ['entitlement.returned', 'activation.deactivated', 'activation.released'],
  },
  entitlements: {
    summary: 'Entitlement changes per period and product: granted, renewed, upgraded or downgraded, suspended, revoked',
    measures: ['granted', 'renewed', 'offeringChanged', 'suspended', 'revoked'],
    key: () => 'product_id',
    select: `count(*) FILTER (WHERE type = 'entitlement.created')::INTEGER AS granted,
             count(*) FILTER (WHERE type = 'entitlement.renewed')::INTEGER AS renewed,
             count(*) FILTER (WHERE type = 'entitlement.offering_changed')::INTEGER AS "offeringChanged",
             count(*) FILTER (WHERE type = 'entitlement.suspended')::INTEGER AS suspended,
             count(*) FILTER (WHERE type = 'entitlement.revoked')::INTEGER AS revoked`,
    types: ['entitlement.created', 'entitlement.renewed', 'entitlement.offering_changed', 'entitlement.suspended', 'entitlement.revoked'],
  },
  downloads: {
    summary: 'Download URLs handed out per period and artifact',
    measures: ['downloads'],
    key: () => 'subject_id',
    select: `count(*)::INTEGER AS downloads`,
    types: ['artifact.downloaded'],
  },
  events: {
    summary: 'Every event per period, by type: what happened in the account, counted',
    measures: ['events'],
    key: () => 'type',
    select: `count(*)::INTEGER AS events`,
    types: [],
  },
} as const satisfies Record<string, Definition>;

export type ReportName = keyof typeof REPORTS;
export const REPORT_NAMES = Object.keys(REPORTS) as ReportName[];

/** One report's rows, oldest period first, then by key. */
export async function runReport(store: ReportStore, name: ReportName, scope: ReportScope, q: ReportQuery): Promise<ReportRow[]> {
  const def: Definition = REPORTS[name];
  const params: DuckDBValue[] = [scope.accountId, BigInt(q.from), BigInt(q.to)];
  // A running level starts from the first event; the range only picks the periods shown.
  const where = def.running ? ['account_id = $1', 'at_ms < $3'] : ['account_id = $1', 'at_ms >= $2', 'at_ms < $3'];
  const bind = (v: string) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (def.types.length > 0) where.push(`type IN (${def.types.map(bind).join(', ')})`);
  if (scope.productId) where.push(`product_id = ${bind(scope.productId)}`);
  if (q.product) where.push(`product_id = ${bind(q.product)}`);
  if (q.customer) where.push(`customer_id = ${bind(q.customer)}`);
  const key = def.key(q);
  // The granularity is one of four words checked by the route's schema, never the caller's text.
  const period = `epoch_ms(date_trunc('${q.granularity}', epoch_ms(at_ms)))`;
  const from = def.running
    ? `(SELECT at_ms, event_id, key, delta,
               sum(delta) OVER (PARTITION BY key ORDER BY at_ms, event_id ROWS UNBOUNDED PRECEDING) AS level
        FROM (SELECT at_ms, event_id, ${key ?? 'NULL::VARCHAR'} AS key,
                     CASE WHEN type = 'activation.created' THEN 1 ELSE -1 END AS delta
              FROM facts WHERE ${where.join(' AND ')})) WHERE at_ms >= $2`
    : `(SELECT *, ${key ?? 'NULL::VARCHAR'} AS key FROM facts WHERE ${where.join(' AND ')})`;
  const rows = await store.rows<Record<string, unknown>>(
    `SELECT ${period} AS period, key, ${def.select} FROM ${from} GROUP BY ALL ORDER BY period, key NULLS FIRST`,
    params,
  );
  return rows.map((r) => {
    const row: ReportRow = { period: Number(r['period']), key: (r['key'] as string | null) ?? null };
    for (const m of def.measures) row[m] = Number(r[m]);
    return row;
  });
}

export function measuresOf(name: ReportName): readonly string[] {
  return REPORTS[name].measures;
}
