/**
 * The semantic model of custom reports (`POST /v1/reports/query`): the measures and dimensions a
 * caller may combine, each declared here with the SQL it stands for. A query names them; it never
 * carries SQL. Filter values and the range are bound parameters, the granularity one of four words
 * the route's schema checked, and every query is for the caller's account (and the key's product).
 */
import type { DuckDBValue } from '@duckdb/node-api';
import type { ReportStore } from './duck.js';
import type { ReportScope } from './reports.js';

interface Measure {
  summary: string;
  /** An aggregate over the rows of `facts` in the range. */
  sql: string;
  /** The event types it counts (the query reads only those); empty: every event. */
  types: readonly string[];
  /** Counts validation outcomes: the query reads the store's validation counts beside the facts. */
  validations?: true;
}

/** The `type` of a validation count's row in a query (not an event type: a row per entitlement and code of a summary). */
const VALIDATION_ROW = 'validation.count';

const count = (summary: string, type: string, also = ''): Measure => ({
  summary,
  sql: `count(*) FILTER (WHERE type = '${type}'${also ? ` AND ${also}` : ''})`,
  types: [type],
});

export const MEASURES = {
  activations: count('Seats taken (`activation.created`)', 'activation.created'),
  deactivations: {
    summary: 'Seats given up or released (`activation.deactivated`, `activation.released`)',
    sql: `count(*) FILTER (WHERE type IN ('activation.deactivated', 'activation.released'))`,
    types: ['activation.deactivated', 'activation.released'],
  },
  rehosts: count(
    'Node-locked seats given back to move the license (`activation.deactivated`, reason `rehost`)',
    'activation.deactivated',
    `reason = 'rehost'`,
  ),
  entitlementsGranted: count('Entitlements granted (`entitlement.created`)', 'entitlement.created'),
  renewals: count('Entitlements renewed (`entitlement.renewed`)', 'entitlement.renewed'),
  offeringChanges: count('Upgrades and downgrades (`entitlement.offering_changed`)', 'entitlement.offering_changed'),
  entitlementsReturned: count('Entitlements returned (`entitlement.returned`)', 'entitlement.returned'),
  revocations: count('Entitlements revoked (`entitlement.revoked`)', 'entitlement.revoked'),
  trialsStarted: count('Entitlements granted on a trial offering', 'entitlement.created', `model = 'trial'`),
  trialsConverted: count(
    'Trials moved to an offering that is not a trial',
    'entitlement.offering_changed',
    `previous_model = 'trial' AND model IS DISTINCT FROM 'trial'`,
  ),
  downloads: count('Download URLs handed out (`artifact.downloaded`)', 'artifact.downloaded'),
  usage: {
    summary: 'Metered usage of the usage periods that closed (`usage.period_closed`)',
    sql: `coalesce(sum(quantity) FILTER (WHERE type = 'usage.period_closed'), 0)`,
    types: ['usage.period_closed'],
  },
  customersActivating: {
    summary: 'Distinct customers that took a seat',
    sql: `count(DISTINCT customer_id) FILTER (WHERE type = 'activation.created')`,
    types: ['activation.created'],
  },
  events: { summary: 'Every event, counted', sql: `count(*) FILTER (WHERE type <> '${VALIDATION_ROW}')`, types: [] },
  validations: {
    summary: 'Validations answered (from the `validation.summary` events), whatever their code',
    sql: `coalesce(sum(validation_count) FILTER (WHERE type = '${VALIDATION_ROW}'), 0)`,
    types: [VALIDATION_ROW],
    validations: true,
  },
  validationsRefused: {
    summary: 'Validations answered with a code other than VALID',
    sql: `coalesce(sum(validation_count) FILTER (WHERE type = '${VALIDATION_ROW}' AND code <> 'VALID'), 0)`,
    types: [VALIDATION_ROW],
    validations: true,
  },
} as const satisfies Record<string, Measure>;

