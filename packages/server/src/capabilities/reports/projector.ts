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
import type { Checkpoint, DeviceFacts, EventFeed, Fact, FeedEvent, ProjectorElection, ReportStorePort } from './ports.js';

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
  private running: Promise<CatchUp> | null = null;

  constructor(
    private readonly feed: EventFeed,
    private readonly store: ReportStorePort,
    private readonly election: ProjectorElection,
    private readonly options: ProjectorOptions,
  ) {}

  /** Projects everything committed so far (joins a run in progress instead of starting another). */
  catchUp(maxBatches = Infinity): Promise<CatchUp> {
    this.running ??= this.elected(maxBatches).finally(() => (this.running = null));
    return this.running;
  }

  private async elected(maxBatches: number): Promise<CatchUp> {
    const projected = await this.election.run(() => this.run(maxBatches));
    return projected === undefined ? { projected: 0, elected: false } : { projected, elected: true };
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
    return this.store.append(
      facts,
      checkpoint,
      events[events.length - 1]!.position,
      hold > 0 ? () => holdBeforeCommit(hold, facts.length) : undefined,
    );
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
    const stored = new Map<string, DeviceFacts>();
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
