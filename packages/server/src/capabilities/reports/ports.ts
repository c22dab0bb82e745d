import type { Page, PageRequest } from '../../platform/domain/model.js';

/**
 * What the reporting projector asks of storage: the event log's feed (store/feed.ts, on the main
 * database) and the reporting store (store/duck.ts, DuckDB).
 */

/** Where the reader stands: (transaction id, event id) on PostgreSQL, (rowid, '') on SQLite. */
export interface FeedPosition {
  major: bigint;
  minor: string;
}

/** An event as the projector reads it: the log's row, across accounts. */
export interface FeedEvent {
  position: FeedPosition;
  accountId: string;
  id: string;
  type: string;
  subjectId: string;
  customerId: string | null;
  entitlementId: string | null;
  productId: string | null;
  after: string | null;
  at: number;
}

export interface EventFeed {
  /** Committed events after `from`, oldest first, at most `limit`; never one that commits below `from` later. */
  after(from: FeedPosition, limit: number): Promise<FeedEvent[]>;
  /**
   * When the oldest committed event after `from` was written, or null when there is none: also the
   * events `after` holds back (on PostgreSQL, those of transactions younger than one still open),
   * so the lag shows a feed held back instead of reading 0.
   */
  oldestPendingAt(from: FeedPosition): Promise<number | null>;
}

/** One projector among several processes: `run` runs `work` when this one is elected, else answers undefined. */
export interface ProjectorElection {
  run<T>(work: () => Promise<T>): Promise<T | undefined>;
}

export interface Fact {
  accountId: string;
  eventId: string;
  type: string;
  at: number;
  subjectId: string;
  productId: string | null;
  customerId: string | null;
  entitlementId: string | null;
  platform: string | null;
  version: string | null;
  reason: string | null;
  /** The offering an offering's or an entitlement's event is about (for an offering change: the new one). */
  offeringId: string | null;
  /** That offering's license model (perpetual, subscription, trial, usage), as projected. */
  model: string | null;
  /** For an offering change: the license model the entitlement had before. */
  previousModel: string | null;
  /** For a device's update: the platform and version it had before (the deployment by either moves). */
  previousPlatform: string | null;
  previousVersion: string | null;
  /** A usage period's feature and what was used in it (`usage.period_closed`). */
  feature: string | null;
  quantity: number | null;
  /** An entitlement's end and maintenance end when the event set them (NO_END when cleared; null: unchanged). */
  endsAt: number | null;
  maintenanceUntil: number | null;
  /** An entitlement's state when the event set it (a release's status, for release events). */
  state: string | null;
  /**
   * The sort key (semver precedence, the contract's versionKey) of a device's version (activation
   * events, when it parses) or of a release's (`release.created`).
   */
  versionKey: string | null;
  /** A release's channel (`release.created`, and `release.updated` when it changed). */
  channel: string | null;
  /** How many upgrade paths an offering has, when the event set them (offering events). */
  upgradePaths: number | null;
  /**
   * Seats: an offering's (offering events), or an entitlement's seat override (entitlement events
   * that carry its overrides; NO_OVERRIDE when it has none, so the offering's count applies).
   * Null: the event left them alone.
   */
  seats: number | null;
  /** A `validation.summary`'s counts: one row each in the store's `validations` table. */
  validations: ValidationCountFact[] | null;
}

export interface ValidationCountFact {
  productId: string | null;
  customerId: string | null;
  entitlementId: string | null;
  code: string;
  count: number;
}

/** An end cleared by the event (the entitlement runs forever from then on), beside null for "unchanged". */
export const NO_END = -1;

/** An entitlement without a seat override (it has its offering's seats), beside null for "unchanged". */
export const NO_OVERRIDE = -1;

export interface Checkpoint {
  position: FeedPosition;
  events: number;
  lastEventAt: number | null;
}

export interface DeviceFacts {
  platform: string | null;
  version: string | null;
}

export interface ReportStorePort {
  checkpoint(): Promise<Checkpoint>;
  /** Appends a batch and moves the checkpoint in one transaction; refuses when the checkpoint is no longer `expected`. */
  append(facts: readonly Fact[], expected: Checkpoint, next: FeedPosition, beforeCommit?: () => Promise<void>): Promise<Checkpoint>;
  /** Platform and version of activations already projected, keyed `account/activation`. */
  devices(keys: ReadonlyArray<{ accountId: string; activationId: string }>): Promise<Map<string, DeviceFacts>>;
  /** The license model of offerings already projected. */
  models(accountId: string, offeringIds: readonly string[]): Promise<Map<string, string>>;
  /** The offering each entitlement was last projected on. */
  offeringsOf(accountId: string, entitlementIds: readonly string[]): Promise<Map<string, string>>;
  reset(): Promise<void>;
}

