import type { Selectable } from 'kysely';
import type { Role } from '@leasehold/contract';
import type { Page, PageRequest, StaffSessionRecord, StaffUserRecord } from '../../../platform/domain/model.js';
import type { StaffDirectoryPort, StaffUsersPort } from '../ports.js';
import { StoreConflict } from '../../../platform/store/conflicts.js';
import type { Database } from '../../../platform/store/database.js';
import type { StaffSessionsTable, StaffUsersTable } from './tables.js';
import { uniquely, type RepoContext } from '../../../platform/store/context.js';
import { paginate } from '../../../platform/store/paging.js';

export const staffUserFromRow = (r: Selectable<StaffUsersTable>): StaffUserRecord => ({
  id: r.id,
  accountId: r.account_id,
  email: r.email,
  name: r.name,
  role: r.role as Role,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  lastSignInAt: r.last_sign_in_at,
});

const sessionFromRow = (r: Selectable<StaffSessionsTable>): StaffSessionRecord => ({
  tokenHash: r.token_hash,
  accountId: r.account_id,
  userId: r.user_id,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});

const duplicateEmail = () => new StoreConflict('duplicate', 'staff_user', 'email');

/** One account's staff users (an email is unique within the account). Disabled users are kept (events name them) but never listed or signed in. */
export class StaffUserRepository implements StaffUsersPort {
  constructor(private readonly ctx: RepoContext) {}

  private live() {
    return this.ctx.db
      .selectFrom('staff_users')
      .selectAll()
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('disabled_at', 'is', null);
  }

  async find(id: string): Promise<StaffUserRecord | undefined> {
    const row = await this.live().where('id', '=', id).executeTakeFirst();
    return row && staffUserFromRow(row);
  }

  list(page: PageRequest): Promise<Page<StaffUserRecord>> {
    return paginate(this.live(), 'id', page, staffUserFromRow);
  }

  async countAdmins(): Promise<number> {
    const row = await this.live()
      .clearSelect()
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('role', '=', 'admin')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async insert(u: StaffUserRecord, passwordHash: string): Promise<void> {
    await uniquely(
      this.ctx,
      () =>
        this.ctx.db
          .insertInto('staff_users')
          .values({
            account_id: this.ctx.scope.accountId,
            id: u.id,
            email: u.email,
            name: u.name,
            role: u.role,
            password_hash: passwordHash,
            created_at: u.createdAt,
            updated_at: u.updatedAt,
            last_sign_in_at: null,
            disabled_at: null,
          })
          .execute(),
      duplicateEmail,
    );
  }

  async update(u: StaffUserRecord, passwordHash: string | null): Promise<void> {
    await this.ctx.db
      .updateTable('staff_users')
      .set({ name: u.name, role: u.role, updated_at: u.updatedAt, ...(passwordHash ? { password_hash: passwordHash } : {}) })
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('id', '=', u.id)
      .execute();
    // A changed role or password ends the user's other sessions: they sign in again with the new rights.
    await this.ctx.db.deleteFrom('staff_sessions').where('account_id', '=', this.ctx.scope.accountId).where('user_id', '=', u.id).execute();
  }

  /** Disables the user and ends their sessions; the email is freed for a new user. */
  async disable(id: string, at: number): Promise<void> {
    await this.ctx.db
      .updateTable('staff_users')
      .set({ disabled_at: at, email: `disabled:${at}:${id}` })
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('id', '=', id)
      .execute();
    await this.ctx.db.deleteFrom('staff_sessions').where('account_id', '=', this.ctx.scope.accountId).where('user_id', '=', id).execute();
  }
}

/**
 * The lookups that happen before an account is known: sign-in by email, sessions by token hash,
 * and whether the server has any staff user yet.
 */
export class StaffDirectory implements StaffDirectoryPort {
  constructor(private readonly database: Database) {}

  async userCount(): Promise<number> {
    const row = await this.database.db
      .selectFrom('staff_users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Every account's live user of this email (emails are unique per account), with the account's name. */
  async findByEmail(email: string): Promise<Array<{ user: StaffUserRecord; passwordHash: string; accountName: string }>> {
    const rows = await this.database.db
      .selectFrom('staff_users')
      .innerJoin('accounts', 'accounts.id', 'staff_users.account_id')
      .selectAll('staff_users')
      .select('accounts.name as account_name')
      .where('staff_users.email', '=', email)
      .where('staff_users.disabled_at', 'is', null)
      .orderBy('staff_users.account_id')
      .execute();
    return rows.map((row) => ({ user: staffUserFromRow(row), passwordHash: row.password_hash, accountName: row.account_name }));
  }

  async findUser(accountId: string, id: string): Promise<StaffUserRecord | undefined> {
    const row = await this.database.db
      .selectFrom('staff_users')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .where('disabled_at', 'is', null)
      .executeTakeFirst();
    return row && staffUserFromRow(row);
  }

  async stampSignIn(accountId: string, id: string, at: number): Promise<void> {
    await this.database.db
      .updateTable('staff_users')
      .set({ last_sign_in_at: at })
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .execute();
  }

  async insertSession(s: StaffSessionRecord, userAgent: string | null): Promise<void> {
    await this.database.db
      .insertInto('staff_sessions')
      .values({
        token_hash: s.tokenHash,
        account_id: s.accountId,
        user_id: s.userId,
        created_at: s.createdAt,
        expires_at: s.expiresAt,
        user_agent: userAgent,
      })
      .execute();
  }

  async findSession(tokenHash: string, now: number): Promise<StaffSessionRecord | undefined> {
    const row = await this.database.db
      .selectFrom('staff_sessions')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return row && sessionFromRow(row);
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.database.db.deleteFrom('staff_sessions').where('token_hash', '=', tokenHash).execute();
  }

  async deleteExpiredSessions(now: number): Promise<void> {
    await this.database.db.deleteFrom('staff_sessions').where('expires_at', '<=', now).execute();
  }

  /** The account a first user joins: the oldest one (on a fresh server, the only one). */
  async firstAccountId(): Promise<string | undefined> {
    const row = await this.database.db.selectFrom('accounts').select('id').orderBy('created_at').orderBy('id').limit(1).executeTakeFirst();
    return row?.id;
  }
}
