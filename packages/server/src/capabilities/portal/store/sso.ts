import type { Selectable } from 'kysely';
import type { PortalRole } from '@leasehold/contract';
import type { Page, PageRequest } from '../../../platform/domain/model.js';
import type { PortalSsoDirectoryPort, PortalSsoPort } from '../ports.js';
import type { PortalSsoConnectionRecord, PortalSsoFlowRecord, PortalSsoIdentityRecord, PortalUserRecord } from '../records.js';
import { StoreConflict } from '../../../platform/store/conflicts.js';
import type { Database } from '../../../platform/store/database.js';
import { uniquely, type RepoContext } from '../../../platform/store/context.js';
import { paginate } from '../../../platform/store/paging.js';
import type { PortalSsoConnectionsTable, PortalSsoFlowsTable } from './tables.js';
import { userFromRow } from './portal-users.js';

type Db = RepoContext['db'];

const connectionFromRow = (r: Selectable<PortalSsoConnectionsTable>): PortalSsoConnectionRecord => ({
  id: r.id,
  accountId: r.account_id,
  name: r.name,
  issuer: r.issuer,
  clientId: r.client_id,
  clientSecretSealed: r.client_secret_sealed,
  customerId: r.customer_id,
  domains: [],
  provisioning: Number(r.provisioning) === 1,
  defaultRole: r.default_role as PortalRole,
  enabled: Number(r.enabled) === 1,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

const flowFromRow = (r: Selectable<PortalSsoFlowsTable>): PortalSsoFlowRecord & { usedAt: number | null } => ({
  stateHash: r.state_hash,
  accountId: r.account_id,
  connectionId: r.connection_id,
  browserHash: r.browser_hash,
  nonce: r.nonce,
  verifierSealed: r.verifier_sealed,
  createdAt: Number(r.created_at),
  expiresAt: Number(r.expires_at),
  usedAt: r.used_at === null ? null : Number(r.used_at),
});

/** Fills in each connection's domains, in one query. */
async function withDomains(db: Db, connections: PortalSsoConnectionRecord[]): Promise<PortalSsoConnectionRecord[]> {
  if (connections.length === 0) return connections;
  const rows = await db
    .selectFrom('portal_sso_domains')
    .select(['account_id', 'connection_id', 'domain', 'customer_id'])
    .where((eb) => eb.or(connections.map((c) => eb.and([eb('account_id', '=', c.accountId), eb('connection_id', '=', c.id)]))))
    .orderBy('domain')
    .execute();
  return connections.map((c) => ({
    ...c,
    domains: rows
      .filter((r) => r.account_id === c.accountId && r.connection_id === c.id)
      .map((r) => ({ domain: r.domain, customerId: r.customer_id })),
  }));
}

const duplicateDomain = () => new StoreConflict('duplicate', 'portal_sso_connection', 'domain');

/** One account's SSO connections, identities and sign-ins under way. */
export class PortalSsoRepository implements PortalSsoPort {
  constructor(private readonly ctx: RepoContext) {}

  private connections() {
    return this.ctx.db.selectFrom('portal_sso_connections').selectAll().where('account_id', '=', this.ctx.scope.accountId);
  }

  async find(id: string): Promise<PortalSsoConnectionRecord | undefined> {
    const row = await this.connections().where('id', '=', id).executeTakeFirst();
    return row && (await withDomains(this.ctx.db, [connectionFromRow(row)]))[0];
  }

  async list(page: PageRequest, customerId?: string): Promise<Page<PortalSsoConnectionRecord>> {
    let q = this.connections();
    if (customerId !== undefined) {
      const accountId = this.ctx.scope.accountId;
      q = q.where((eb) =>
        eb.or([
          eb('customer_id', '=', customerId),
          eb(
            'id',
            'in',
            eb
              .selectFrom('portal_sso_domains')
              .select('connection_id')
              .where('account_id', '=', accountId)
              .where('customer_id', '=', customerId),
          ),
        ]),
      );
    }
    const found = await paginate(q, 'id', page, connectionFromRow);
    return { ...found, items: await withDomains(this.ctx.db, found.items) };
  }

  async insert(c: PortalSsoConnectionRecord): Promise<void> {
    await this.ctx.db
      .insertInto('portal_sso_connections')
      .values({
        account_id: this.ctx.scope.accountId,
        id: c.id,
        name: c.name,
        issuer: c.issuer,
        client_id: c.clientId,
        client_secret_sealed: c.clientSecretSealed,
        customer_id: c.customerId,
        provisioning: c.provisioning ? 1 : 0,
        default_role: c.defaultRole,
        enabled: c.enabled ? 1 : 0,
        created_at: c.createdAt,
        updated_at: c.updatedAt,
      })
      .execute();
    await this.insertDomains(c);
  }

  private async insertDomains(c: PortalSsoConnectionRecord): Promise<void> {
    if (c.domains.length === 0) return;
    const accountId = this.ctx.scope.accountId;
    await uniquely(
      this.ctx,
      () =>
        this.ctx.db
          .insertInto('portal_sso_domains')
          .values(c.domains.map((d) => ({ account_id: accountId, domain: d.domain, connection_id: c.id, customer_id: d.customerId })))
          .execute(),
      duplicateDomain,
    );
  }

  async update(c: PortalSsoConnectionRecord): Promise<void> {
    const accountId = this.ctx.scope.accountId;
    await this.ctx.db
      .updateTable('portal_sso_connections')
      .set({
        name: c.name,
        issuer: c.issuer,
        client_id: c.clientId,
        client_secret_sealed: c.clientSecretSealed,
        provisioning: c.provisioning ? 1 : 0,
        default_role: c.defaultRole,
        enabled: c.enabled ? 1 : 0,
        updated_at: c.updatedAt,
      })
      .where('account_id', '=', accountId)
      .where('id', '=', c.id)
      .execute();
    await this.ctx.db.deleteFrom('portal_sso_domains').where('account_id', '=', accountId).where('connection_id', '=', c.id).execute();
    await this.insertDomains(c);
  }

  async delete(id: string): Promise<void> {
    const accountId = this.ctx.scope.accountId;
    for (const table of ['portal_sso_domains', 'portal_sso_identities', 'portal_sso_flows'] as const)
      await this.ctx.db.deleteFrom(table).where('account_id', '=', accountId).where('connection_id', '=', id).execute();
    await this.ctx.db.deleteFrom('portal_sso_connections').where('account_id', '=', accountId).where('id', '=', id).execute();
  }

  async useFlow(stateHash: string, now: number): Promise<boolean> {
    // A conditional update: of racing callbacks with the same state, exactly one changes the row.
    const out = await this.ctx.db
      .updateTable('portal_sso_flows')
      .set({ used_at: now })
      .where('state_hash', '=', stateHash)
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return Number(out.numUpdatedRows) === 1;
  }

  async findIdentity(connectionId: string, subject: string): Promise<PortalSsoIdentityRecord | undefined> {
    const row = await this.ctx.db
      .selectFrom('portal_sso_identities')
      .selectAll()
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('connection_id', '=', connectionId)
      .where('subject', '=', subject)
      .executeTakeFirst();
    return (
      row && { connectionId: row.connection_id, subject: row.subject, portalUserId: row.portal_user_id, createdAt: Number(row.created_at) }
    );
  }

  async linkIdentity(identity: PortalSsoIdentityRecord): Promise<void> {
    const accountId = this.ctx.scope.accountId;
    await this.ctx.db
      .deleteFrom('portal_sso_identities')
      .where('account_id', '=', accountId)
      .where('connection_id', '=', identity.connectionId)
      .where('subject', '=', identity.subject)
      .execute();
    await this.ctx.db
      .insertInto('portal_sso_identities')
      .values({
        account_id: accountId,
        connection_id: identity.connectionId,
        subject: identity.subject,
        portal_user_id: identity.portalUserId,
        created_at: identity.createdAt,
      })
      .execute();
  }

  async findUserByEmail(customerId: string, email: string): Promise<PortalUserRecord | undefined> {
    const row = await this.ctx.db
      .selectFrom('portal_users')
      .selectAll()
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('customer_id', '=', customerId)
      .where('email', '=', email)
      .where('disabled_at', 'is', null)
      .executeTakeFirst();
    return row && userFromRow(row);
  }

  async markJoined(id: string, at: number): Promise<void> {
    await this.ctx.db
      .updateTable('portal_users')
      .set({ joined_at: at, updated_at: at })
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('id', '=', id)
      .where('joined_at', 'is', null)
      .execute();
  }
}

/** The SSO lookups before an account is known. */
export class PortalSsoDirectory implements PortalSsoDirectoryPort {
  constructor(private readonly database: Database) {}

  async findConnection(id: string): Promise<PortalSsoConnectionRecord | undefined> {
    const row = await this.database.db.selectFrom('portal_sso_connections').selectAll().where('id', '=', id).executeTakeFirst();
    return row && (await withDomains(this.database.db, [connectionFromRow(row)]))[0];
  }

  async byDomain(domain: string): Promise<Array<{ connection: PortalSsoConnectionRecord; accountName: string }>> {
    const rows = await this.database.db
      .selectFrom('portal_sso_domains as d')
      .innerJoin('portal_sso_connections as c', (j) => j.onRef('c.account_id', '=', 'd.account_id').onRef('c.id', '=', 'd.connection_id'))
      .innerJoin('accounts as a', 'a.id', 'c.account_id')
      .selectAll('c')
      .select('a.name as account_name')
      .where('d.domain', '=', domain)
      .where('c.enabled', '=', 1)
      .orderBy('c.account_id')
      .orderBy('c.id')
      .limit(20)
      .execute();
    const connections = await withDomains(this.database.db, rows.map(connectionFromRow));
    return connections.map((connection, i) => ({ connection, accountName: rows[i]!.account_name }));
  }

  async insertFlow(flow: PortalSsoFlowRecord): Promise<void> {
    await this.database.db
      .insertInto('portal_sso_flows')
      .values({
        state_hash: flow.stateHash,
        account_id: flow.accountId,
        connection_id: flow.connectionId,
        browser_hash: flow.browserHash,
        nonce: flow.nonce,
        verifier_sealed: flow.verifierSealed,
        created_at: flow.createdAt,
        expires_at: flow.expiresAt,
        used_at: null,
      })
      .execute();
  }

  async findFlow(stateHash: string): Promise<(PortalSsoFlowRecord & { usedAt: number | null }) | undefined> {
    const row = await this.database.db.selectFrom('portal_sso_flows').selectAll().where('state_hash', '=', stateHash).executeTakeFirst();
    return row && flowFromRow(row);
  }

  async deleteExpiredFlows(now: number): Promise<void> {
    await this.database.db.deleteFrom('portal_sso_flows').where('expires_at', '<=', now).execute();
  }
}
