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
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Checkpoint, DeviceFacts, Fact, FeedPosition, ReportStorePort } from '../ports.js';

/** Ids per device lookup: below DuckDB's index_scan_max_count (2048), so the index answers. */
const DEVICE_CHUNK = 1000;

/** Before the first event. */
const FEED_START: FeedPosition = { major: -1n, minor: '' };

/** Bump when the tables below change: an older file is rebuilt from the log at start. */
export const SCHEMA_VERSION = 4;

const TABLES = [
  `CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS facts (
     account_id VARCHAR NOT NULL, event_id VARCHAR NOT NULL, type VARCHAR NOT NULL, at_ms BIGINT NOT NULL,
     subject_id VARCHAR NOT NULL, product_id VARCHAR, customer_id VARCHAR, entitlement_id VARCHAR,
     platform VARCHAR, version VARCHAR, reason VARCHAR,
     offering_id VARCHAR, model VARCHAR, previous_model VARCHAR,
     previous_platform VARCHAR, previous_version VARCHAR, feature VARCHAR, quantity BIGINT,
     ends_at BIGINT, maintenance_until BIGINT, state VARCHAR,
     version_key VARCHAR, channel VARCHAR, upgrade_paths INTEGER)`,
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
  `CREATE TABLE IF NOT EXISTS checkpoint (
     id INTEGER PRIMARY KEY, major BIGINT NOT NULL, minor VARCHAR NOT NULL, events BIGINT NOT NULL, last_event_at BIGINT)`,
];

export class ReportStore implements ReportStorePort {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    readonly file: string,
  ) {}

  /**
   * Opens (or creates) the store; `:memory:` for a store that lives with the process. `threads`
   * bounds DuckDB's worker threads (its default is one per core, which a report query then takes
   * from the licensing requests served by the same process).
   */
  static async open(file: string, opts: { threads?: number } = {}): Promise<ReportStore> {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    // One instance per file and process (several servers in one test process share it).
    const instance = file === ':memory:' ? await DuckDBInstance.create(file) : await DuckDBInstance.fromCache(file);
    const conn = await instance.connect();
    if (opts.threads !== undefined) await conn.run(`SET threads = ${Math.trunc(opts.threads)}`);
    const store = new ReportStore(instance, conn, file);
    await store.migrate();
    return store;
  }

  private async migrate(): Promise<void> {
    for (const ddl of TABLES) await this.conn.run(ddl);
    const rows = await this.rows<{ value: string }>(`SELECT value FROM meta WHERE key = 'schema'`);
    if (rows[0]?.value !== String(SCHEMA_VERSION)) {
      // Everything but meta is the log's, projected: an older shape is dropped and projected again.
      for (const table of ['facts', 'devices', 'validations', 'checkpoint']) await this.conn.run(`DROP TABLE IF EXISTS ${table}`);
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
        if (f.upgradePaths === null) appender.appendNull();
        else appender.appendInteger(f.upgradePaths);
        appender.endRow();
      }
      appender.closeSync();
      await this.appendValidations(facts);
      await this.appendDevices(facts, expected.events);
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
      return { position: next, events, lastEventAt };
    } catch (error) {
      await this.conn.run('ROLLBACK').catch(() => {});
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

  /** Empties the store: the next projection starts from the first event. */
  async reset(): Promise<void> {
    await this.conn.run('BEGIN TRANSACTION');
    await this.conn.run('DELETE FROM facts');
    await this.conn.run('DELETE FROM devices');
    await this.conn.run('DELETE FROM validations');
    await this.conn.run('DELETE FROM checkpoint');
    await this.conn.run('COMMIT');
  }

  /** Closes this connection (a file's instance stays cached for the process; a memory one goes). */
  close(): void {
    this.conn.closeSync();
    if (this.file === ':memory:') this.instance.closeSync();
  }
}
