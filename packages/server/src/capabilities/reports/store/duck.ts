/**
 * The reporting store: an embedded DuckDB file beside the main database (its own engine, its own
 * process-local file), so report queries never touch the main database and never wait on its
 * locks. Its schema is versioned here, not by the main database's migrations: a new version is
 * a rebuild from the event log (the store holds nothing the log does not).
 *
 * One row per event in `facts`, with the dimensions the reports group by pulled out of the event;
 * the feed position, the event count and the last event's time in `checkpoint`, written in the
 * same transaction as the rows, so a crash leaves both or neither.
 */
import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Checkpoint, DeviceFacts, Fact, FeedPosition, ReportStorePort } from '../ports.js';
import { Recall } from '../../../platform/recall.js';
import { purchaseChanges } from './purchases.js';

/** Ids per device lookup: below DuckDB's index_scan_max_count (2048), so the index answers. */
const DEVICE_CHUNK = 1000;

/** Before the first event. */
const FEED_START: FeedPosition = { major: -1n, minor: '' };

/** Bump when the tables below change: an older file is rebuilt from the log at start. */
export const SCHEMA_VERSION = 11;

const TABLES = [
  `CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS facts (
     account_id VARCHAR NOT NULL, event_id VARCHAR NOT NULL, type VARCHAR NOT NULL, at_ms BIGINT NOT NULL,
     subject_id VARCHAR NOT NULL, product_id VARCHAR, customer_id VARCHAR, entitlement_id VARCHAR,
     platform VARCHAR, version VARCHAR, reason VARCHAR,
     offering_id VARCHAR, model VARCHAR, previous_model VARCHAR,
     previous_platform VARCHAR, previous_version VARCHAR, feature VARCHAR, quantity BIGINT,
     ends_at BIGINT, maintenance_until BIGINT, state VARCHAR,
     version_key VARCHAR, channel VARCHAR, upgrade_paths INTEGER, seats INTEGER)`,
  // Validation outcomes: a row per entitlement and code of each `validation.summary` event.
  `CREATE TABLE IF NOT EXISTS validations (
     account_id VARCHAR NOT NULL, event_id VARCHAR NOT NULL, at_ms BIGINT NOT NULL,
     product_id VARCHAR, customer_id VARCHAR, entitlement_id VARCHAR, code VARCHAR NOT NULL, count BIGINT NOT NULL)`,
  // A device's platform and version after each event that set them: what a later deactivation is
  // counted under. Looked up by activation id through the ART index (constant cost, not a scan of
  // a table that grows with the log); appended only, the last row of an activation is its state.
  `CREATE TABLE IF NOT EXISTS devices (
     account_id VARCHAR NOT NULL, activation_id VARCHAR NOT NULL, seq BIGINT NOT NULL, platform VARCHAR, version VARCHAR)`,
  `CREATE INDEX IF NOT EXISTS devices_activation ON devices (activation_id)`,
  // Each entitlement as it stands now (renewal candidates, expired trials), kept by the projector in
  // each batch's transaction instead of aggregated from every entitlement event on each report.
  // Each column carries the sort key (at_ms, then event id) of the event that set it last, so a
  // batch merges by the same order a rebuild aggregates in, whatever order the feed delivers.
  `CREATE TABLE IF NOT EXISTS entitlements_now (
     account_id VARCHAR NOT NULL, id VARCHAR NOT NULL, product_id VARCHAR,
     customer_id VARCHAR, customer_k VARCHAR NOT NULL, offering_id VARCHAR, model VARCHAR, model_k VARCHAR,
     state VARCHAR, state_k VARCHAR, ends_at BIGINT, ends_k VARCHAR, maintenance_until BIGINT, maintenance_k VARCHAR,
     PRIMARY KEY (account_id, id))`,
  `CREATE TEMP TABLE IF NOT EXISTS entitlement_batch (
     account_id VARCHAR NOT NULL, id VARCHAR NOT NULL, k VARCHAR NOT NULL, sets_model BOOLEAN NOT NULL, product_id VARCHAR,
     customer_id VARCHAR, offering_id VARCHAR, model VARCHAR, state VARCHAR, ends_at BIGINT, maintenance_until BIGINT)`,
  // Seats in use, per dimension the level reports group by (`none`, product, platform, version,
  // customer): one row per change with the key's level after it, in (at_ms, event id, part) order
  // (`k`). `deployment` and `adoption` read the levels instead of summing every change of the
  // account on each call. A NULL key is kept as chr(0) (a key of seat_levels_now, the last level).
  `CREATE TABLE IF NOT EXISTS seat_levels (
     account_id VARCHAR NOT NULL, dim VARCHAR NOT NULL, key VARCHAR NOT NULL, at_ms BIGINT NOT NULL, k VARCHAR NOT NULL,
     delta INTEGER NOT NULL, level INTEGER NOT NULL)`,
  // Each key's level after the batches that changed it, appended (never updated: DuckDB's updates
  // and their commits grew with the table, measured); the row of a key's latest batch (`seq`) is
  // its level now. Compacted to one row per key now and then (see compactLevels).
  `CREATE TABLE IF NOT EXISTS seat_levels_now (
     account_id VARCHAR NOT NULL, dim VARCHAR NOT NULL, key VARCHAR NOT NULL, seq BIGINT NOT NULL, k VARCHAR NOT NULL, level INTEGER NOT NULL)`,
  `CREATE TEMP TABLE IF NOT EXISTS seat_keys (account_id VARCHAR NOT NULL, dim VARCHAR NOT NULL, key VARCHAR NOT NULL)`,
  // Seats purchased. `purchase_inputs`: what of each entitlement and offering event decides an
  // entitlement's seats (its state, seat override, offering, customer, end; an offering's seats;
  // null: left alone), a row per event. `seat_purchases`: each change of an entitlement's purchased
  // seats (its effective seats while active or suspended and before its end, else 0) as a delta
  // under its customer at the time, in (at_ms, event id, part) order (`k`; an end's drop is keyed
  // by the end's time and the id of the event that set it); an entitlement's rows are recomputed
  // from its inputs whenever a batch touches it or an offering it was ever on (store/purchases.ts).
  `CREATE TABLE IF NOT EXISTS purchase_inputs (
     account_id VARCHAR NOT NULL, entitlement_id VARCHAR, offering_id VARCHAR, at_ms BIGINT NOT NULL, k VARCHAR NOT NULL,
     product_id VARCHAR, customer_id VARCHAR, state VARCHAR, seats INTEGER, ends_at BIGINT)`,
  `CREATE TEMP TABLE IF NOT EXISTS purchase_batch (
     account_id VARCHAR NOT NULL, entitlement_id VARCHAR, offering_id VARCHAR, at_ms BIGINT NOT NULL, k VARCHAR NOT NULL,
     product_id VARCHAR, customer_id VARCHAR, state VARCHAR, seats INTEGER, ends_at BIGINT)`,
  `CREATE TABLE IF NOT EXISTS seat_purchases (
     account_id VARCHAR NOT NULL, entitlement_id VARCHAR NOT NULL, product_id VARCHAR, customer_id VARCHAR,
     at_ms BIGINT NOT NULL, k VARCHAR NOT NULL, delta INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS checkpoint (
     id INTEGER PRIMARY KEY, major BIGINT NOT NULL, minor VARCHAR NOT NULL, events BIGINT NOT NULL, last_event_at BIGINT)`,
];

