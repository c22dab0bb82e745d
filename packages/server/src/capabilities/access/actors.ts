import type { Context } from '../../platform/domain/context.js';
import type { Page, PageRequest } from '../../platform/domain/model.js';

export interface ActorNameRecord {
  type: 'user' | 'api_key';
  id: string;
  name: string;
}

/** Enough for any real account; the console shows the id for an actor beyond it. */
const MAX_EACH = 2000;

async function every<T>(list: (page: PageRequest) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await list({ limit: 500, cursor });
    out.push(...page.items);
    cursor = page.next ?? undefined;
  } while (cursor && out.length < MAX_EACH);
  return out;
}

/**
 * The names of the account's console users and API keys, so the event log can say who did a thing
 * to people who may read the log but not manage access (a support desk).
 */
export function actorNames(ctx: Context): Promise<ActorNameRecord[]> {
  return ctx.store.read(async (tx) => {
    const users = await every((p) => tx.staffUsers.list(p));
    const keys = await every((p) => tx.apiKeys.list(p));
    return [
      ...users.map((u) => ({ type: 'user' as const, id: u.id, name: u.name })),
      ...keys.map((k) => ({ type: 'api_key' as const, id: k.id, name: k.name })),
    ];
  });
}
