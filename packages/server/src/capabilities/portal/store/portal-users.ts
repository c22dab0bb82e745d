import type { Selectable } from 'kysely';
import type { PortalRole } from '@leasehold/contract';
import type { Page, PageRequest } from '../../../platform/domain/model.js';
import type { PortalDirectoryPort, PortalUsersPort } from '../ports.js';
import type { PortalLinkPurpose, PortalLinkRecord, PortalSessionRecord, PortalUserRecord } from '../records.js';
import { StoreConflict } from '../../../platform/store/conflicts.js';
import type { Database } from '../../../platform/store/database.js';
import { uniquely, type RepoContext } from '../../../platform/store/context.js';
import { paginate } from '../../../platform/store/paging.js';
import type { PortalSessionsTable, PortalUsersTable } from './tables.js';

export const userFromRow = (r: Selectable<PortalUsersTable>): PortalUserRecord => ({
  id: r.id,
  accountId: r.account_id,
  customerId: r.customer_id,
  email: r.email,
  name: r.name,
  role: r.role as PortalRole,
  invitedAt: Number(r.invited_at),
  joinedAt: r.joined_at === null ? null : Number(r.joined_at),
  lastSignInAt: r.last_sign_in_at === null ? null : Number(r.last_sign_in_at),
  disabledAt: r.disabled_at === null ? null : Number(r.disabled_at),
  updatedAt: Number(r.updated_at),
});

const sessionFromRow = (r: Selectable<PortalSessionsTable>): PortalSessionRecord => ({
  tokenHash: r.token_hash,
  accountId: r.account_id,
  portalUserId: r.portal_user_id,
  createdAt: Number(r.created_at),
  expiresAt: Number(r.expires_at),
});

const duplicateEmail = () => new StoreConflict('duplicate', 'portal_user', 'email');

/** One account's portal users, their links and sessions. */
export class PortalUserRepository implements PortalUsersPort {
  constructor(private readonly ctx: RepoContext) {}

  private users() {
    return this.ctx.db.selectFrom('portal_users').selectAll().where('account_id', '=', this.ctx.scope.accountId);
  }

  async find(id: string): Promise<PortalUserRecord | undefined> {
    const row = await this.users().where('id', '=', id).executeTakeFirst();
    return row && userFromRow(row);
  }

  listOfCustomer(customerId: string, page: PageRequest): Promise<Page<PortalUserRecord>> {
    return paginate(this.users().where('customer_id', '=', customerId), 'id', page, userFromRow);
  }

  async insert(u: PortalUserRecord): Promise<void> {
    await uniquely(
      this.ctx,
      () =>
        this.ctx.db
          .insertInto('portal_users')
          .values({
            account_id: this.ctx.scope.accountId,
            id: u.id,
            customer_id: u.customerId,
            email: u.email,
            name: u.name,
            role: u.role,
            password_hash: null,
            invited_at: u.invitedAt,
            // Set for a user an SSO sign-in provisions (joined at once, with no password).
            joined_at: u.joinedAt,
            last_sign_in_at: null,
            disabled_at: null,
            updated_at: u.updatedAt,
          })
          .execute(),
      duplicateEmail,
    );
  }

  async update(u: PortalUserRecord): Promise<void> {
    await this.ctx.db
      .updateTable('portal_users')
      .set({ name: u.name, role: u.role, updated_at: u.updatedAt })
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('id', '=', u.id)
      .execute();
  }

  async disable(id: string, at: number): Promise<void> {
    const { accountId } = this.ctx.scope;
    await this.ctx.db
      .updateTable('portal_users')
      .set({ disabled_at: at, updated_at: at, email: `disabled:${at}:${id}` })
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .execute();
    await this.ctx.db.deleteFrom('portal_sessions').where('account_id', '=', accountId).where('portal_user_id', '=', id).execute();
    await this.ctx.db.deleteFrom('portal_links').where('account_id', '=', accountId).where('portal_user_id', '=', id).execute();
  }

  async allOfCustomer(customerId: string): Promise<PortalUserRecord[]> {
    const rows = await this.users().where('customer_id', '=', customerId).orderBy('id').execute();
    return rows.map(userFromRow);
  }

  async erase(id: string, replacement: { name: string; email: string }, at: number): Promise<void> {
    const { accountId } = this.ctx.scope;
    const user = await this.find(id);
    await this.ctx.db
      .updateTable('portal_users')
      .set({ name: replacement.name, email: replacement.email, password_hash: null, disabled_at: user?.disabledAt ?? at, updated_at: at })
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .execute();
    await this.ctx.db.deleteFrom('portal_sessions').where('account_id', '=', accountId).where('portal_user_id', '=', id).execute();
    await this.ctx.db.deleteFrom('portal_links').where('account_id', '=', accountId).where('portal_user_id', '=', id).execute();
  }