/** The key a seat change is counted under when its dimension is null (a device with no version). */
export const NULL_KEY = String.fromCharCode(0);

/**
 * Between the product and the second part of a composite key of `seat_levels` (`product+platform`,
 * `product+version`, `product+entitlement`, `product+customer`): a product filter reads the keys that start with the
 * product and this, instead of counting from the facts.
 */
export const PAIR = String.fromCharCode(2);

/** Between an event id and the part of its change: below any id's characters, so `k` orders as (event id, part) does. */
const PART = String.fromCharCode(1);

const DEACTIVATED = new Set(['activation.deactivated', 'activation.released']);

/** Orders as `ORDER BY at_ms, event_id` does, as one string (times are non-negative milliseconds). */
function sortKey(at: number, eventId: string): string {
  return String(Math.trunc(at)).padStart(16, '0') + eventId;
}

/** A seat change of one key: +1 or -1 at `at`, ordered by `k` (time, event id, part). */
interface SeatChange {
  at: number;
  k: string;
  delta: number;
}

/** A key's level after its last change, and that change's sort key. */
interface LastLevel {
  k: string;
  level: number;
}

/** What a level is kept under: the account, the dimension and the key (NULL_KEY for none). */
interface SeatKey {
  account: string;
  dim: string;
  key: string;
}

/** A seat key as one string, for maps (JSON, so no character a key may hold can run two together). */
function levelId(k: SeatKey): string {
  return JSON.stringify([k.account, k.dim, k.key]);
}

/** By `k`, as DuckDB orders VARCHARs (the keys are ASCII, so code units order as bytes do). */
function byK(a: SeatChange, b: SeatChange): number {
  return a.k < b.k ? -1 : a.k > b.k ? 1 : 0;
}

function appendKey(appender: DuckDBAppender, at: SeatKey): void {
  appender.appendVarchar(at.account);
  appender.appendVarchar(at.dim);
  appender.appendVarchar(at.key);
}

function appendLevel(appender: DuckDBAppender, at: SeatKey, c: SeatChange, level: number): void {
  appendKey(appender, at);
  appender.appendBigInt(BigInt(c.at));
  appender.appendVarchar(c.k);
  appender.appendInteger(c.delta);
  appender.appendInteger(level);
  appender.endRow();
}

/** Rows appended to `seat_levels_now` since it was last compacted before it is compacted again. */
const COMPACT_AFTER = 1_000_000;

