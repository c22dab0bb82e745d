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
import { parseVersion, versionKey } from '@leasehold/contract';
import {
  NO_END,
  NO_OVERRIDE,
  type Checkpoint,
  type DeviceFacts,
  type EventFeed,
  type Fact,
  type FeedEvent,
  type ProjectorElection,
  type ReportStorePort,
  type ValidationCountFact,
} from './ports.js';
import { Recall } from '../../platform/recall.js';

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
/** Events that set a device's platform and version. */
const DEVICE_STATE = new Set(['activation.created', 'activation.updated']);

function field(after: Record<string, unknown> | null, name: string): string | null {
  const v = after?.[name];
  return typeof v === 'string' ? v : null;
}

/** A time the event set (ISO 8601 in `after`), NO_END when it set none, null when it left it alone. */
function time(after: Record<string, unknown> | null, name: string): number | null {
  if (!after || !(name in after)) return null;
  const v = after[name];
  if (v === null) return NO_END;
  return typeof v === 'string' && !/^\d+$/.test(v) ? finite(Date.parse(v)) : whole(v);
}

/** A number the event carries (PostgreSQL's bigint columns reach the log as strings of digits). */
function whole(v: unknown): number | null {
  return typeof v === 'number' ? finite(v) : typeof v === 'string' && /^-?\d+$/.test(v) ? finite(Number(v)) : null;
}

function finite(n: number): number | null {
  return Number.isFinite(n) ? n : null;
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
  const entitlement = e.type.startsWith('entitlement.');
  const release = e.type.startsWith('release.');
  return {
    accountId: e.accountId,
    eventId: e.id,
    type: e.type,
    at: e.at,
    subjectId: e.subjectId,
    productId: e.productId,
    customerId: e.customerId,
    entitlementId: e.entitlementId,
    // An update carries only what changed; fillDevices completes it from the device's state.
    platform: DEVICE_STATE.has(e.type) ? field(after, 'platform') : null,
    version: DEVICE_STATE.has(e.type) ? field(after, 'version') : e.type === 'release.created' ? field(after, 'version') : null,
    reason: field(after, 'reason') ?? field(after, 'endReason'),
    offeringId: e.type.startsWith('offering.') ? e.subjectId : e.type.startsWith('entitlement.') ? field(after, 'offeringId') : null,
    model: e.type.startsWith('offering.') ? field(after, 'licenseModel') : null,
    previousModel: null,
    previousPlatform: null,
    previousVersion: null,
    feature: e.type === 'usage.period_closed' ? field(after, 'feature') : null,
    quantity: e.type === 'usage.period_closed' ? whole(after?.['used']) : null,
    endsAt: entitlement ? time(after, 'endsAt') : null,
    maintenanceUntil: entitlement ? time(after, 'maintenanceUntil') : null,
    state: entitlement ? field(after, 'state') : release ? (e.type === 'release.deleted' ? 'deleted' : field(after, 'status')) : null,
    versionKey: e.type === 'release.created' ? field(after, 'versionKey') : null,
    channel: release ? field(after, 'channel') : null,
    upgradePaths:
      e.type.startsWith('offering.') && Array.isArray(after?.['upgradePaths']) ? (after['upgradePaths'] as unknown[]).length : null,
    validations: e.type === 'validation.summary' ? validationCounts(after) : null,
    seats: e.type.startsWith('offering.') ? whole(after?.['seats']) : entitlement ? seatOverride(after) : null,
  };
}

/**
 * The seat override an entitlement event carries: its snapshot's `overrides.seats`, NO_OVERRIDE
 * when the snapshot has overrides without seats, null when the event carries no snapshot (a key
 * issued, a seat assigned in the portal) and so changed nothing.
 */
function seatOverride(after: Record<string, unknown> | null): number | null {
  const overrides = after?.['overrides'];
  if (!overrides || typeof overrides !== 'object') return null;
  return whole((overrides as Record<string, unknown>)['seats']) ?? NO_OVERRIDE;
}

