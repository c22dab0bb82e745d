import type { Harness } from './harness.js';

/** How many items a list endpoint holds, following cursors to the end. */
export async function countAll(h: Harness, url: string, key?: string): Promise<number> {
  let total = 0;
  let cursor: string | null = null;
  do {
    const sep = url.includes('?') ? '&' : '?';
    const res = await h.call('GET', `${url}${sep}limit=500${cursor ? `&cursor=${cursor}` : ''}`, undefined, { key });
    if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${JSON.stringify(res.body)}`);
    total += res.body.data.length;
    cursor = res.body.nextCursor;
  } while (cursor);
  return total;
}

/** The number of events in the account of `key` (default: the harness's admin key). */
export function eventCount(h: Harness, key?: string): Promise<number> {
  return countAll(h, '/v1/events', key);
}