/**
 * Seat keys the store remembers (two generations): a key per account and product, platform,
 * version, customer and entitlement, and per product and each of those; ~200 bytes each, so
 * 400 MB at most. Past it, batches ask `seat_levels_now` for the keys they lack.
 */
const LEVEL_RECALL = 2_000_000;

export class ReportStore implements ReportStorePort {
  /** Each seat key's last level, as of the checkpoint's `levelsAt` events (what this object last committed). */
  private readonly levels: Recall<LastLevel>;
  private levelsAt: number | null = null;
  /** The memory holds every key the store has (it started from an empty store, or read them all): a key it lacks is new. */
  private levelsWhole = false;
  /** The levels the batch being appended sets: remembered once it commits. */
  private readonly pendingLevels = new Map<string, LastLevel & { at: SeatKey }>();
  /** Rows of `seat_levels_now`, and how many it had when last compacted (null: not counted yet). */
  private levelRows: { now: number; compacted: number } | null = null;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    readonly file: string,
    private readonly compactAfter: number,
    private readonly levelRecall: number,
  ) {
    this.levels = new Recall<LastLevel>(levelRecall);
  }

  /**
   * Opens (or creates) the store; `:memory:` for a store that lives with the process. `threads`
   * bounds DuckDB's worker threads (its default is one per core, which a report query then takes
   * from the licensing requests served by the same process). `compactLevelsAfter` is for tests:
   * how many rows `seat_levels_now` takes before it is compacted (COMPACT_AFTER), and how many
   * seat keys the store remembers (LEVEL_RECALL).
   */
  static async open(
    file: string,
    opts: { threads?: number; compactLevelsAfter?: number; rememberLevels?: number } = {},
  ): Promise<ReportStore> {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    // One instance per file and process (several servers in one test process share it).
    const instance = file === ':memory:' ? await DuckDBInstance.create(file) : await DuckDBInstance.fromCache(file);
    const conn = await instance.connect();
    if (opts.threads !== undefined) await conn.run(`SET threads = ${Math.trunc(opts.threads)}`);
    // Fewer checkpoints: each one rewrites the tables' last, partly filled row groups, and at the
    // default (16 MB of WAL, every few batches) they were a fifth of projection's time (measured).
    await conn.run(`SET checkpoint_threshold = '256MB'`);
    const store = new ReportStore(instance, conn, file, opts.compactLevelsAfter ?? COMPACT_AFTER, opts.rememberLevels ?? LEVEL_RECALL);
    await store.migrate();
    return store;
  }

  private async migrate(): Promise<void> {
    for (const ddl of TABLES) await this.conn.run(ddl);
    const rows = await this.rows<{ value: string }>(`SELECT value FROM meta WHERE key = 'schema'`);
    if (rows[0]?.value !== String(SCHEMA_VERSION)) {
      // Everything but meta is the log's, projected: an older shape is dropped and projected again.
      for (const table of [
        'facts',
        'devices',
        'validations',
        'entitlements_now',
        'seat_levels',
        'seat_levels_now',
        'purchase_inputs',
        'seat_purchases',
        'checkpoint',
      ])
        await this.conn.run(`DROP TABLE IF EXISTS ${table}`);
      for (const ddl of TABLES) await this.conn.run(ddl);
      await this.conn.run(`INSERT OR REPLACE INTO meta VALUES ('schema', '${SCHEMA_VERSION}')`);
    }
  }

  async rows<T>(query: string, params: DuckDBValue[] = []): Promise<T[]> {
    const reader = await this.conn.runAndReadAll(query, params);
    return reader.getRowObjectsJS() as T[];
  }

  async checkpoint(): Promise<Checkpoint> {
    const [row] = await this.rows<{ major: bigint; minor: string; events: bigint; last_event_at: bigint | null }>(
      'SELECT major, minor, events, last_event_at FROM checkpoint WHERE id = 1',
    );
    if (!row) return { position: FEED_START, events: 0, lastEventAt: null };
    return {
      position: { major: BigInt(row.major), minor: row.minor },
      events: Number(row.events),
      lastEventAt: row.last_event_at === null ? null : Number(row.last_event_at),
    };
  }

  /**
   * Appends a batch and moves the checkpoint, in one DuckDB transaction: the batch is projected
   * once or not at all. `expected` is the checkpoint the batch was read after; a store that moved
   * meanwhile (another writer) refuses the batch instead of projecting it twice.
   */
  async append(facts: readonly Fact[], expected: Checkpoint, next: FeedPosition, beforeCommit?: () => Promise<void>): Promise<Checkpoint> {
    this.pendingLevels.clear();
    await this.conn.run('BEGIN TRANSACTION');
    try {
      const now = await this.checkpoint();
      if (now.position.major !== expected.position.major || now.position.minor !== expected.position.minor) {
        throw new Error('the reporting store moved while a batch was read; the batch is dropped');
      }
      const appender = await this.conn.createAppender('facts');
      for (const f of facts) {
        appender.appendVarchar(f.accountId);
        appender.appendVarchar(f.eventId);
        appender.appendVarchar(f.type);
        appender.appendBigInt(BigInt(f.at));
        appender.appendVarchar(f.subjectId);
        for (const v of [
          f.productId,
          f.customerId,
          f.entitlementId,
          f.platform,
          f.version,
          f.reason,
          f.offeringId,
          f.model,
          f.previousModel,
          f.previousPlatform,
          f.previousVersion,
          f.feature,
        ]) {
          if (v === null) appender.appendNull();
          else appender.appendVarchar(v);
        }
        for (const v of [f.quantity, f.endsAt, f.maintenanceUntil]) {
          if (v === null) appender.appendNull();
          else appender.appendBigInt(BigInt(Math.trunc(v)));
        }
        for (const v of [f.state, f.versionKey, f.channel]) {
          if (v === null) appender.appendNull();
          else appender.appendVarchar(v);
        }
        for (const v of [f.upgradePaths, f.seats]) {
          if (v === null) appender.appendNull();
          else appender.appendInteger(v);
        }
        appender.endRow();
      }
      appender.closeSync();
      await this.appendValidations(facts);
      await this.appendDevices(facts, expected.events);
      await this.mergeEntitlements(facts);
      await this.mergeSeatLevels(facts, expected);
      await this.mergePurchases(facts);
      const lastEventAt = facts.reduce<number | null>((m, f) => (m === null || f.at > m ? f.at : m), expected.lastEventAt);
      const events = expected.events + facts.length;
      await this.conn.run('INSERT OR REPLACE INTO checkpoint VALUES (1, $1, $2, $3, $4)', [
        next.major,
        next.minor,
        BigInt(events),
        lastEventAt === null ? null : BigInt(lastEventAt),
      ]);
      if (beforeCommit) await beforeCommit();
      await this.conn.run('COMMIT');
      for (const [id, { k, level }] of this.pendingLevels) this.levels.set(id, { k, level });
      this.levelsAt = events;
      return { position: next, events, lastEventAt };
    } catch (error) {
      await this.conn.run('ROLLBACK').catch(() => {});
      this.forgetLevels();
      throw error;
    }
  }

  /** A row per event that set a device's platform and version (its state after the event). */
  private async appendDevices(facts: readonly Fact[], before: number): Promise<void> {
    const appender = await this.conn.createAppender('devices');
    facts.forEach((f, i) => {
      if (f.type !== 'activation.created' && f.type !== 'activation.updated') return;
      appender.appendVarchar(f.accountId);
      appender.appendVarchar(f.subjectId);
      appender.appendBigInt(BigInt(before + i));
      for (const v of [f.platform, f.version]) {
        if (v === null) appender.appendNull();
        else appender.appendVarchar(v);
      }
      appender.endRow();
    });
    appender.closeSync();
  }

  /** A row per entitlement and code of each validation summary in the batch. */
  private async appendValidations(facts: readonly Fact[]): Promise<void> {
    if (!facts.some((f) => f.validations !== null && f.validations.length > 0)) return;
    const appender = await this.conn.createAppender('validations');
    for (const f of facts) {
      for (const v of f.validations ?? []) {
        appender.appendVarchar(f.accountId);
        appender.appendVarchar(f.eventId);
        appender.appendBigInt(BigInt(f.at));
        for (const c of [v.productId, v.customerId, v.entitlementId]) {
          if (c === null) appender.appendNull();
          else appender.appendVarchar(c);
        }
        appender.appendVarchar(v.code);
        appender.appendBigInt(BigInt(v.count));
        appender.endRow();
      }
    }
    appender.closeSync();
  }

  /**
   * Moves `seat_levels` on by the batch's seat changes: +1 for an activation, -1 for a deactivation
   * or release, under each dimension's key, and for an update that moved a device to another
   * platform or version, -1 under the old and +1 under the new. A key's new rows continue from its
   * last level (remembered, or read from `seat_levels_now`), counted here rather than by a window
   * and an update in SQL (which grew with the table: 70 ms and more a batch, measured). A change
   * older than the key's last (the feed delivered it late) recomputes that key's levels from all
   * its rows, so the levels are always those of (at_ms, event id) order.
   */
  private async mergeSeatLevels(facts: readonly Fact[], expected: Checkpoint): Promise<void> {
    const rows: Array<[string, string, string | null, number, string, number]> = [];
    for (const f of facts) {
      const k = sortKey(f.at, f.eventId);
      if (f.type === 'activation.created' || DEACTIVATED.has(f.type)) {
        const delta = f.type === 'activation.created' ? 1 : -1;
        const p = (f.productId ?? NULL_KEY) + PAIR;
        const keys = {
          none: null,
          product: f.productId,
          platform: f.platform,
          version: f.version,
          customer: f.customerId,
          'product+platform': p + (f.platform ?? NULL_KEY),
          'product+version': p + (f.version ?? NULL_KEY),
          'product+entitlement': p + (f.entitlementId ?? NULL_KEY),
          'product+customer': p + (f.customerId ?? NULL_KEY),
        };
        for (const [dim, key] of Object.entries(keys)) rows.push([f.accountId, dim, key, f.at, `${k}${PART}0`, delta]);
      } else if (f.type === 'activation.updated') {
        for (const [dim, was, is] of [
          ['platform', f.previousPlatform, f.platform],
          ['version', f.previousVersion, f.version],
        ] as const) {
          if (was === is) continue;
          rows.push([f.accountId, dim, was, f.at, `${k}${PART}0`, -1], [f.accountId, dim, is, f.at, `${k}${PART}1`, 1]);
          const p = (f.productId ?? NULL_KEY) + PAIR;
          rows.push(
            [f.accountId, `product+${dim}`, p + (was ?? NULL_KEY), f.at, `${k}${PART}0`, -1],
            [f.accountId, `product+${dim}`, p + (is ?? NULL_KEY), f.at, `${k}${PART}1`, 1],
          );
        }
      }
    }
    if (rows.length === 0) return;
    // The batch's changes per key, each key's in (at_ms, event id, part) order.
    const byKey = new Map<string, { at: SeatKey; changes: SeatChange[] }>();
    for (const [account, dim, key, at, k, delta] of rows) {
      const seat = { account, dim, key: key ?? NULL_KEY };
      const id = levelId(seat);
      const entry = byKey.get(id);
      if (entry) entry.changes.push({ at, k, delta });
      else byKey.set(id, { at: seat, changes: [{ at, k, delta }] });
    }
    const last = await this.lastLevels(byKey, expected);
    const late = new Map<string, { at: SeatKey; changes: SeatChange[] }>();
    const appender = await this.conn.createAppender('seat_levels');
    for (const [id, entry] of byKey) {
      const { at, changes } = entry;
      changes.sort(byK);
      const was = last.get(id);
      // A change older than the key's last one (the feed delivered it late): recomputed below.
      if (was && changes[0]!.k < was.k) {
        late.set(id, entry);
        continue;
      }
      let level = was?.level ?? 0;
      for (const c of changes) {
        level += c.delta;
        appendLevel(appender, at, c, level);
      }
      this.pendingLevels.set(id, { at, k: changes.at(-1)!.k, level });
    }
    appender.closeSync();
    if (late.size > 0) await this.redoLevels(late);
    await this.appendLastLevels(expected.events);
  }

  /**
   * Each key's last level and change, from memory or, for the keys it lacks, from
   * `seat_levels_now` in one query. The memory is this store object's: it is dropped when the
   * store moved without it (another writer of the file, a reset), so it never runs ahead.
   */
  private async lastLevels(wanted: ReadonlyMap<string, { at: SeatKey }>, expected: Checkpoint): Promise<Map<string, LastLevel>> {
    if (this.levelsAt !== expected.events) await this.recallLevels(expected);
    const whole = this.levelsWhole && this.levels.whole;
    const out = new Map<string, LastLevel>();
    const missing: SeatKey[] = [];
    for (const [id, { at }] of wanted) {
      const known = this.levels.get(id);
      if (known === undefined) missing.push(at);
      else out.set(id, known);
    }
    if (missing.length === 0 || whole) return out;
    await this.fillKeys(missing);
    const rows = await this.rows<{ account_id: string; dim: string; key: string; k: string; level: number }>(
      `SELECT account_id, dim, key, arg_max(k, seq) AS k, arg_max(level, seq) AS level
       FROM seat_levels_now JOIN seat_keys USING (account_id, dim, key) GROUP BY ALL`,
    );
    for (const r of rows) out.set(levelId({ account: r.account_id, dim: r.dim, key: r.key }), { k: r.k, level: Number(r.level) });
    return out;
  }

  /**
   * Starts the memory of levels again (this object had none, or another moved the store): empty
   * for an empty store, else every key's last level if there are few enough keys to hold, else
   * nothing (and each batch asks the store for the keys it lacks).
   */
  private async recallLevels(expected: Checkpoint): Promise<void> {
    this.levels.clear();
    this.levelsWhole = expected.events === 0;
    if (this.levelsWhole) return;
    const [count] = await this.rows<{ n: bigint }>('SELECT count(*) AS n FROM seat_levels_now');
    if (Number(count?.n ?? 0) > this.levelRecall / 2 + this.compactAfter) return;
    const rows = await this.rows<{ account_id: string; dim: string; key: string; k: string; level: number }>(
      `SELECT account_id, dim, key, arg_max(k, seq) AS k, arg_max(level, seq) AS level FROM seat_levels_now GROUP BY ALL`,
    );
    if (rows.length > this.levelRecall / 2) return;
    for (const r of rows) this.levels.set(levelId({ account: r.account_id, dim: r.dim, key: r.key }), { k: r.k, level: Number(r.level) });
    this.levelsWhole = true;
  }

  /** Puts `keys` in the temporary `seat_keys` table (what a lookup or a recomputation joins on). */
  private async fillKeys(keys: Iterable<SeatKey>): Promise<void> {
    await this.conn.run('DELETE FROM seat_keys');
    const appender = await this.conn.createAppender('seat_keys');
    for (const at of keys) {
      appendKey(appender, at);
      appender.endRow();
    }
    appender.closeSync();
  }

  /**
   * Recomputes the levels of keys a batch reached behind their last change (rare: a late event),
   * from all their changes, kept and new, in (at_ms, event id, part) order.
   */
  private async redoLevels(late: ReadonlyMap<string, { at: SeatKey; changes: SeatChange[] }>): Promise<void> {
    await this.fillKeys([...late.values()].map((e) => e.at));
    const kept = await this.rows<{ account_id: string; dim: string; key: string; at_ms: bigint; k: string; delta: number }>(
      `SELECT account_id, dim, key, at_ms, k, delta FROM seat_levels JOIN seat_keys USING (account_id, dim, key)`,
    );
    await this.conn.run(
      `DELETE FROM seat_levels s WHERE EXISTS (SELECT 1 FROM seat_keys w WHERE w.account_id = s.account_id AND w.dim = s.dim AND w.key = s.key)`,
    );
    const all = new Map([...late].map(([id, e]) => [id, { at: e.at, changes: [...e.changes] }]));
    for (const r of kept)
      all
        .get(levelId({ account: r.account_id, dim: r.dim, key: r.key }))!
        .changes.push({ at: Number(r.at_ms), k: r.k, delta: Number(r.delta) });
    const appender = await this.conn.createAppender('seat_levels');
    for (const [id, { at, changes }] of all) {
      changes.sort(byK);
      let level = 0;
      for (const c of changes) {
        level += c.delta;
        appendLevel(appender, at, c, level);
      }
      this.pendingLevels.set(id, { at, k: changes.at(-1)!.k, level });
    }
    appender.closeSync();
  }

  /**
   * Appends the batch's last level of each key it changed to `seat_levels_now`, and compacts the
   * table to one row per key once a million rows (COMPACT_AFTER) have been appended since it last was.
   */
  private async appendLastLevels(seq: number): Promise<void> {
    const appender = await this.conn.createAppender('seat_levels_now');
    for (const last of this.pendingLevels.values()) {
      appendKey(appender, last.at);
      appender.appendBigInt(BigInt(seq));
      appender.appendVarchar(last.k);
      appender.appendInteger(last.level);
      appender.endRow();
    }
    appender.closeSync();
    if (this.levelRows === null) {
      const [row] = await this.rows<{ n: bigint }>('SELECT count(*) AS n FROM seat_levels_now');
      this.levelRows = { now: Number(row?.n ?? 0), compacted: Number(row?.n ?? 0) };
    } else this.levelRows.now += this.pendingLevels.size;
    if (this.levelRows.now - this.levelRows.compacted < this.compactAfter) return;
    await this.conn.run(
      `CREATE OR REPLACE TEMP TABLE seat_compact AS
       SELECT account_id, dim, key, max(seq) AS seq, arg_max(k, seq) AS k, arg_max(level, seq) AS level FROM seat_levels_now GROUP BY ALL`,
    );
    await this.conn.run('DELETE FROM seat_levels_now');
    await this.conn.run('INSERT INTO seat_levels_now SELECT * FROM seat_compact');
    await this.conn.run('DROP TABLE seat_compact');
    const [row] = await this.rows<{ n: bigint }>('SELECT count(*) AS n FROM seat_levels_now');
    this.levelRows = { now: Number(row?.n ?? 0), compacted: Number(row?.n ?? 0) };
  }

  /**
   * Moves `seat_purchases` on: the batch's entitlement and offering events join `purchase_inputs`,
   * and every entitlement the batch touched, or that was ever on an offering whose seats the batch
   * changed, has its purchase rows recomputed from all its inputs. An offering's seat change reaches
   * its entitlements without an override this way, and a late event lands where its time puts it;
   * an offering event that leaves the seats as they stood at its time (a rename) recomputes none.
   */
  private async mergePurchases(facts: readonly Fact[]): Promise<void> {
    const inputs = facts.filter((f) => f.type.startsWith('entitlement.') || (f.type.startsWith('offering.') && f.seats !== null));
    if (inputs.length === 0) return;
    await this.conn.run('DELETE FROM purchase_batch');
    const appender = await this.conn.createAppender('purchase_batch');
    const text = (v: string | null) => (v === null ? appender.appendNull() : appender.appendVarchar(v));
    for (const f of inputs) {
      const entitlement = f.type.startsWith('entitlement.');
      appender.appendVarchar(f.accountId);
      text(entitlement ? f.subjectId : null);
      text(entitlement ? f.offeringId : f.subjectId);
      appender.appendBigInt(BigInt(f.at));
      appender.appendVarchar(sortKey(f.at, f.eventId));
      text(f.productId);
      text(entitlement ? f.customerId : null);
      text(entitlement ? f.state : null);
      if (f.seats === null) appender.appendNull();
      else appender.appendInteger(f.seats);
      if (!entitlement || f.endsAt === null) appender.appendNull();
      else appender.appendBigInt(BigInt(Math.trunc(f.endsAt)));
      appender.endRow();
    }
    appender.closeSync();
    await this.conn.run('INSERT INTO purchase_inputs SELECT * FROM purchase_batch');
    await this.conn.run(
      `CREATE OR REPLACE TEMP TABLE purchase_redo AS
       SELECT DISTINCT account_id, entitlement_id FROM purchase_batch WHERE entitlement_id IS NOT NULL
       UNION
       SELECT DISTINCT p.account_id, p.entitlement_id FROM purchase_inputs p
       SEMI JOIN (SELECT account_id, offering_id FROM purchase_batch o WHERE entitlement_id IS NULL AND seats IS DISTINCT FROM
                    (SELECT arg_max(seats, k) FROM purchase_inputs q WHERE q.account_id = o.account_id AND q.offering_id = o.offering_id
                       AND q.entitlement_id IS NULL AND q.k < o.k)) o
         ON o.account_id = p.account_id AND o.offering_id = p.offering_id
       WHERE p.entitlement_id IS NOT NULL`,
    );
    const redo = 'EXISTS (SELECT 1 FROM purchase_redo r WHERE r.account_id = p.account_id AND r.entitlement_id = p.entitlement_id)';
    await this.conn.run(`DELETE FROM seat_purchases p WHERE ${redo}`);
    // The offerings' rows of the accounts concerned (few: one per offering event) beside the entitlements'.
    await this.conn.run(
      `INSERT INTO seat_purchases SELECT * FROM ${purchaseChanges(
        `(SELECT * FROM purchase_inputs p WHERE ${redo}
          UNION ALL
          SELECT * FROM purchase_inputs p WHERE entitlement_id IS NULL AND account_id IN (SELECT account_id FROM purchase_redo))`,
      )}`,
    );
  }

  /**
   * Moves `entitlements_now` on by the batch's entitlement events: per column, the value of the
   * latest event (by time, then id) that set it, this batch's or the one already kept. Equal to
   * aggregating every entitlement event of the log (what a rebuild, and the reports before, did).
   */
  private async mergeEntitlements(facts: readonly Fact[]): Promise<void> {
    const changed = facts.filter((f) => f.type.startsWith('entitlement.'));
    if (changed.length === 0) return;
    await this.conn.run('DELETE FROM entitlement_batch');
    const appender = await this.conn.createAppender('entitlement_batch');
    const text = (v: string | null) => (v === null ? appender.appendNull() : appender.appendVarchar(v));
    const big = (v: number | null) => (v === null ? appender.appendNull() : appender.appendBigInt(BigInt(Math.trunc(v))));
    for (const f of changed) {
      appender.appendVarchar(f.accountId);
      appender.appendVarchar(f.subjectId);
      appender.appendVarchar(sortKey(f.at, f.eventId));
      appender.appendBoolean(f.type === 'entitlement.created' || f.type === 'entitlement.offering_changed');
      text(f.productId);
      text(f.customerId);
      text(f.offeringId);
      text(f.model);
      text(f.state);
      big(f.endsAt);
      big(f.maintenanceUntil);
      appender.endRow();
    }
    appender.closeSync();
    // A column the batch set later than the kept row did wins; otherwise the kept value stays.
    const newer = (k: string) => `b.${k} IS NOT NULL AND (e.${k} IS NULL OR b.${k} > e.${k})`;
    const pick = (col: string, k: string) => `CASE WHEN ${newer(k)} THEN b.${col} ELSE e.${col} END`;
    const both = (col: string, k: string) => `${pick(col, k)}, ${pick(k, k)}`;
    await this.conn.run(
      `INSERT OR REPLACE INTO entitlements_now
       SELECT b.account_id, b.id, coalesce(e.product_id, b.product_id), ${both('customer_id', 'customer_k')},
              ${pick('offering_id', 'model_k')}, ${both('model', 'model_k')}, ${both('state', 'state_k')},
              ${both('ends_at', 'ends_k')}, ${both('maintenance_until', 'maintenance_k')}
       FROM (SELECT account_id, id, any_value(product_id) AS product_id,
                    arg_max_null(customer_id, k) AS customer_id, max(k) AS customer_k,
                    arg_max_null(offering_id, k) FILTER (WHERE sets_model) AS offering_id,
                    arg_max_null(model, k) FILTER (WHERE sets_model) AS model, max(k) FILTER (WHERE sets_model) AS model_k,
                    arg_max(state, k) FILTER (WHERE state IS NOT NULL) AS state, max(k) FILTER (WHERE state IS NOT NULL) AS state_k,
                    arg_max(ends_at, k) FILTER (WHERE ends_at IS NOT NULL) AS ends_at, max(k) FILTER (WHERE ends_at IS NOT NULL) AS ends_k,
                    arg_max(maintenance_until, k) FILTER (WHERE maintenance_until IS NOT NULL) AS maintenance_until,
                    max(k) FILTER (WHERE maintenance_until IS NOT NULL) AS maintenance_k
             FROM entitlement_batch GROUP BY account_id, id) b
       LEFT JOIN entitlements_now e ON e.account_id = b.account_id AND e.id = b.id`,
    );
  }

  /**
   * Platform and version of activations already projected (a deactivation's event carries only
   * its diff), keyed `account/activation`. In chunks small enough for DuckDB to answer an IN list
   * from the index (index_scan_max_count) rather than by scanning the table.
   */
  async devices(keys: ReadonlyArray<{ accountId: string; activationId: string }>): Promise<Map<string, DeviceFacts>> {
    const out = new Map<string, DeviceFacts>();
    const wanted = new Set(keys.map((k) => `${k.accountId}/${k.activationId}`));
    const ids = [...new Set(keys.map((k) => k.activationId))];
    for (let i = 0; i < ids.length; i += DEVICE_CHUNK) {
      const chunk = ids.slice(i, i + DEVICE_CHUNK);
      const rows = await this.rows<{ account_id: string; activation_id: string; platform: string | null; version: string | null }>(
        `SELECT account_id, activation_id, arg_max(platform, seq) AS platform, arg_max(version, seq) AS version
         FROM devices WHERE activation_id IN (${chunk.map((_, n) => `$${n + 1}`).join(', ')})
         GROUP BY account_id, activation_id`,
        chunk,
      );
      for (const r of rows) {
        const key = `${r.account_id}/${r.activation_id}`;
        if (wanted.has(key)) out.set(key, { platform: r.platform, version: r.version });
      }
    }
    return out;
  }

  async models(accountId: string, offeringIds: readonly string[]): Promise<Map<string, string>> {
    const rows = await this.lookup<{ subject_id: string; model: string }>(
      `SELECT subject_id, last(model ORDER BY at_ms, event_id) AS model FROM facts
       JOIN IDS ON ids.id = facts.subject_id
       WHERE account_id = $1 AND type IN ('offering.created', 'offering.updated') AND model IS NOT NULL
       GROUP BY subject_id`,
      accountId,
      offeringIds,
    );
    return new Map(rows.map((r) => [r.subject_id, r.model]));
  }

  async offeringsOf(accountId: string, entitlementIds: readonly string[]): Promise<Map<string, string>> {
    const rows = await this.lookup<{ entitlement_id: string; offering_id: string }>(
      `SELECT entitlement_id, last(offering_id ORDER BY at_ms, event_id) AS offering_id FROM facts
       JOIN IDS ON ids.id = facts.entitlement_id
       WHERE account_id = $1 AND type IN ('entitlement.created', 'entitlement.offering_changed') AND offering_id IS NOT NULL
       GROUP BY entitlement_id`,
      accountId,
      entitlementIds,
    );
    return new Map(rows.map((r) => [r.entitlement_id, r.offering_id]));
  }

  /** Runs `query` with IDS standing for a table of the bound `ids` (joined by hash: one scan per batch). */
  private lookup<T>(query: string, accountId: string, ids: readonly string[]): Promise<T[]> {
    if (ids.length === 0) return Promise.resolve([]);
    const list = `(SELECT unnest([${ids.map((_, i) => `$${i + 2}`).join(', ')}]) AS id) ids`;
    return this.rows<T>(query.replace('IDS', list), [accountId, ...ids]);
  }

  private forgetLevels(): void {
    this.levels.clear();
    this.levelsAt = null;
    this.levelsWhole = false;
    this.levelRows = null;
    this.pendingLevels.clear();
  }

  /** Empties the store: the next projection starts from the first event. */
  async reset(): Promise<void> {
    this.forgetLevels();
    await this.conn.run('BEGIN TRANSACTION');
    await this.conn.run('DELETE FROM facts');
    await this.conn.run('DELETE FROM devices');
    await this.conn.run('DELETE FROM validations');
    await this.conn.run('DELETE FROM entitlements_now');
    await this.conn.run('DELETE FROM seat_levels');
    await this.conn.run('DELETE FROM seat_levels_now');
    await this.conn.run('DELETE FROM purchase_inputs');
    await this.conn.run('DELETE FROM seat_purchases');
    await this.conn.run('DELETE FROM checkpoint');
    await this.conn.run('COMMIT');
  }

  /** Closes this connection (a file's instance stays cached for the process; a memory one goes). */
  close(): void {
    this.conn.closeSync();
    if (this.file === ':memory:') this.instance.closeSync();
  }
}