/** The counts a `validation.summary` carries (rows that are not well formed are left out). */
function validationCounts(after: Record<string, unknown> | null): ValidationCountFact[] {
  const rows = after?.['counts'];
  if (!Array.isArray(rows)) return [];
  const out: ValidationCountFact[] = [];
  for (const r of rows as Array<Record<string, unknown> | null>) {
    const count = whole(r?.['count']);
    const code = field(r ?? null, 'code');
    if (count === null || count <= 0 || code === null) continue;
    out.push({
      productId: field(r, 'productId'),
      customerId: field(r, 'customerId'),
      entitlementId: field(r, 'entitlementId'),
      code,
      count,
    });
  }
  return out;
}

/** Sort keys of device versions (few distinct ones): null for a version that is not semver. */
const versionKeys = new Map<string, string | null>();
function keyOfVersion(v: string | null): string | null {
  if (v === null) return null;
  const known = versionKeys.get(v);
  if (known !== undefined) return known;
  const parsed = parseVersion(v);
  const key = parsed ? versionKey(parsed) : null;
  if (versionKeys.size < 10_000) versionKeys.set(v, key);
  return key;
}

/** Platforms and versions are few: one string each, however many devices carry it. */
const interned = new Map<string, string>();
function intern(v: string | null): string | null {
  if (v === null || v.length > 100) return v;
  const known = interned.get(v);
  if (known !== undefined) return known;
  if (interned.size < 10_000) interned.set(v, v);
  return v;
}

export class Projector {
  private running: Promise<CatchUp> | null = null;
  /**
   * Facts of committed (or about to be committed) events: an activation's platform and version,
   * an offering's license model, an entitlement's offering. Forgotten when a batch fails or the
   * store is emptied, so they never run ahead of the store.
   */
  private readonly devices = new Recall<DeviceFacts>();
  private readonly models = new Recall<string>();
  private readonly offerings = new Recall<string>();

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

  /** Empties the store (a rebuild): the next run projects the whole log. */
  async reset(): Promise<void> {
    this.forget();
    await this.store.reset();
  }

  private forget(): void {
    this.devices.clear();
    this.models.clear();
    this.offerings.clear();
  }

  private async project(events: FeedEvent[], checkpoint: Checkpoint): Promise<Checkpoint> {
    const hold = this.options.holdMs;
    try {
      const facts = events.map(factOf);
      await this.fillDevices(facts);
      for (const f of facts) if (f.type.startsWith('activation.')) f.versionKey = keyOfVersion(f.version);
      await this.fillModels(facts);
      return await this.store.append(
        facts,
        checkpoint,
        events[events.length - 1]!.position,
        hold > 0 ? () => holdBeforeCommit(hold, facts.length) : undefined,
      );
    } catch (error) {
      this.forget();
      throw error;
    }
  }

