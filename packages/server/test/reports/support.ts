import type { Harness } from '../support/harness.js';
import type { Projector } from '../../src/capabilities/reports/projector.js';
import type { ReportStorePort } from '../../src/capabilities/reports/ports.js';
import { reportingOf } from '../../src/capabilities/reports/routes/runtime.js';
import { eventFeedOf } from '../../src/capabilities/reports/store/feed.js';

/**
 * Projects every committed event, now. On PostgreSQL the feed holds back events of transactions
 * younger than any still open in the whole server (pg_snapshot_xmin), including other test files'
 * running at the same time on the same PostgreSQL; a test that has committed its events waits here
 * until the feed hands them out, instead of reading a store that is behind and failing.
 */
export async function projectAll(h: Harness, projector?: Projector, store?: ReportStorePort): Promise<number> {
  const runtime = projector && store ? { projector, store } : await reportingOf(h.services);
  const feed = eventFeedOf(h.services.store.database);
  const deadline = Date.now() + 30_000;
  let projected = 0;
  for (;;) {
    projected += (await runtime.projector.catchUp()).projected;
    if ((await feed.oldestPendingAt((await runtime.store.checkpoint()).position)) === null) return projected;
    if (Date.now() > deadline) throw new Error('the event feed held events back for 30 s (a transaction left open on the server?)');
    await new Promise((r) => setTimeout(r, 50));
  }
}
