/**
 * The built-in reports: each one a query over the reporting store's facts, always for one account
 * (and one product for a product-limited key). Nothing here reads the main database.
 */
import type { DuckDBValue } from '@duckdb/node-api';
import { SERVER_VALIDATION_CODES } from '@leasehold/contract';
import { PAIR, type ReportStore } from './duck.js';
import { purchaseChanges } from './purchases.js';

export const GRANULARITIES = ['hour', 'day', 'week', 'month'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

export const ACTIVATION_DIMENSIONS = ['product', 'platform', 'version', 'customer', 'entitlement', 'none'] as const;
export type ActivationDimension = (typeof ACTIVATION_DIMENSIONS)[number];

/** The groupings of the validations report (`by`). */
export const VALIDATION_DIMENSIONS = ['code', 'product', 'customer', 'none'] as const;
export type ValidationDimension = (typeof VALIDATION_DIMENSIONS)[number];

/** The reports that take `by`, and the groupings each allows. */
export const BY_OF: Partial<Record<string, readonly string[]>> = {
  activations: ACTIVATION_DIMENSIONS,
  deployment: ACTIVATION_DIMENSIONS,
  validations: VALIDATION_DIMENSIONS,
};

export interface ReportScope {
  accountId: string;
  /** The key's product, when it is limited to one. */
  productId: string | null;
}

export interface ReportQuery {
  from: number;
  to: number;
  /** The present: an end at or before it has passed (expired trials). */
  now: number;
  granularity: Granularity;
  product?: string | undefined;
  customer?: string | undefined;
  by?: ActivationDimension | ValidationDimension | undefined;
  /**
   * Counts from every fact instead of the projector's rollups (`seat_levels`, `entitlements_now`):
   * what the rollups are tested against, and the bench's "before". Never set by a route.
   */
  fromFacts?: boolean;
}

export type ReportRow = Record<string, string | number | null> & { period: number; key: string | null };

/** Where the `seat_levels` of a (possibly filtered) level report are: its dimension and which of its keys. */
interface KeptLevels {
  dim: string;
  /** Only this key (a filter that is the grouping itself, e.g. product=P by product or none). */
  key?: string;
  /** Only keys starting with this product and PAIR (a composite dimension under a product filter). */
  product?: string;
  /** With `product`: only the key of this customer (`product+customer` under both filters). */
  customer?: string;
  /** The key shown is the part after PAIR (composite dimensions). */
  composite?: true;
  /** The key shown is null (by=none). */
  none?: true;
}

interface Definition {
  summary: string;
  /** The row's measures, in CSV column order. */
  measures: readonly string[];
  /** The grouping column (SQL over `facts`), or null. */
  key: (q: ReportQuery) => string | null;
  /** SELECT list of measures and the event types they count. */
  select: string;
  types: readonly string[];
  /**
   * Rows to count other than the account's facts in the range: a subquery with `at_ms`,
   * `event_id`, `key` and what `select` reads, given the account's (and filters') conditions.
   */
  source?: (s: Source) => string;
}

/** What a report's own source is given: the conditions on facts and the bound parameters. */
interface Source {
  /** Conditions on `facts` for the account, the caller's product and customer (no time, no type). */
  scoped: string;
  key: string;
  /** Conditions for the account and the products only (catalog and release events have no customer). */
  productScoped: string;
  /** Binds the present (ReportQuery.now), answering its placeholder (DuckDB refuses a parameter left unused). */
  now: () => string;
  fromFacts: boolean;
}

const DIMENSION_COLUMN: Record<ActivationDimension, string | null> = {
  product: 'product_id',
  platform: 'platform',
  version: 'version',
  customer: 'customer_id',
  entitlement: 'entitlement_id',
  none: null,
};

const VALIDATION_COLUMN: Record<ValidationDimension, string | null> = {
  code: 'code',
  product: 'product_id',
  customer: 'customer_id',
  none: null,
};

/** The refusal codes, each a measure of the validations report. */
const REFUSALS = SERVER_VALIDATION_CODES.filter((c) => c !== 'VALID');

export const REPORTS = {
  activations: {
    summary: 'Seats taken and given up per period, by product, platform, version, customer or entitlement (`by`)',
    measures: ['activations', 'deactivations'],
    key: (q) => DIMENSION_COLUMN[(q.by as ActivationDimension | undefined) ?? 'product'],
    select: `count(*) FILTER (WHERE type = 'activation.created')::INTEGER AS activations,
             count(*) FILTER (WHERE type <> 'activation.created')::INTEGER AS deactivations`,
    types: ['activation.created', 'activation.deactivated', 'activation.released'],
  },
  deployment: {
    summary:
      'Seats in use per period, by product, platform, version, customer or entitlement (`by`): the high and low marks within the period and the level at its end, beside the seats purchased at its end (live entitlements, active or suspended and before their end as it stood then, at their effective seats; an end still ahead, as the entitlement stands now, drops them in its period; null by platform or version). Periods where neither changed are left out: the levels carry over',
    measures: ['high', 'low', 'end', 'purchased'],
    key: (q) => DIMENSION_COLUMN[(q.by as ActivationDimension | undefined) ?? 'product'],
    // The marks per period and key of seat changes; deploymentRows sets purchased seats beside them.
    select: `max(greatest(level, level - delta))::INTEGER AS high,
             min(least(level, level - delta))::INTEGER AS low,
             arg_max(level, k)::INTEGER AS "end"`,
    types: ['activation.created', 'activation.deactivated', 'activation.released'],
  },
  trials: {
    summary:
      'Trials per period and product: started (an entitlement granted on a trial offering), converted (a trial moved to an offering that is not a trial) and expired (its end, as it stands now, passed within the period while it was still on a trial offering)',
    measures: ['started', 'converted', 'expired'],
    key: () => 'product_id',
    select: `count(*) FILTER (WHERE type = 'entitlement.created' AND model = 'trial')::INTEGER AS started,
             count(*) FILTER (WHERE type = 'entitlement.offering_changed' AND previous_model = 'trial' AND model IS DISTINCT FROM 'trial')::INTEGER AS converted,
             count(*) FILTER (WHERE type = 'expired')::INTEGER AS expired`,
    types: [],
    // Expired: still on a trial offering, and its end (as it stands now) passed within the period.
    source: (s) => `(SELECT at_ms, event_id, product_id AS key, type, model, previous_model FROM facts
                     WHERE ${s.scoped} AND at_ms >= $2 AND at_ms < $3 AND type IN ('entitlement.created', 'entitlement.offering_changed')
                     UNION ALL
                     SELECT ends_at, id, product_id, 'expired', model, NULL FROM ${entitlementsNow(s)} e
                     WHERE model = 'trial' AND ends_at >= $2 AND ends_at < $3 AND ends_at <= ${s.now()})`,
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
  rehosts: {
    summary:
      'Devices moved or taken back per period and product: rehosts (a node-locked seat given back to move the license), taken back by the vendor, floating seats given back',
    measures: ['rehosts', 'vendorDeactivations', 'floatingReturned'],
    key: () => 'product_id',
    select: `count(*) FILTER (WHERE reason = 'rehost')::INTEGER AS rehosts,
             count(*) FILTER (WHERE reason = 'vendor')::INTEGER AS "vendorDeactivations",
             count(*) FILTER (WHERE reason = 'released')::INTEGER AS "floatingReturned"`,
    types: ['activation.deactivated'],
  },
  usage: {
    summary:
      'Metered usage per period and feature: what was used in the usage periods that closed in the period (`usage.period_closed`), and how many periods',
    measures: ['used', 'periods'],
    key: () => 'feature',
    select: `coalesce(sum(quantity), 0)::BIGINT AS used, count(*)::INTEGER AS periods`,
    types: ['usage.period_closed'],
  },
  renewals: {
    summary:
      'Renewal candidates per period and customer: live entitlements (active or suspended) whose term or maintenance ends in the period, as they stand now (pass a future range, e.g. the next 90 days)',
    measures: ['ending', 'maintenanceEnding'],
    key: () => 'customer_id',
    select: `count(*) FILTER (WHERE kind = 'term')::INTEGER AS ending,
             count(*) FILTER (WHERE kind = 'maintenance')::INTEGER AS "maintenanceEnding"`,
    types: [],
    source: (s) => `(SELECT ends_at AS at_ms, id AS event_id, customer_id AS key, 'term' AS kind FROM ${entitlementsNow(s)} e
                     WHERE state IN ('active', 'suspended') AND ends_at >= $2 AND ends_at < $3
                     UNION ALL
                     SELECT maintenance_until, id, customer_id, 'maintenance' FROM ${entitlementsNow(s)} e
                     WHERE state IN ('active', 'suspended') AND maintenance_until >= $2 AND maintenance_until < $3)`,
  },
  adoption: {
    summary:
      "Devices in use per period and version, at the end of each period (or at `to`), with each version's share of them in percent (a device that reports a new version moves to it)",
    measures: ['devices', 'share'],
    key: () => 'version',
    select: `any_value(level)::INTEGER AS devices, any_value(share)::DOUBLE AS share`,
    types: [],
  },
  downloads: {
    summary: 'Download URLs handed out per period and artifact',
    measures: ['downloads'],
    key: () => 'subject_id',
    select: `count(*)::INTEGER AS downloads`,
    types: ['artifact.downloaded'],
  },
  validations: {
    summary:
      'Validation outcomes per period, by code, product or customer (`by`, default code): valid, refused, and the refusals per code (from the `validation.summary` events the server writes every minute)',
    measures: ['valid', 'refused', ...REFUSALS],
    key: (q) => VALIDATION_COLUMN[(q.by as ValidationDimension | undefined) ?? 'code'],
    select: [
      `coalesce(sum(n) FILTER (WHERE code = 'VALID'), 0)::BIGINT AS valid`,
      `coalesce(sum(n) FILTER (WHERE code <> 'VALID'), 0)::BIGINT AS refused`,
      ...REFUSALS.map((c) => `coalesce(sum(n) FILTER (WHERE code = '${c}'), 0)::BIGINT AS "${c}"`),
    ].join(',\n'),
    types: [],
    source: (s) => `(SELECT at_ms, event_id, ${s.key} AS key, code, count AS n FROM validations
                     WHERE ${s.scoped} AND at_ms >= $2 AND at_ms < $3)`,
  },
  upgrades: {
    summary:
      'Upgrade eligibility per product, as it stands at `to` (one row, in the last period): live entitlements on an offering with an upgrade path and their customers; devices in use and those on a version below the latest published stable release',
    measures: ['entitlements', 'customers', 'devices', 'belowLatest'],
    key: () => 'product_id',
    select: `count(*) FILTER (WHERE kind = 'entitlement')::INTEGER AS entitlements,
             count(DISTINCT customer_id) FILTER (WHERE kind = 'entitlement')::INTEGER AS customers,
             count(*) FILTER (WHERE kind = 'device')::INTEGER AS devices,
             count(*) FILTER (WHERE kind = 'device' AND below)::INTEGER AS "belowLatest"`,
    types: [],
    source: (s) => upgradeEligibility(s),
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

/**
 * Each entitlement as it stands now: customer (it may have been transferred), product, license
 * model, state, end and maintenance end. Kept by the projector (`entitlements_now`, one row per
 * entitlement, moved on in each batch's transaction), not aggregated from its events per report.
 */
function entitlementsNow(s: Source): string {
  if (!s.fromFacts)
    return `(SELECT id, customer_id, product_id, state, ends_at, maintenance_until, model FROM entitlements_now WHERE ${s.scoped})`;
  // The same from the entitlement events (an event sets each column only when it changed).
  const last = (column: string) => `last(${column} ORDER BY at_ms, event_id) FILTER (WHERE ${column} IS NOT NULL)`;
  return `(SELECT subject_id AS id, last(customer_id ORDER BY at_ms, event_id) AS customer_id, any_value(product_id) AS product_id,
                  ${last('state')} AS state, ${last('ends_at')} AS ends_at, ${last('maintenance_until')} AS maintenance_until,
                  last(model ORDER BY at_ms, event_id) FILTER (WHERE type IN ('entitlement.created', 'entitlement.offering_changed')) AS model
           FROM facts WHERE ${s.scoped} AND starts_with(type, 'entitlement.') GROUP BY subject_id)`;
}

/**
 * Upgrade eligibility at `to`, from the events before it: each live entitlement (active or
 * suspended) on an offering whose upgrade paths are not empty, and each device in use, flagged
 * when its version sorts (semver) below the latest published stable release of its product.
 */
function upgradeEligibility(s: Source): string {
  const last = (column: string, also = '') =>
    `last(${column} ORDER BY at_ms, event_id) FILTER (WHERE ${column} IS NOT NULL${also ? ` AND ${also}` : ''})`;
  return `(WITH offerings AS (SELECT subject_id AS id, ${last('upgrade_paths')} AS paths FROM facts
                              WHERE ${s.productScoped} AND at_ms < $3 AND type IN ('offering.created', 'offering.updated') GROUP BY subject_id),
           entitlements AS (SELECT subject_id AS id, ${last('customer_id')} AS customer_id, ${last('product_id')} AS product_id,
                                   ${last('state')} AS state,
                                   ${last('offering_id', `type IN ('entitlement.created', 'entitlement.offering_changed')`)} AS offering_id
                            FROM facts WHERE ${s.scoped} AND at_ms < $3 AND starts_with(type, 'entitlement.') GROUP BY subject_id),
           devices AS (SELECT subject_id AS id, ${last('product_id')} AS product_id,
                              sum(CASE WHEN type = 'activation.created' THEN 1 WHEN type = 'activation.updated' THEN 0 ELSE -1 END) AS held,
                              last(version_key ORDER BY at_ms, event_id) FILTER (WHERE type IN ('activation.created', 'activation.updated')) AS version_key
                       FROM facts WHERE ${s.scoped} AND at_ms < $3
                         AND type IN ('activation.created', 'activation.updated', 'activation.deactivated', 'activation.released')
                       GROUP BY subject_id),
           releases AS (SELECT subject_id AS id, ${last('product_id')} AS product_id,
                               any_value(version_key) FILTER (WHERE type = 'release.created') AS version_key,
                               ${last('channel')} AS channel, ${last('state')} AS status
                        FROM facts WHERE ${s.productScoped} AND at_ms < $3 AND starts_with(type, 'release.') GROUP BY subject_id),
           latest AS (SELECT product_id, max(version_key) AS version_key FROM releases
                      WHERE status = 'published' AND channel = 'stable' GROUP BY product_id)
      SELECT greatest($2::BIGINT, $3::BIGINT - 1) AS at_ms, e.id AS event_id, e.product_id AS key, 'entitlement' AS kind, e.customer_id, false AS below
      FROM entitlements e JOIN offerings o ON o.id = e.offering_id
      WHERE e.state IN ('active', 'suspended') AND o.paths > 0
      UNION ALL
      SELECT greatest($2::BIGINT, $3::BIGINT - 1), d.id, d.product_id, 'device', NULL, coalesce(d.version_key < l.version_key, false)
      FROM devices d LEFT JOIN latest l ON l.product_id = d.product_id
      WHERE d.held > 0)`;
}

const DEVICE_PREVIOUS: Record<string, string> = { platform: 'previous_platform', version: 'previous_version' };

/**
 * Seats in use change by +1 (activation), -1 (deactivation, release), and for a key a device can
 * change (platform, version) by -1 under the old and +1 under the new when it reports the change.
 */
function seatChanges(s: Source): string {
  const previous = DEVICE_PREVIOUS[s.key];
  const moves = previous
    ? `UNION ALL SELECT at_ms, event_id, 0 AS part, ${previous}, -1 FROM facts
         WHERE ${s.scoped} AND at_ms < $3 AND type = 'activation.updated' AND ${previous} IS DISTINCT FROM ${s.key}
       UNION ALL SELECT at_ms, event_id, 1 AS part, ${s.key}, 1 FROM facts
         WHERE ${s.scoped} AND at_ms < $3 AND type = 'activation.updated' AND ${previous} IS DISTINCT FROM ${s.key}`
    : '';
  return `(SELECT at_ms, event_id, part, key, delta, lpad(at_ms::VARCHAR, 16, '0') || event_id || chr(1) || part::VARCHAR AS k,
                  sum(delta) OVER (PARTITION BY key ORDER BY at_ms, event_id, part ROWS UNBOUNDED PRECEDING) AS level
           FROM (SELECT at_ms, event_id, 0 AS part, ${s.key} AS key, CASE WHEN type = 'activation.created' THEN 1 ELSE -1 END AS delta
                 FROM facts WHERE ${s.scoped} AND at_ms < $3
                   AND type IN ('activation.created', 'activation.deactivated', 'activation.released')
                 ${moves}))`;
}

/**
 * The level of each key at the end of each period of [from, to): the last change before the
 * period's end, carried over periods without one (DuckDB's ASOF join), with its share of all.
 */
function levelsAtPeriodEnds(s: Source, granularity: Granularity): string {
  return `(WITH changes AS ${seatChanges(s)},
           periods AS (SELECT p AS start, least(p + INTERVAL 1 ${granularity}, epoch_ms($3::BIGINT)) AS stop
                       FROM range(date_trunc('${granularity}', epoch_ms($2::BIGINT)), epoch_ms($3::BIGINT), INTERVAL 1 ${granularity}) t(p)),
           keys AS (SELECT DISTINCT coalesce(key, chr(0)) AS key FROM changes),
           levels AS (SELECT epoch_ms(periods.start) AS at_ms, nullif(keys.key, chr(0)) AS key, c.level
                      FROM periods CROSS JOIN keys
                      ASOF JOIN (SELECT coalesce(key, chr(0)) AS key, epoch_ms(at_ms) AS t, level FROM changes
                                 QUALIFY row_number() OVER (PARTITION BY key, at_ms ORDER BY event_id DESC, part DESC) = 1) c
                        ON c.key = keys.key AND c.t < periods.stop)
      SELECT at_ms, NULL AS event_id, key, level,
             round(100.0 * level / sum(level) OVER (PARTITION BY at_ms), 2) AS share
      FROM levels WHERE level > 0)`;
}

/**
 * The same levels from the projector's `seat_levels` (the level after each change, per key of
 * each dimension): each period's last level per key, carried over periods without a change.
 * `levels` gives `key` (chr(0) for none), `at_ms`, `level` and `k`.
 */
function levelsAtPeriodEndsKept(granularity: Granularity, levels: string): string {
  return `(WITH periods AS (SELECT p AS start FROM range(date_trunc('${granularity}', epoch_ms($2::BIGINT)), epoch_ms($3::BIGINT), INTERVAL 1 ${granularity}) t(p)),
           per AS (SELECT key, date_trunc('${granularity}', epoch_ms(at_ms)) AS b, arg_max(level, k) AS level FROM ${levels} l
                   WHERE at_ms < $3 GROUP BY ALL),
           keys AS (SELECT DISTINCT key FROM per),
           levels AS (SELECT epoch_ms(periods.start) AS at_ms, nullif(keys.key, chr(0)) AS key, c.level
                      FROM periods CROSS JOIN keys ASOF JOIN per c ON c.key = keys.key AND periods.start >= c.b)
      SELECT at_ms, NULL AS event_id, key, level,
             round(100.0 * level / sum(level) OVER (PARTITION BY at_ms), 2) AS share
      FROM levels WHERE level > 0)`;
}

/**
 * Which `seat_levels` answer a level report grouped `by`, under the caller's product (a key's and
 * the `product` filter) and customer filter; null when none do and the report counts from the
 * facts (a customer filter with another grouping than customer or none, two different products).
 */
function keptLevelsOf(by: ActivationDimension, products: readonly string[], customer: string | undefined): KeptLevels | null {
  if (products.length > 1) return null;
  const product = products[0];
  const none = by === 'none' ? { none: true as const } : {};
  if (customer !== undefined) {
    if (by !== 'customer' && by !== 'none') return null;
    if (product !== undefined) return { dim: 'product+customer', product, customer, composite: true, ...none };
    return { dim: 'customer', key: customer, ...none };
  }
  if (product !== undefined) {
    if (by === 'product' || by === 'none') return { dim: 'product', key: product, ...none };
    return { dim: `product+${by}`, product, composite: true };
  }
  if (by === 'entitlement') return { dim: 'product+entitlement', composite: true };
  return { dim: by, ...(by === 'none' ? { none: true as const } : {}) };
}

/** PAIR in SQL. */
const PAIR_SQL = `chr(${PAIR.charCodeAt(0)})`;

/** The conditions on `seat_levels` (or `seat_levels_now`) a KeptLevels picks, and the key it shows (chr(0) for none). */
function keptWhere(kept: KeptLevels, bind: (v: DuckDBValue) => string): { where: string; shown: string } {
  const where = ['account_id = $1', `dim = ${bind(kept.dim)}`];
  if (kept.key !== undefined) where.push(`key = ${bind(kept.key)}`);
  if (kept.product !== undefined && kept.customer !== undefined)
    where.push(`key = ${bind(kept.product)} || ${PAIR_SQL} || ${bind(kept.customer)}`);
  else if (kept.product !== undefined) where.push(`starts_with(key, ${bind(kept.product)} || ${PAIR_SQL})`);
  const shown = kept.none ? 'chr(0)' : kept.composite ? `substr(key, strpos(key, ${PAIR_SQL}) + 1)` : 'key';
  return { where: where.join(' AND '), shown };
}

/**
 * Each kept key's level at `to`: its last level less the changes since `to` (none for a range
 * that ends now, and few for a recent one: the scan is pruned by time).
 */
function keptLevelsAtTo(kept: KeptLevels, bind: (v: DuckDBValue) => string): string {
  const { where, shown } = keptWhere(kept, bind);
  return `(SELECT ${shown} AS key, n.level - coalesce(l.delta, 0) AS level
           FROM (SELECT key, arg_max(level, seq) AS level FROM seat_levels_now WHERE ${where} GROUP BY key) n
           LEFT JOIN (SELECT key, sum(delta) AS delta FROM seat_levels WHERE ${where} AND at_ms >= $3 GROUP BY key) l USING (key))`;
}

/** The purchase key of a grouping: what an entitlement's purchased seats are counted under (none by platform or version). */
const PURCHASE_COLUMN: Partial<Record<ActivationDimension, string>> = {
  product: 'product_id',
  customer: 'customer_id',
  entitlement: 'entitlement_id',
  none: 'NULL::VARCHAR',
};

/** Every purchase change of the account from its facts (what `seat_purchases` holds, counted again). */
const PURCHASES_FROM_FACTS =
  purchaseChanges(`(SELECT account_id, CASE WHEN starts_with(type, 'entitlement.') THEN subject_id END AS entitlement_id,
           offering_id, at_ms, lpad(at_ms::VARCHAR, 16, '0') || event_id AS k, product_id,
           CASE WHEN starts_with(type, 'entitlement.') THEN customer_id END AS customer_id,
           CASE WHEN starts_with(type, 'entitlement.') THEN state END AS state, seats,
           CASE WHEN starts_with(type, 'entitlement.') THEN ends_at END AS ends_at
    FROM facts WHERE account_id = $1 AND (starts_with(type, 'entitlement.') OR (starts_with(type, 'offering.') AND seats IS NOT NULL)))`);

/**
 * `deployment`: per period and key with a change of seats in use or of seats purchased in the
 * range, the high and low marks and the end level of seats in use (a period with only a purchase
 * change shows the level it carried), and the seats purchased at the period's end.
 * `usage`: seat changes in the range (`at_ms`, `key`, `delta`, `level`, `k`); `atTo`: each key's
 * level at `to` (`key`, `level`), the level all through the range of a key without a change in it;
 * `purchases`: purchase changes before `to` (`at_ms`, `key`, `delta`), or null where purchases have
 * no meaning (by platform or version). A period with a purchase change only carries the level of
 * the key's last change before it, or else the level before its first change in the range.
 */
function deploymentRows(granularity: Granularity, usage: string, atTo: string, purchases: string | null): string {
  const period = `epoch_ms(date_trunc('${granularity}', epoch_ms(at_ms)))`;
  const bought = purchases ?? '(SELECT NULL::BIGINT AS at_ms, NULL::VARCHAR AS key, 0 AS delta WHERE false)';
  return `WITH c AS ${usage},
       u AS (SELECT ${period} AS period, coalesce(key, chr(0)) AS key, ${REPORTS.deployment.select} FROM c GROUP BY ALL),
       first AS (SELECT coalesce(key, chr(0)) AS key, arg_min(level - delta, k) AS level FROM c GROUP BY ALL),
       b AS (SELECT ${period} AS period, coalesce(key, chr(0)) AS key, sum(delta) AS d, bool_or(at_ms >= $2) AS shown
             FROM ${bought} GROUP BY ALL),
       bl AS (SELECT period, key, shown, sum(d) OVER (PARTITION BY key ORDER BY period ROWS UNBOUNDED PRECEDING) AS purchased FROM b),
       r AS (SELECT period, key FROM u UNION SELECT period, key FROM bl WHERE shown),
       rb AS (SELECT r.period, r.key, bl.purchased FROM r ASOF LEFT JOIN bl ON bl.key = r.key AND r.period >= bl.period),
       ru AS (SELECT rb.period, rb.key, rb.purchased, pu."end" AS carried FROM rb ASOF LEFT JOIN u pu ON pu.key = rb.key AND rb.period > pu.period)
  SELECT ru.period, nullif(ru.key, chr(0)) AS key,
         coalesce(u.high, ru.carried, f.level, t.level, 0)::INTEGER AS high,
         coalesce(u.low, ru.carried, f.level, t.level, 0)::INTEGER AS low,
         coalesce(u."end", ru.carried, f.level, t.level, 0)::INTEGER AS "end",
         ${purchases ? 'coalesce(ru.purchased, 0)::INTEGER' : 'NULL::INTEGER'} AS purchased
  FROM ru LEFT JOIN u ON u.period = ru.period AND u.key = ru.key
  LEFT JOIN first f ON f.key = ru.key LEFT JOIN ${atTo} t ON t.key = ru.key
  ORDER BY ru.period, key NULLS FIRST`;
}

/** One report's rows, oldest period first, then by key. */
export async function runReport(store: ReportStore, name: ReportName, scope: ReportScope, q: ReportQuery): Promise<ReportRow[]> {
  const def: Definition = REPORTS[name];
  const params: DuckDBValue[] = [scope.accountId, BigInt(q.from), BigInt(q.to)];
  // A value bound twice is one parameter: DuckDB refuses a parameter the query leaves unused, and
  // the rollups name the product and customer of the filters (already bound) in their own way.
  const bound = new Map<DuckDBValue, string>();
  const bind = (v: DuckDBValue) => {
    const known = bound.get(v);
    if (known !== undefined) return known;
    params.push(v);
    bound.set(v, `$${params.length}`);
    return `$${params.length}`;
  };
  const scoped = ['account_id = $1'];
  if (scope.productId) scoped.push(`product_id = ${bind(scope.productId)}`);
  if (q.product) scoped.push(`product_id = ${bind(q.product)}`);
  const productScoped = scoped.join(' AND ');
  if (q.customer) scoped.push(`customer_id = ${bind(q.customer)}`);
  const key = def.key(q) ?? 'NULL::VARCHAR';
  const source: Source = {
    scoped: scoped.join(' AND '),
    productScoped,
    key,
    now: () => bind(BigInt(q.now)),
    fromFacts: q.fromFacts === true,
  };
  const counted = () => {
    const where = [...scoped, 'at_ms >= $2', 'at_ms < $3'];
    if (def.types.length > 0) where.push(`type IN (${def.types.map(bind).join(', ')})`);
    return `(SELECT *, ${key} AS key FROM facts WHERE ${where.join(' AND ')})`;
  };
  // The granularity is one of four words checked by the route's schema, never the caller's text.
  const period = `epoch_ms(date_trunc('${q.granularity}', epoch_ms(at_ms)))`;
  // A running level starts from the first event; the range only picks the periods shown. The
  // projector keeps the levels (seat_levels) of the whole account per dimension, and per product
  // by platform, version and entitlement; what they do not cover counts from the facts.
  const products = [...new Set([scope.productId, q.product].filter((p): p is string => !!p))];
  const by: ActivationDimension = name === 'adoption' ? 'version' : ((q.by as ActivationDimension | undefined) ?? 'product');
  const levels = q.fromFacts === true ? null : keptLevelsOf(by, products, q.customer || undefined);
  const levelRows = (l: KeptLevels) => {
    const { where, shown } = keptWhere(l, bind);
    return `(SELECT at_ms, ${shown} AS key, delta, level, k FROM seat_levels WHERE ${where} AND at_ms < $3)`;
  };
  let query: string;
  if (name === 'deployment') {
    const purchaseKey = PURCHASE_COLUMN[by];
    const purchases =
      purchaseKey === undefined
        ? null
        : `(SELECT at_ms, ${purchaseKey} AS key, delta FROM ${q.fromFacts === true ? PURCHASES_FROM_FACTS : 'seat_purchases'} p
            WHERE ${source.scoped} AND at_ms < $3)`;
    const changes = seatChanges(source);
    query = levels
      ? deploymentRows(
          q.granularity,
          `(SELECT at_ms, nullif(key, chr(0)) AS key, delta, level, k FROM ${levelRows(levels)} WHERE at_ms >= $2)`,
          keptLevelsAtTo(levels, bind),
          purchases,
        )
      : deploymentRows(
          q.granularity,
          `(SELECT * FROM ${changes} WHERE at_ms >= $2)`,
          `(SELECT coalesce(key, chr(0)) AS key, arg_max(level, k) AS level FROM ${changes} GROUP BY ALL)`,
          purchases,
        );
  } else {
    const from =
      name === 'adoption'
        ? levels
          ? levelsAtPeriodEndsKept(q.granularity, levelRows(levels))
          : levelsAtPeriodEnds(source, q.granularity)
        : def.source
          ? def.source(source)
          : counted();
    query = `SELECT ${period} AS period, key, ${def.select} FROM ${from} GROUP BY ALL ORDER BY period, key NULLS FIRST`;
  }
  const rows = await store.rows<Record<string, unknown>>(query, params);
  return rows.map((r) => {
    const row: ReportRow = { period: Number(r['period']), key: (r['key'] as string | null) ?? null };
    for (const m of def.measures) row[m] = r[m] === null ? null : Number(r[m]);
    return row;
  });
}

export function measuresOf(name: ReportName): readonly string[] {
  return REPORTS[name].measures;
}
