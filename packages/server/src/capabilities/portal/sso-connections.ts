/** Staff's side of portal SSO: the OpenID Connect connections, their client secret sealed and never shown again. */
import type { PortalSsoConnectionCreate, PortalSsoConnectionUpdate, PortalSsoDomain } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import { DomainError, invalid, notFound } from '../../platform/domain/errors.js';
import type { Page, PageRequest } from '../../platform/domain/model.js';
import type { Tx } from '../../platform/domain/ports.js';
import { requireCustomer } from '../customers/customers.js';
import { recordEvent } from '../events/record.js';
import { refusalOfUrl, type Resolve } from '../webhooks/address-guard.js';
import { SSO_SECRET_PURPOSE, type PortalSsoConnectionRecord } from './records.js';

/** What an event shows of a connection: never the secret, sealed or not. */
const visible = (c: PortalSsoConnectionRecord) => ({
  id: c.id,
  name: c.name,
  issuer: c.issuer,
  clientId: c.clientId,
  customerId: c.customerId,
  domains: c.domains,
  provisioning: c.provisioning,
  defaultRole: c.defaultRole,
  enabled: c.enabled,
});

export interface IssuerPolicy {
  /** LEASEHOLD_PORTAL_SSO_ALLOW_HTTP: a plain-http issuer, and one on a private or loopback address, are allowed. */
  allowHttp: boolean;
  resolve: Resolve;
}

/** The issuer is fetched by the server (discovery, keys, tokens): https to a public address, as webhooks. */
async function checkIssuer(issuer: string, policy: IssuerPolicy): Promise<void> {
  const refusal = await refusalOfUrl(issuer, policy.allowHttp, policy.resolve);
  if (refusal) throw invalid('issuer', `The issuer URL ${refusal}.`, { reason: refusal });
}

async function requireConnection(tx: Tx, id: string): Promise<PortalSsoConnectionRecord> {
  const found = await tx.portalSso.find(id);
  if (!found) throw notFound('SSO connection', id);
  return found;
}

/**
 * The domains as stored: each with the customer it lands in. A customer's connection names no other
 * customer; a connection of the account names one, of this account, for every domain.
 */
async function domainsOf(tx: Tx, customerId: string | null, domains: PortalSsoDomain[]): Promise<PortalSsoConnectionRecord['domains']> {
  const seen = new Set<string>();
  const out: PortalSsoConnectionRecord['domains'] = [];
  for (const [i, d] of domains.entries()) {
    if (seen.has(d.domain)) throw invalid(`domains/${i}/domain`, `The domain ${d.domain} is listed twice.`);
    seen.add(d.domain);
    if (customerId !== null) {
      if (d.customerId !== undefined && d.customerId !== customerId)
        throw invalid(`domains/${i}/customerId`, "A customer's own connection lands every domain in that customer; leave customerId out.");
      out.push({ domain: d.domain, customerId });
    } else {
      if (d.customerId === undefined)
        throw invalid(`domains/${i}/customerId`, 'A connection of the whole account names the customer each domain lands in.');
      const customer = await tx.customers.find(d.customerId);
      if (!customer)
        throw new DomainError('UNKNOWN_REFERENCE', `No customer ${JSON.stringify(d.customerId)} in this account.`, {
          field: `domains/${i}/customerId`,
        });
      out.push({ domain: d.domain, customerId: customer.id });
    }
  }
  return out;
}

export async function createSsoConnection(
  ctx: Context,
  input: PortalSsoConnectionCreate,
  policy: IssuerPolicy,
): Promise<PortalSsoConnectionRecord> {
  await checkIssuer(input.issuer, policy);
  return ctx.store.write(async (tx) => {
    const customerId = input.customerId === undefined ? null : (await requireCustomer(tx, input.customerId)).id;
    const now = ctx.clock.now();
    const connection: PortalSsoConnectionRecord = {
      id: ctx.ids.next('portalSsoConnection'),
      accountId: ctx.store.scope.accountId,
      name: input.name,
      // As given: the provider's discovery document must name exactly this issuer.
      issuer: input.issuer,
      clientId: input.clientId,
      clientSecretSealed: ctx.secrets.encrypt(SSO_SECRET_PURPOSE, input.clientSecret),
      customerId,
      domains: await domainsOf(tx, customerId, input.domains),
      provisioning: input.provisioning ?? true,
      defaultRole: input.defaultRole ?? 'member',
      enabled: input.enabled ?? true,
      createdAt: now,
      updatedAt: now,
    };
    await tx.portalSso.insert(connection);
    await recordEvent(tx, ctx, {
      type: 'portal_sso_connection.created',
      subjectType: 'portal_sso_connection',
      subjectId: connection.id,
      customerId,
      after: visible(connection),
    });
    return connection;
  });
}

export function getSsoConnection(ctx: Context, id: string): Promise<PortalSsoConnectionRecord> {
  return ctx.store.read((tx) => requireConnection(tx, id));
}

export function listSsoConnections(ctx: Context, page: PageRequest, customerRef?: string): Promise<Page<PortalSsoConnectionRecord>> {
  return ctx.store.read(async (tx) =>
    tx.portalSso.list(page, customerRef === undefined ? undefined : (await requireCustomer(tx, customerRef)).id),
  );
}

export async function updateSsoConnection(
  ctx: Context,
  id: string,
  patch: PortalSsoConnectionUpdate,
  policy: IssuerPolicy,
): Promise<PortalSsoConnectionRecord> {
  if (patch.issuer !== undefined) await checkIssuer(patch.issuer, policy);
  return ctx.store.write(async (tx) => {
    const before = await requireConnection(tx, id);
    const after: PortalSsoConnectionRecord = {
      ...before,
      name: patch.name ?? before.name,
      issuer: patch.issuer ?? before.issuer,
      clientId: patch.clientId ?? before.clientId,
      clientSecretSealed:
        patch.clientSecret === undefined ? before.clientSecretSealed : ctx.secrets.encrypt(SSO_SECRET_PURPOSE, patch.clientSecret),
      domains: patch.domains === undefined ? before.domains : await domainsOf(tx, before.customerId, patch.domains),
      provisioning: patch.provisioning ?? before.provisioning,
      defaultRole: patch.defaultRole ?? before.defaultRole,
      enabled: patch.enabled ?? before.enabled,
      // Strictly later: the discovery cache is keyed by it.
      updatedAt: Math.max(ctx.clock.now(), before.updatedAt + 1),
    };
    await tx.portalSso.update(after);
    await recordEvent(tx, ctx, {
      type: 'portal_sso_connection.updated',
      subjectType: 'portal_sso_connection',
      subjectId: id,
      customerId: before.customerId,
      before: visible(before),
      after: visible(after),
      context: { secretChanged: patch.clientSecret !== undefined },
    });
    return after;
  });
}

/** Deletes a connection: nobody signs in through it any more; the portal users it made stay (with their sessions). */
export function deleteSsoConnection(ctx: Context, id: string): Promise<void> {
  return ctx.store.write(async (tx) => {
    const before = await requireConnection(tx, id);
    await tx.portalSso.delete(id);
    await recordEvent(tx, ctx, {
      type: 'portal_sso_connection.deleted',
      subjectType: 'portal_sso_connection',
      subjectId: id,
      customerId: before.customerId,
      before: visible(before),
    });
  });
}