/** A custom report kept under a name: a query of the semantic model without its range (given when it runs). */
export interface SavedReportRecord {
  id: string;
  name: string;
  /** The product of the key that saved it (a product-limited key sees its product's only); null: the account's. */
  productId: string | null;
  query: SavedQuery;
  createdAt: number;
  updatedAt: number;
}

export interface SavedQuery {
  measures: string[];
  dimensions: string[];
  filters: Array<{ dimension: string; values: string[] }>;
  granularity: string;
}

export interface SavedReportsPort {
  insert(r: SavedReportRecord): Promise<void>;
  update(r: SavedReportRecord): Promise<void>;
  delete(id: string): Promise<void>;
  find(id: string): Promise<SavedReportRecord | undefined>;
  list(page: PageRequest): Promise<Page<SavedReportRecord>>;
}

/** How often a scheduled export runs; each run covers the whole period before it (yesterday, last ISO week, last month). */
export type ExportCadence = 'daily' | 'weekly' | 'monthly';

/** Where an export's CSV goes: a signed HTTPS POST, or an email with the CSV attached. */
export type ExportDestination = { kind: 'url'; url: string } | { kind: 'email'; to: string };

/** A saved report's scheduled export (main database, migration 0047). */
export interface ReportExportRecord {
  id: string;
  savedReportId: string;
  /** The saved report's product (the scope it runs in); null: the account's. */
  productId: string | null;
  cadence: ExportCadence;
  /** The UTC hour (0-23) it runs at. */
  hour: number;
  destination: ExportDestination;
  /** A URL destination's signing secret, sealed by the master key; null for email. */
  secretSealed: string | null;
  /** When the next scheduled run is due; moved forward by the process that claims it. */
  nextRunAt: number;
  /** When it was paused (migration 0049): the job makes no scheduled run of it until it is resumed. Null: running. */
  pausedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export type ExportRunStatus = 'pending' | 'delivered' | 'failed';

/** One run of an export: the period it covers and how its delivery went. */
export interface ReportExportRunRecord {
  id: string;
  exportId: string;
  trigger: 'schedule' | 'manual';
  /** When the run was started (its scheduled time, or when it was asked for). */
  at: number;
  from: number;
  to: number;
  /** Rows in the CSV (null until it was computed). */
  rows: number | null;
  status: ExportRunStatus;
  attempts: number;
  /** When the next attempt is due (while pending; moved ahead by the process that claims it). */
  nextAttemptAt: number | null;
  error: string | null;
}

export interface ReportExportsPort {
  insert(r: ReportExportRecord): Promise<void>;
  update(r: ReportExportRecord): Promise<void>;
  /** Deletes the export and its run log. */
  delete(id: string): Promise<void>;
  find(id: string): Promise<ReportExportRecord | undefined>;
  list(page: PageRequest): Promise<Page<ReportExportRecord>>;
  /** Moves next_run_at from `seen` to `next` if no other process did and it is not paused: true when this one claimed the run. */
  advance(id: string, seen: number, next: number): Promise<boolean>;
  insertRun(r: ReportExportRunRecord): Promise<void>;
  findRun(id: string): Promise<ReportExportRunRecord | undefined>;
  /** Moves a pending run's next attempt from `seen` to `until` if no other process did: true when this one claimed it. */
  claimRun(id: string, seen: number, until: number): Promise<boolean>;
  /** Writes an attempt's outcome if the run is still claimed until `claimedUntil`; false when it is not. */
  settleRun(r: ReportExportRunRecord, claimedUntil: number): Promise<boolean>;
  runs(exportId: string, page: PageRequest): Promise<Page<ReportExportRunRecord>>;
}

/** Scheduled work across accounts: what the export job looks at before claiming it in the account's transaction. */
export interface ExportSchedulePort {
  dueExports(now: number, limit: number): Promise<Array<{ accountId: string; id: string; nextRunAt: number }>>;
  dueRuns(now: number, limit: number): Promise<Array<{ accountId: string; id: string; nextAttemptAt: number }>>;
}

declare module '../../platform/domain/ports.js' {
  interface Tx {
    readonly savedReports: SavedReportsPort;
    readonly reportExports: ReportExportsPort;
  }
}
