/**
 * The wiring of the reporting store and its projector to a server's Services (kept beside the
 * routes, which need it; the job and the CLI reach it too): one per Services (tests run several servers in
 * one process; servers on one data directory share the file's DuckDB instance).
 */
import { hostname } from 'node:os';
import { DomainError } from '../../../platform/domain/errors.js';
import type { Services } from '../../../platform/http/services.js';
import { Projector } from '../projector.js';
import { reportSettings } from '../settings.js';
import { ReportStore } from '../store/duck.js';
import { electionOf, eventFeedOf } from '../store/feed.js';

export interface Reporting {
  store: ReportStore;
  projector: Projector;
}

const runtimes = new WeakMap<Services, Promise<Reporting>>();
/** When opening last failed: the file is not tried again for a while (another process holds it). */
const failures = new WeakMap<Services, { at: number; error: DomainError }>();
const RETRY_OPEN_MS = 30_000;

/** This process's reporting store and its projector (the HTTP layer, the job and the CLI share them). */
export function reportingOf(services: Services): Promise<Reporting> {
  // Elected mode: only the leader opens a store (a follower forwards; see forward.ts).
  const leadership = services.reportsLeadership;
  if (leadership && leadership.role !== 'leader')
    return Promise.reject(
      new DomainError('SERVICE_UNAVAILABLE', 'This process does not hold the reporting store now.', { reason: 'not leader' }),
    );
  const failed = failures.get(services);
  if (failed && services.clock.now() - failed.at < RETRY_OPEN_MS) return Promise.reject(failed.error);
  let p = runtimes.get(services);
  if (!p) {
    const settings = reportSettings();
    p = ReportStore.open(services.reportsFile ?? ':memory:', { threads: settings.threads }).then(
      (store) => {
        const database = services.store.database;
        return { store, projector: new Projector(eventFeedOf(database), store, electionOf(database, store.file), settings) };
      },
      (error: unknown) => {
        runtimes.delete(services);
        const refusal = new DomainError('SERVICE_UNAVAILABLE', 'The reporting store cannot be opened now.', {
          reason: error instanceof Error ? error.message.split('\n')[0] : String(error),
        });
        failures.set(services, { at: services.clock.now(), error: refusal });
        throw refusal;
      },
    );
    runtimes.set(services, p);
  }
  return p;
}

const quiet = new WeakMap<Services, number>();

/**
 * The projector's background run. A failure (the main database down, the file held by another
 * process) is reported once a minute, not every 200 ms; the next run tries again.
 */
export async function projectInBackground(services: Services): Promise<unknown> {
  // Elected mode: followers do not project (their store is never opened).
  if (services.reportsLeadership && services.reportsLeadership.role !== 'leader') return undefined;
  try {
    return await (await reportingOf(services)).projector.catchUp();
  } catch (error) {
    const last = quiet.get(services);
    const now = services.clock.now();
    if (last !== undefined && now - last < 60_000) return undefined;
    quiet.set(services, now);
    throw error;
  }
}

export interface ReportStatus {
  store: 'duckdb';
  /** The account's last projected event. */
  lastEventAt: number | null;
  /** How long the oldest event not yet projected has waited (0: the store is up to date). */
  lagMs: number;
  /** The account's events in the reporting store. */
  events: number;
  /** The process that received the request, and its role (`local`: it keeps its own store). */
  process: { id: string; role: 'local' | 'leader' | 'follower' };
  /** The process whose store answered: itself, or the elected leader a follower forwarded to (with its term). */
  answeredBy: { id: string; role: 'local' | 'leader'; term: number | null };
}

/** This process, as the status names it: host and process id. */
export const PROCESS_ID = `${hostname()}:${process.pid}`;

/** Where the reporting store stands for an account: its events, and how far behind the log it is. */
export async function reportStatus(services: Services, accountId: string): Promise<ReportStatus> {
  const { store } = await reportingOf(services);
  const checkpoint = await store.checkpoint();
  const pendingAt = await eventFeedOf(services.store.database).oldestPendingAt(checkpoint.position);
  const [mine] = await store.rows<{ events: number; last: bigint | null }>(
    'SELECT count(*)::INTEGER AS events, max(at_ms) AS last FROM facts WHERE account_id = $1',
    [accountId],
  );
  const leadership = services.reportsLeadership;
  const me = leadership
    ? { id: leadership.processId, role: 'leader' as const, term: leadership.term }
    : { id: PROCESS_ID, role: 'local' as const, term: null };
  return {
    process: { id: me.id, role: me.role },
    answeredBy: me,
    store: 'duckdb',
    lastEventAt: mine?.last === null || mine?.last === undefined ? null : Number(mine.last),
    lagMs: pendingAt === null ? 0 : Math.max(0, services.clock.now() - pendingAt),
    events: mine?.events ?? 0,
  };
}

/** Empties the store and projects the whole log again (`leasehold reports rebuild`). */
export async function rebuildReports(services: Services): Promise<number> {
  const { projector } = await reportingOf(services);
  await projector.reset();
  return (await projector.catchUp()).projected;
}