  async issueLink(link: PortalLinkRecord): Promise<void> {
    const { accountId } = this.ctx.scope;
    await this.ctx.db
      .deleteFrom('portal_links')
      .where('account_id', '=', accountId)
      .where('portal_user_id', '=', link.portalUserId)
      .where('purpose', '=', link.purpose)
      .execute();
    await this.ctx.db
      .insertInto('portal_links')
      .values({
        token_hash: link.tokenHash,
        account_id: accountId,
        portal_user_id: link.portalUserId,
        purpose: link.purpose,
        created_at: link.createdAt,
        expires_at: link.expiresAt,
        used_at: null,
      })
      .execute();
  }

  async useLink(tokenHash: string, purpose: PortalLinkPurpose, now: number): Promise<boolean> {
    // A conditional update: of racing requests with the same token, exactly one changes the row.
    const out = await this.ctx.db
      .updateTable('portal_links')
      .set({ used_at: now })
      .where('token_hash', '=', tokenHash)
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('purpose', '=', purpose)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return Number(out.numUpdatedRows) === 1;
  }

  async accountName(): Promise<string> {
    const row = await this.ctx.db.selectFrom('accounts').select('name').where('id', '=', this.ctx.scope.accountId).executeTakeFirst();
    return row?.name ?? '';
  }

  async setPassword(id: string, passwordHash: string, joinedAt: number): Promise<void> {
    const { accountId } = this.ctx.scope;
    await this.ctx.db
      .updateTable('portal_users')
      .set({ password_hash: passwordHash, joined_at: joinedAt, updated_at: joinedAt })
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .execute();
    await this.ctx.db.deleteFrom('portal_sessions').where('account_id', '=', accountId).where('portal_user_id', '=', id).execute();
  }
}

/** The portal's lookups before an account is known. */
export class PortalDirectory implements PortalDirectoryPort {
  constructor(private readonly database: Database) {}

  async findByEmail(email: string): Promise<Array<{ user: PortalUserRecord; passwordHash: string | null; accountName: string }>> {
    const rows = await this.database.db
      .selectFrom('portal_users')
      .innerJoin('accounts', 'accounts.id', 'portal_users.account_id')
      .selectAll('portal_users')
      .select('accounts.name as account_name')
      .where('portal_users.email', '=', email)
      .where('portal_users.disabled_at', 'is', null)
      .orderBy('portal_users.account_id')
      .execute();
    return rows.map((row) => ({ user: userFromRow(row), passwordHash: row.password_hash, accountName: row.account_name }));
  }

  async findUser(accountId: string, id: string): Promise<PortalUserRecord | undefined> {
    const row = await this.database.db
      .selectFrom('portal_users')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .where('disabled_at', 'is', null)
      .executeTakeFirst();
    return row && userFromRow(row);
  }

  async findLink(tokenHash: string): Promise<{ accountId: string; portalUserId: string } | undefined> {
    const row = await this.database.db
      .selectFrom('portal_links')
      .select(['account_id', 'portal_user_id'])
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row && { accountId: row.account_id, portalUserId: row.portal_user_id };
  }

  async stampSignIn(accountId: string, id: string, at: number): Promise<void> {
    await this.database.db
      .updateTable('portal_users')
      .set({ last_sign_in_at: at })
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .execute();
  }

  async insertSession(s: PortalSessionRecord, userAgent: string | null): Promise<void> {
    await this.database.db
      .insertInto('portal_sessions')
      .values({
        token_hash: s.tokenHash,
        account_id: s.accountId,
        portal_user_id: s.portalUserId,
        created_at: s.createdAt,
        expires_at: s.expiresAt,
        user_agent: userAgent,
      })
      .execute();
  }

  async findSession(tokenHash: string, now: number): Promise<PortalSessionRecord | undefined> {
    const row = await this.database.db
      .selectFrom('portal_sessions')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return row && sessionFromRow(row);
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.database.db.deleteFrom('portal_sessions').where('token_hash', '=', tokenHash).execute();
  }

  async deleteExpired(now: number): Promise<void> {
    await this.database.db.deleteFrom('portal_sessions').where('expires_at', '<=', now).execute();
    await this.database.db.deleteFrom('portal_links').where('expires_at', '<=', now).execute();
  }
}
