import { randomUUID } from 'node:crypto';
import type { Role } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import { DomainError } from '../../platform/domain/errors.js';
import type { EventRecord } from '../../platform/domain/model.js';
import { insertApiKey, revokeApiKeyIn } from '../../capabilities/access/api-keys.js';
import type { Tx } from '../../platform/domain/ports.js';
import { newFace } from './catalog.js';
import { illegal, isoOf, item, list, malformed, mergeProps, nlNotFound, type NlForm, type NlItem } from './entities.js';

/**
 * Tokens and transactions. An APIKEY token is a Leasehold API key: its number (a UUID) is the
 * key itself, shown once, and NetLicensing's API-key roles map onto Leasehold roles. Transactions
 * are a read-only view of the audit log's license and licensee changes.
 */

/** NetLicensing API-key roles → Leasehold roles (the closest that grants at least what is needed, never more than admin). */
export const API_KEY_ROLES: Record<string, Role> = {
  ROLE_APIKEY_LICENSEE: 'readonly',
  ROLE_APIKEY_ANALYTICS: 'readonly',
  ROLE_APIKEY_OPERATION: 'support',
  ROLE_APIKEY_MAINTENANCE: 'admin',
  ROLE_APIKEY_ADMIN: 'admin',
};

const TOKEN_SKIP = new Set(['number', 'tokenType', 'apiKeyRole', 'active', 'vendorNumber']);

function tokenItem(accountId: string, id: string, props: Record<string, string>, number?: string): NlItem {
  return item('Token', { number: number ?? id, active: 'true', ...props, tokenType: 'APIKEY', vendorNumber: accountId });
}

export function createToken(ctx: Context, form: NlForm): Promise<NlItem> {
  const type = form.get('tokenType') ?? 'DEFAULT';
  if (type !== 'APIKEY') {
    throw illegal(`Token type '${type}' is not supported by this server (only APIKEY; shop and action tokens need the NetLicensing shop)`, {
      field: 'tokenType',
    });
  }
  const roleName = form.get('apiKeyRole') || 'ROLE_APIKEY_LICENSEE';
  const role = API_KEY_ROLES[roleName];
  if (!role) throw malformed(`Unknown apiKeyRole '${roleName}'`, 'apiKeyRole');
  if (ctx.store.scope.productId) throw new DomainError('FORBIDDEN', 'A key limited to one product cannot create API keys.');
  return ctx.store.write(async (tx) => {
    const token = randomUUID();
    const record = await insertApiKey(tx, ctx, { name: form.get('name') || `NetLicensing ${roleName}`, role }, token);
    const props = { ...mergeProps({}, form, TOKEN_SKIP), apiKeyRole: roleName };
    await tx.netlicensing.insert(newFace(ctx, 'token', record.id, null, null, props));
    return tokenItem(ctx.store.scope.accountId, record.id, props, token);
  });
}

export function listTokens(ctx: Context): Promise<NlItem[]> {
  return ctx.store.read(async (tx) => {
    const out: NlItem[] = [];
    for (const face of await tx.netlicensing.list('token')) {
      if (await tx.apiKeys.find(face.refId)) out.push(tokenItem(ctx.store.scope.accountId, face.refId, face.props));
    }
    return out;
  });
}

/** `id` is the API key's id (the number lists show); the route resolves a token number to it. */
export function getToken(ctx: Context, id: string): Promise<NlItem> {
  return ctx.store.read(async (tx) => {
    const key = await tx.apiKeys.find(id);
    if (!key) throw nlNotFound('token', id);
    const face = await tx.netlicensing.find('token', id);
    return tokenItem(ctx.store.scope.accountId, id, face?.props ?? { apiKeyRole: roleNameOf(key.role) });
  });
}

const roleNameOf = (role: Role) =>
  role === 'admin' ? 'ROLE_APIKEY_ADMIN' : role === 'support' ? 'ROLE_APIKEY_OPERATION' : 'ROLE_APIKEY_ANALYTICS';

export function deleteToken(ctx: Context, id: string): Promise<void> {
  if (ctx.store.scope.productId) throw new DomainError('FORBIDDEN', 'A key limited to one product cannot revoke API keys.');
  return ctx.store.write(async (tx) => {
    const key = await tx.apiKeys.find(id);
    if (!key) throw nlNotFound('token', id);
    await revokeApiKeyIn(tx, ctx, key.id);
    await tx.netlicensing.delete('token', key.id);
  });
}

// ---- transactions ---------------------------------------------------------------------------

const SOURCES: Record<string, string> = {
  'entitlement.created': 'AUTO_LICENSE_CREATE',
  'entitlement.updated': 'AUTO_LICENSE_UPDATE',
  'entitlement.suspended': 'AUTO_LICENSE_UPDATE',
  'entitlement.resumed': 'AUTO_LICENSE_UPDATE',
  'entitlement.revoked': 'AUTO_LICENSE_DELETE',
  'entitlement.transferred': 'AUTO_LICENSES_TRANSFER',
  'customer.created': 'AUTO_LICENSEE_CREATE',
  'customer.deleted': 'AUTO_LICENSEE_DELETE',
  'customer.retired': 'AUTO_LICENSEE_DELETE',
};

function transactionItem(e: EventRecord, licenseeNumber: string | null): NlItem {
  const licenseNumber = (e.after?.['externalRef'] ?? e.before?.['externalRef'] ?? e.after?.['netlicensingLicenseNumber']) as
    string | undefined;
  return item(
    'Transaction',
    {
      number: e.id,
      active: 'true',
      status: 'CLOSED',
      source: SOURCES[e.type] ?? 'AUTO_LICENSE_UPDATE',
      datecreated: isoOf(e.at),
      dateclosed: isoOf(e.at),
      licenseeNumber: licenseeNumber ?? undefined,
      inUse: 'false',
    },
    e.entitlementId && licenseNumber ? [list('licenseTransactionJoin', { licenseNumber, transactionNumber: e.id })] : [],
  );
}

async function licenseeNumberOf(tx: Tx, customerId: string | null): Promise<string | null> {
  if (!customerId) return null;
  return (await tx.customers.find(customerId))?.externalRef ?? null;
}

export function listTransactions(ctx: Context): Promise<NlItem[]> {
  return ctx.store.read(async (tx) => {
    const out: NlItem[] = [];
    for (const prefix of ['entitlement.*', 'customer.*']) {
      let cursor: string | undefined;
      do {
        const page = await tx.events.list({ type: prefix }, { limit: 500, cursor });
        for (const e of page.items) if (SOURCES[e.type]) out.push(transactionItem(e, await licenseeNumberOf(tx, e.customerId)));
        cursor = page.next ?? undefined;
      } while (cursor);
    }
    return out.sort((a, b) => (a.properties[0]![1] < b.properties[0]![1] ? -1 : 1));
  });
}

export async function getTransaction(ctx: Context, number: string): Promise<NlItem> {
  const found = (await listTransactions(ctx)).find((t) => t.properties.some(([n, v]) => n === 'number' && v === number));
  if (!found) throw nlNotFound('transaction', number);
  return found;
}
