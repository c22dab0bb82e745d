/**
 * Seats purchased: what each entitlement adds to the seats bought, as a change per event that
 * moved it. An entitlement counts while it is live (active or suspended: a suspended one is still
 * bought, only not usable) and before its end (`endsAt` as it stood at that time: a lapsed
 * subscription or an ended trial is no longer bought), with its effective seats, its override
 * `overrides.seats` or else its offering's `seats` as the offering stood at that time
 * (effective-rights.ts); revoked, returned and ended ones count 0. One SQL for both the
 * projector's rollup (`seat_purchases`, recomputed per entitlement a batch touches) and the
 * reports' `fromFacts` path (every fact), so the two agree by construction and the tests check
 * the incremental upkeep (late batches, offering changes, renewals after a lapse) instead.
 */
import type { NO_END as FACT_NO_END } from '../ports.js';

/** A fact's `ends_at` for "no end" (ports.ts NO_END; the store names its type, the compiler holds the two equal). */
const NO_END: typeof FACT_NO_END = -1;

/**
 * Purchase changes from `inputs`, a relation with `account_id`, `entitlement_id` (null for an
 * offering's row), `offering_id`, `at_ms`, `k` (the sort key: at_ms padded to 16 digits, then the
 * event id), `product_id`, `customer_id`, `state`, `seats` (an offering's seats, or an
 * entitlement's override, -1 for none; null: left alone) and `ends_at` (the entitlement's end,
 * NO_END for none; null: left alone), holding every row of the entitlements wanted and of the
 * offerings they were on. Answers `(account_id, entitlement_id, product_id, customer_id, at_ms,
 * k, delta)`: the change of the entitlement's purchased seats at each of its events, at each of
 * its offerings' seat changes and at each end an event set (part 2 of `k`, at the end's time); a
 * transfer to another customer gives back the seats under the old one and adds them under the new.
 */
export function purchaseChanges(inputs: string): string {
  const w = 'PARTITION BY account_id, entitlement_id ORDER BY k';
  // Each end an event set that was still ahead at the event is a point of its own at the end's
  // time, keyed by that time and the event's id (so it sorts at the end and a rebuild gives the
  // same key). Evaluated like any other point, it changes nothing when a later event had moved the
  // end already (a renewal) or the entitlement was no longer live.
  return `(WITH i AS ${inputs},
           ent AS (SELECT * FROM i WHERE entitlement_id IS NOT NULL),
           ons AS (SELECT DISTINCT account_id, entitlement_id, offering_id FROM ent WHERE offering_id IS NOT NULL),
           offering_seats AS (SELECT account_id, offering_id, at_ms, k, seats FROM i WHERE entitlement_id IS NULL AND seats IS NOT NULL),
           points AS (SELECT account_id, entitlement_id, at_ms, k, '1' AS part, product_id, customer_id, state, seats AS override,
                             offering_id, ends_at FROM ent
                      UNION ALL
                      SELECT o.account_id, n.entitlement_id, o.at_ms, o.k, '1', NULL, NULL, NULL, NULL, NULL, NULL
                      FROM offering_seats o JOIN ons n ON n.account_id = o.account_id AND n.offering_id = o.offering_id
                      UNION ALL
                      SELECT account_id, entitlement_id, ends_at, lpad(ends_at::VARCHAR, 16, '0') || substr(k, 17), '2',
                             NULL, NULL, NULL, NULL, NULL, NULL
                      FROM ent WHERE ends_at <> ${NO_END} AND ends_at > at_ms),
           filled AS (SELECT account_id, entitlement_id, at_ms, k, part,
                             last_value(product_id IGNORE NULLS) OVER w AS product_id,
                             last_value(customer_id IGNORE NULLS) OVER w AS customer_id,
                             last_value(state IGNORE NULLS) OVER w AS state,
                             last_value(override IGNORE NULLS) OVER w AS override,
                             last_value(offering_id IGNORE NULLS) OVER w AS offering_id,
                             last_value(ends_at IGNORE NULLS) OVER w AS ends_at
                      FROM points WINDOW w AS (${w} ROWS UNBOUNDED PRECEDING)),
           valued AS (SELECT f.account_id, f.entitlement_id, f.at_ms, f.k, f.part, f.product_id, f.customer_id,
                             CASE WHEN f.state IN ('active', 'suspended') AND (coalesce(f.ends_at, ${NO_END}) = ${NO_END} OR f.at_ms < f.ends_at)
                                  THEN CASE WHEN f.override >= 0 THEN f.override ELSE coalesce(s.seats, 0) END
                                  ELSE 0 END AS seats
                      FROM filled f ASOF LEFT JOIN offering_seats s
                        ON s.account_id = f.account_id AND s.offering_id = f.offering_id AND f.k >= s.k),
           stepped AS (SELECT *, lag(seats, 1, 0) OVER (${w}) AS was, lag(customer_id) OVER (${w}) AS was_customer FROM valued),
           changes AS (SELECT account_id, entitlement_id, product_id, customer_id, at_ms, k || chr(1) || part AS k,
                              seats - CASE WHEN was_customer IS NOT DISTINCT FROM customer_id THEN was ELSE 0 END AS delta
                       FROM stepped
                       UNION ALL
                       SELECT account_id, entitlement_id, product_id, was_customer, at_ms, k || chr(1) || '0', -was
                       FROM stepped WHERE was_customer IS DISTINCT FROM customer_id)
      SELECT account_id, entitlement_id, product_id, customer_id, at_ms, k, delta::INTEGER AS delta FROM changes WHERE delta <> 0)`;
}
