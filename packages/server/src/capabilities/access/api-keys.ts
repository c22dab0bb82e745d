import type { ApiKeyCreate } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import { DomainError, notFound } from '../../platform/domain/errors.js';
import type { ApiKeyRecord, Page, PageRequest } from '../../platform/domain/model.js';
import { recordEvent } from '../events/record.js';
import { requireProduct } from '../catalog/products.js';
import { apiKeyPrefix, generateApiKeyToken, hashApiKeyToken } from '../../secrets/api-key-tokens.js';
import type { Tx } from '../../platform/domain/ports.js';

export function listApiKeys(ctx: Context, page: PageRequest): Promise<Page<ApiKeyRecord>> {
  return ctx.store.read((tx) => tx.apiKeys.list(page));
}

/** Creates a key; the token is returned here once and only its hash is kept. */
export async function createApiKey(
  ctx: Context,
  input: ApiKeyCreate,
  token = generateApiKeyToken(),
): Promise<{ record: ApiKeyRecord; token: string }> {
  return ctx.store.write(async (tx) => {
    const record = await insertApiKey(tx, ctx, input, token);
    return { record, token };
  });
}

export async function insertApiKey(tx: Tx, ctx: Context, input: ApiKeyCreate, token: string): Promise<ApiKeyRecord> {
  const productId = input.productId
    ? (
        await requireProduct(tx, input.productId).catch(() => {
          throw new DomainError('UNKNOWN_REFERENCE', `No product ${JSON.stringify(input.productId)} in this account.`, {
            field: 'productId',
          });
        })
      ).id
    : null;
  const record: ApiKeyRecord = {
    id: ctx.ids.next('apiKey'),
    accountId: ctx.store.scope.accountId,
    name: input.name,
    role: input.role,
    productId,
    prefix: apiKeyPrefix(token),
    createdAt: ctx.clock.now(),
    lastUsedAt: null,
  };
  await tx.apiKeys.insert(record, hashApiKeyToken(token));
  await recordEvent(tx, ctx, { type: 'api_key.created', subjectType: 'api_key', subjectId: record.id, productId, after: record });
  return record;
}

/** Revokes a key at once. The last unrestricted admin key cannot go: the account would be locked out. */
export function revokeApiKey(ctx: Context, id: string): Promise<void> {
  return ctx.store.write((tx) => revokeApiKeyIn(tx, ctx, id));
}

/** `revokeApiKey` inside the caller's transaction (the NetLicensing face drops its token record beside it). */
export async function revokeApiKeyIn(tx: Tx, ctx: Context, id: string): Promise<void> {
  const key = await tx.apiKeys.find(id);
  if (!key) throw notFound('api key', id);
  if (key.role === 'admin' && key.productId === null && (await tx.apiKeys.countAdmins()) <= 1) {
    throw new DomainError('LAST_ADMIN_KEY', 'This is the last admin key of the account; create another before revoking it.', {
      resolve: 'POST /v1/api-keys with role admin, then revoke this one.',
    });
  }
  await tx.apiKeys.revoke(key.id, ctx.clock.now());
  await recordEvent(tx, ctx, {
    type: 'api_key.revoked',
    subjectType: 'api_key',
    subjectId: key.id,
    productId: key.productId,
    before: key,
  });
}