  /**
   * A deactivation carries only what changed, and so does an update: platform and version come
   * from the device's state, in event order (this batch first, then what the projector recalls,
   * then one indexed lookup in the store for the rest).
   */
  private async fillDevices(facts: Fact[]): Promise<void> {
    const created = new Set<string>();
    const missing = new Map<string, { accountId: string; activationId: string }>();
    for (const f of facts) {
      if (f.type !== 'activation.created' && !DEVICE_STATE.has(f.type) && !DEACTIVATIONS.has(f.type)) continue;
      const key = `${f.accountId}/${f.subjectId}`;
      if (f.type === 'activation.created') created.add(key);
      else if (!created.has(key) && !missing.has(key) && this.devices.get(key) === undefined)
        missing.set(key, { accountId: f.accountId, activationId: f.subjectId });
    }
    const stored = missing.size > 0 ? await this.store.devices([...missing.values()]) : new Map<string, DeviceFacts>();
    const state = new Map<string, DeviceFacts>();
    for (const f of facts) {
      const key = `${f.accountId}/${f.subjectId}`;
      if (f.type === 'activation.created') {
        f.platform = intern(f.platform);
        f.version = intern(f.version);
      } else if (DEVICE_STATE.has(f.type) || DEACTIVATIONS.has(f.type)) {
        const d = state.get(key) ?? this.devices.get(key) ?? stored.get(key);
        if (f.type === 'activation.updated') {
          f.previousPlatform = d?.platform ?? null;
          f.previousVersion = d?.version ?? null;
        }
        f.platform = intern(f.platform ?? d?.platform ?? null);
        f.version = intern(f.version ?? d?.version ?? null);
      } else continue;
      if (DEVICE_STATE.has(f.type)) state.set(key, { platform: f.platform, version: f.version });
    }
    for (const [key, d] of state) this.devices.set(key, d);
  }
  /**
   * The license model of an entitlement's offering as it is at the event (and, for an offering
   * change, the model it had before): from this batch's events first, then from the store.
   */
  private async fillModels(facts: Fact[]): Promise<void> {
    const ENTITLEMENT = new Set(['entitlement.created', 'entitlement.offering_changed']);
    const wanted = new Map<string, { offerings: Set<string>; entitlements: Set<string> }>();
    for (const f of facts) {
      if (!ENTITLEMENT.has(f.type) || f.offeringId === null) continue;
      const w = wanted.get(f.accountId) ?? { offerings: new Set<string>(), entitlements: new Set<string>() };
      w.offerings.add(f.offeringId);
      if (f.type === 'entitlement.offering_changed' && f.entitlementId) w.entitlements.add(f.entitlementId);
      wanted.set(f.accountId, w);
    }
    if (wanted.size === 0) return;
    const models = new Map<string, string>();
    const offeringOf = new Map<string, string>();
    for (const [accountId, w] of wanted) {
      const askE: string[] = [];
      for (const e of w.entitlements) {
        const o = this.offerings.get(`${accountId}/${e}`);
        if (o === undefined) askE.push(e);
        else {
          offeringOf.set(`${accountId}/${e}`, o);
          w.offerings.add(o);
        }
      }
      for (const [e, o] of await this.store.offeringsOf(accountId, askE)) {
        offeringOf.set(`${accountId}/${e}`, o);
        w.offerings.add(o);
      }
      const askO: string[] = [];
      for (const o of w.offerings) {
        const m = this.models.get(`${accountId}/${o}`);
        if (m === undefined) askO.push(o);
        else models.set(`${accountId}/${o}`, m);
      }
      for (const [o, m] of await this.store.models(accountId, askO)) models.set(`${accountId}/${o}`, m);
    }
    // In event order: an offering created, an entitlement on it and its change may share a batch.
    for (const f of facts) {
      if (f.type === 'offering.created' || (f.type === 'offering.updated' && f.model !== null))
        models.set(`${f.accountId}/${f.subjectId}`, f.model!);
      if (!ENTITLEMENT.has(f.type) || f.offeringId === null) continue;
      f.model = models.get(`${f.accountId}/${f.offeringId}`) ?? null;
      const entitlement = `${f.accountId}/${f.entitlementId ?? f.subjectId}`;
      if (f.type === 'entitlement.offering_changed') {
        const previous = offeringOf.get(entitlement);
        f.previousModel = previous === undefined ? null : (models.get(`${f.accountId}/${previous}`) ?? null);
      }
      offeringOf.set(entitlement, f.offeringId);
    }
    for (const [k, m] of models) this.models.set(k, m);
    for (const [k, o] of offeringOf) this.offerings.set(k, o);
  }
}

async function holdBeforeCommit(ms: number, rows: number): Promise<void> {
  // A crash drill kills the process here: rows appended, checkpoint written, nothing committed.
  process.stdout.write(`reports: batch of ${rows} appended, commit in ${ms} ms\n`);
  await new Promise((r) => setTimeout(r, ms));
}
