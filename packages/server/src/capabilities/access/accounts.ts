import type { Clock } from '../../foundation/clock.js';
import type { IdGenerator } from '../../foundation/ids.js';
import type { MasterKey } from '../../secrets/master-key.js';
import type { Store } from '../../platform/domain/ports.js';
import { generateApiKeyToken } from '../../secrets/api-key-tokens.js';
import { insertApiKey } from './api-keys.js';
import { recordEvent } from '../events/record.js';
import { DomainError } from '../../platform/domain/errors.js';

export interface NewAccount {
  accountId: string;
  apiKeyId: string;
  /** The admin key's secret; shown once to whoever created the account. */
  adminKey: string;
}

/** Creates an account and its first admin key, in one transaction. */
export async function createAccount(
  deps: { store: Store; clock: Clock; ids: IdGenerator; secrets: MasterKey },
  name: string,
  adminKey: string = generateApiKeyToken(),
): Promise<NewAccount> {
  const accountId = deps.ids.next('account');
  const accountStore = deps.store.forAccount({ accountId, productId: null });
  const created = await accountStore.write(async (tx) => {
    const ctx = { ...deps, store: accountStore, actor: { type: 'system' as const, id: null }, requestId: null };
    await tx.account.insert(name, deps.clock.now());
    await recordEvent(tx, ctx, { type: 'account.created', subjectType: 'account', subjectId: accountId, after: { id: accountId, name } });
    const key = await insertApiKey(tx, ctx, { name: 'First admin key', role: 'admin' }, adminKey);
    return { accountId, apiKeyId: key.id, adminKey };
  });
  // The first account made becomes the server's default (a no-op for every later one).
  await deps.store.claimSetting(DEFAULT_ACCOUNT, created.accountId);
  return created;
}

const DEFAULT_ACCOUNT = 'default_account';

/**
 * The account the server was set up with: what the bare `/.well-known/jwks.json` answers for, so
 * the applications a vendor installed with that URL keep working when the server gains accounts.
 * Remembered as a setting when the first account is made; on a server from before that, the oldest
 * account, remembered the first time it is asked.
 */
export async function defaultAccount(store: Store): Promise<string> {
  const known = await store.getSetting(DEFAULT_ACCOUNT);
  if (known) return known;
  const [oldest] = await store.accountIds(1);
  if (!oldest) throw new DomainError('NOT_FOUND', 'This server has no account yet.');
  await store.claimSetting(DEFAULT_ACCOUNT, oldest);
  return (await store.getSetting(DEFAULT_ACCOUNT)) ?? oldest;
}
