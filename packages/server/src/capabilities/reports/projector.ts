/**
 * The projector: reads the event log from the reporting store's checkpoint on, turns each event
 * into a fact row and appends the batch with the new checkpoint in one DuckDB transaction. It runs
 * as a background job (never inside a request), and each run catches up in batches.
 *
 * Exactly once: the checkpoint and the rows commit together, so a process killed mid-batch
 * leaves the store at the previous checkpoint and the next run reads the batch again.
 *
 * One writer: a DuckDB file has one writer process (DuckDB locks the file), and inside a process
 * runs are serialised here. With several processes on PostgreSQL, each run also holds a
 * transaction-scoped advisory lock keyed by the store's file path, so processes sharing one
 * reporting file (on a shared volume) take turns instead of racing: the one that holds the lock is
 * the projector for that run. Processes with files of their own each keep theirs up to date.
 */
import { sql } from 'kysely';
import { createHash } from 'node:crypto';
import type { Database } from '../../platform/store/database.js';
import { eventFeedOf, type EventFeed, type FeedEvent } from './feed.js';
import type { Checkpoint, Fact, ReportStore } from './store/duck.js';

export interface ProjectorOptions {
  batch: number;
  holdMs: number;
}

export interface CatchUp {
  projected: number;
  /** False when another process held the projector's lock this time. */
  elected: boolean;
}

const DEACTIVATIONS = new Set(['activation.deactivated', 'activation.released']);

function field(after: Record<string, unknown> | null, name: string): string | null {
  const v = after?.[name];
  return typeof v === 'string' ? v : null;
}

function parse(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The fact an event becomes (platform and version of a deactivation are filled from its activation). */
export function factOf(e: FeedEvent): Fact {
  const after = parse(e.after);
  return {
    accountId: e.accountId,
    eventId: e.id,
    type: e.type,
    at: e.at,
    subjectId: e.subjectId,
    productId: e.productId,
    customerId: e.customerId,
    entitlementId: e.entitlementId,
    platform: e.type === 'activation.created' ? field(after, 'platform') : null,
    version: e.type === 'activation.created' ? field(after, 'version') : null,
    reason: field(after, 'reason') ?? field(after, 'endReason'),
  };
}

export class Projector {
  private readonly feed: EventFeed;
  private running: Promise<CatchUp> | null = null;
  private readonly lockKey: bigint;

  constructor(
    private readonly database: Database,
    readonly store: ReportStore,
    private readonly options: ProjectorOptions,
  ) {
    this.feed = eventFeedOf(database);
    this.lockKey = createHash('sha256').update(`leasehold-reports:${store.file}`).digest().readBigInt64BE(0);
  }

  /** Projects everything committed so far (joins a run in progress instead of starting another). */
  catchUp(maxBatches = Infinity): Promise<CatchUp> {
    this.running ??= this.elected(maxBatches).finally(() => (this.running = null));
    return this.running;
  }

  private async elected(maxBatches: number): Promise<CatchUp> {
    if (this.database.dialect !== 'postgres' || this.store.file === ':memory:') {
      return { projected: await this.run(maxBatches), elected: true };
    }
    return this.database.db.connection().execute(async (conn) => {
      const { rows } = await sql<{ ok: boolean }>`SELECT pg_try_advisory_lock(${this.lockKey.toString()}::bigint) AS ok`.execute(conn);
      if (!rows[0]?.ok) return { projected: 0, elected: false };
      try {
        return { projected: await this.run(maxBatches), elected: true };
      } finally {
        await sql`SELECT pg_advisory_unlock(${this.lockKey.toString()}::bigint)`.execute(conn);
      }
    });
  }

  private async run(maxBatches: number): Promise<number> {
    let checkpoint = await this.store.checkpoint();
    let projected = 0;
    for (let n = 0; n < maxBatches; n++) {
      const events = await this.feed.after(checkpoint.position, this.options.batch);
      if (events.length === 0) break;
      checkpoint = await this.project(events, checkpoint);
      projected += events.length;
      if (events.length < this.options.batch) break;
    }
    return projected;
  }

  private async project(events: FeedEvent[], checkpoint: Checkpoint): Promise<Checkpoint> {
    const facts = events.map(factOf);
    await this.fillDevices(facts);
    const hold = this.options.holdMs;
    return this.store.append(facts, checkpoint, events[events.length - 1]!.position, hold > 0 ? () => holdBeforeCommit(hold, facts.length) : undefined);
  }

  /** A deactivation carries only what changed: its platform and version come from the activation. */
  private async fillDevices(facts: Fact[]): Promise<void> {
    const known = new Map<string, Fact>();
    const missing = new Map<string, Set<string>>();
    for (const f of facts) {
      if (f.type === 'activation.created') known.set(f.subjectId, f);
      else if (DEACTIVATIONS.has(f.type) && !known.has(f.subjectId)) {
        const set = missing.get(f.accountId) ?? new Set<string>();
        set.add(f.subjectId);
        missing.set(f.accountId, set);
      }
    }
    const stored = new Map<string, { platform: string | null; version: string | null }>();
    for (const [accountId, ids] of missing) for (const [id, d] of await this.store.devices(accountId, [...ids])) stored.set(id, d);
    for (const f of facts) {
      if (!DEACTIVATIONS.has(f.type)) continue;
      const d = known.get(f.subjectId) ?? stored.get(f.subjectId);
      f.platform = d?.platform ?? null;
      f.version = d?.version ?? null;
    }
  }
}

async function holdBeforeCommit(ms: number, rows: number): Promise<void> {
  // A crash drill kills the process here: rows appended, checkpoint written, nothing committed.
  process.stdout.write(`reports: batch of ${rows} appended, commit in ${ms} ms\n`);
  await new Promise((r) => setTimeout(r, ms));
}