export const DIMENSIONS = {
  product: { summary: 'The product id', column: 'product_id' },
  customer: { summary: 'The customer id', column: 'customer_id' },
  entitlement: { summary: 'The entitlement id', column: 'entitlement_id' },
  offering: { summary: 'The offering id (of offering and entitlement events)', column: 'offering_id' },
  platform: { summary: "The device's platform (activation events)", column: 'platform' },
  version: { summary: "The device's version (activation events)", column: 'version' },
  type: { summary: 'The event type', column: 'type' },
  reason: { summary: 'The reason an event gives (a deactivation: rehost, released, vendor…)', column: 'reason' },
  feature: { summary: 'The metered feature (usage events)', column: 'feature' },
  model: { summary: 'The license model of the offering (entitlement events)', column: 'model' },
  code: { summary: 'The validation code, VALID or why it was refused (the validation measures)', column: 'code' },
} as const satisfies Record<string, { summary: string; column: string }>;

export type MeasureName = keyof typeof MEASURES;
export type DimensionName = keyof typeof DIMENSIONS;
export const MEASURE_NAMES = Object.keys(MEASURES) as MeasureName[];
export const DIMENSION_NAMES = Object.keys(DIMENSIONS) as DimensionName[];
export const QUERY_GRANULARITIES = ['hour', 'day', 'week', 'month', 'none'] as const;

/** Most rows a query answers; past it the answer says `truncated`. */
export const QUERY_ROW_LIMIT = 10_000;

export interface ModelQuery {
  measures: readonly MeasureName[];
  dimensions: readonly DimensionName[];
  filters: ReadonlyArray<{ dimension: DimensionName; values: readonly string[] }>;
  from: number;
  to: number;
  granularity: (typeof QUERY_GRANULARITIES)[number];
}

export type ModelRow = Record<string, string | number | null>;

/** Runs a query of the model: one row per period (unless `none`) and combination of dimensions. */
export async function runModelQuery(
  store: ReportStore,
  scope: ReportScope,
  q: ModelQuery,
): Promise<{ rows: ModelRow[]; truncated: boolean }> {
  const params: DuckDBValue[] = [scope.accountId, BigInt(q.from), BigInt(q.to)];
  const bind = (v: string) => {
    params.push(v);
    return `$${params.length}`;
  };
  const where = ['account_id = $1', 'at_ms >= $2', 'at_ms < $3'];
  if (scope.productId) where.push(`product_id = ${bind(scope.productId)}`);
  const measures = q.measures.map((m) => MEASURES[m] as Measure);
  const types = new Set(measures.flatMap((m) => m.types));
  // Reads only the events some measure counts, unless one counts them all.
  if (measures.every((m) => m.types.length > 0)) where.push(`type IN (${[...types].map(bind).join(', ')})`);
  for (const f of q.filters) where.push(`${DIMENSIONS[f.dimension].column} IN (${f.values.map(bind).join(', ')})`);
  // Validation counts are rows of their own table: read beside the facts only when asked for.
  const counts = measures.some((m) => m.validations) || q.dimensions.includes('code') || q.filters.some((f) => f.dimension === 'code');
  const from = counts
    ? `(SELECT * FROM facts UNION ALL BY NAME
        SELECT account_id, event_id, '${VALIDATION_ROW}' AS type, at_ms, product_id, customer_id, entitlement_id, code, count AS validation_count
        FROM validations)`
    : 'facts';
  const columns: string[] = [];
  if (q.granularity !== 'none') columns.push(`epoch_ms(date_trunc('${q.granularity}', epoch_ms(at_ms))) AS period`);
  for (const d of q.dimensions) columns.push(`${DIMENSIONS[d].column} AS "${d}"`);
  const groups = columns.length;
  for (const [i, m] of measures.entries()) columns.push(`(${m.sql})::BIGINT AS "${q.measures[i]}"`);
  const order = Array.from({ length: groups }, (_, i) => `${i + 1} NULLS FIRST`);
  const rows = await store.rows<Record<string, unknown>>(
    `SELECT ${columns.join(', ')} FROM ${from} WHERE ${where.join(' AND ')}
     ${groups > 0 ? `GROUP BY ${Array.from({ length: groups }, (_, i) => i + 1).join(', ')} ORDER BY ${order.join(', ')}` : ''}
     LIMIT ${QUERY_ROW_LIMIT + 1}`,
    params,
  );
  const out = rows.slice(0, QUERY_ROW_LIMIT).map((r) => {
    const row: ModelRow = {};
    if (q.granularity !== 'none') row['period'] = Number(r['period']);
    for (const d of q.dimensions) row[d] = (r[d] as string | null) ?? null;
    for (const m of q.measures) row[m] = Number(r[m]);
    return row;
  });
  return { rows: out, truncated: rows.length > QUERY_ROW_LIMIT };
}
