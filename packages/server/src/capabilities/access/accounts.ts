import type { Clock } from '../../foundation/clock.js';
import type { IdGenerator } from '../../foundation/ids.js';
import type { MasterKey } from '../../secrets/master-key.js';
import type { Store } from '../../platform/domain/ports.js';
import { generateApiKeyToken } from '../../secrets/api-key-tokens.js';
import { insertApiKey } from './api-keys.js';
import { recordEvent } from '../events/record.js';

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
  return accountStore.write(async (tx) => {
    const ctx = { ...deps, store: accountStore, actor: { type: 'system' as const, id: null }, requestId: null };
    await tx.account.insert(name, deps.clock.now());
    await recordEvent(tx, ctx, { type: 'account.created', subjectType: 'account', subjectId: accountId, after: { id: accountId, name } });
    const key = await insertApiKey(tx, ctx, { name: 'First admin key', role: 'admin' }, adminKey);
    return { accountId, apiKeyId: key.id, adminKey };
  });
}
