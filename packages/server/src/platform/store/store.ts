import type { Kysely } from 'kysely';
import type { ActivationRecord, ApiKeyRecord, EntitlementRecord } from '../domain/model.js';
import type { Database } from './database.js';
import type { DB } from './schema.js';
import type * as ports from '../domain/ports.js';
import type { EndedUsagePeriod, Scope } from '../domain/ports.js';
import { ChangeSet } from './changes.js';
import { apiKeyFromRow } from '../../capabilities/access/store/api-keys.js';
import { activationFromRow } from '../../capabilities/licensing/store/activations.js';
import { entitlementFromRow } from '../../capabilities/entitlements/store/entitlements.js';
import { StaffDirectory } from '../../capabilities/access/store/staff-users.js';
import { IdempotencyRepository } from './idempotency.js';
import type { RepoContext } from './context.js';

/**
 * How the store builds the repositories of one transaction: each capability's `repositories`
 * (capability.ts), joined by the registry (`repositoriesOf`).
 */
export type Repositories = (ctx: RepoContext) => ports.Tx;

/**
 * The repositories of one account, on one connection or transaction: the domain's `Tx` port, plus
 * what only the HTTP layer uses (idempotency records) and the changes the writes report.
 */
export type Tx = ports.Tx & { readonly idempotency: IdempotencyRepository; readonly changes: ChangeSet };

export function openTx(
  db: Kysely<DB>,
  database: Database,
  scope: Scope,
  repositories: Repositories,
  changes: ChangeSet = new ChangeSet(database.changes),
): Tx {
  const ctx = { db, database, scope, changes };
  return { ...repositories(ctx), idempotency: new IdempotencyRepository(ctx), changes };
}

/** How often a write rolled back by the database's deadlock detector is tried in all. */
const WRITE_ATTEMPTS = 3;

/** One account's data. Every query made through it is scoped to the account (and product). */
export class AccountStore implements ports.AccountStore {
  constructor(
    private readonly database: Database,
    readonly scope: Scope,
    private readonly repositories: Repositories,
  ) {}

  /** Reads outside a transaction: each statement sees committed data. */
  async read<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    // Reads write nothing a cache holds; should one ever, its changes are published once its
    // statements ran (repositories report a change before running it), so no read that raced it
    // can fill a cache with what was there before. Other processes would not hear of it: writes
    // belong in write().
    const changes = new ChangeSet(null);
    try {
      return await fn(openTx(this.database.db, this.database, this.scope, this.repositories, changes));
    } finally {
      this.database.changes.publish(changes.changes);
    }
  }

  /** One transaction: the change and its event commit together or not at all. */
  async write<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const changes = new ChangeSet(null);
      try {
        const out = await this.database.db.transaction().execute(async (transaction) => {
          const fault = this.database.faults.plugin();
          const trx = fault ? transaction.withPlugin(fault) : transaction;
          const result = await fn(openTx(trx, this.database, this.scope, this.repositories, changes));
          await this.database.announce(trx, changes.changes);
          return result;
        });
        this.database.changes.publish(changes.changes);
        return out;
      } catch (error) {
        // Whether a failed commit took effect may be unknown (the connection dropped while it ran):
        // dropping what the write touched from the caches is always safe, keeping it is not.
        this.database.changes.publish(changes.changes);
        // A transaction the database rolled back to break a deadlock wrote nothing: run it again
        // on what is committed now, rather than answer 500 for a race nobody lost.
        if (attempt >= WRITE_ATTEMPTS || !this.database.isRetryable(error)) throw error;
      }
    }
  }
}

/** The store: account-scoped access, plus the few lookups that happen before an account is known. */
export class Store implements ports.Store {
  constructor(
    readonly database: Database,
    private readonly repositories: Repositories,
  ) {}

  /** Console sign-in and sessions, looked up before an account is known. */
  get staff(): StaffDirectory {
    return new StaffDirectory(this.database);
  }

  forAccount(scope: Scope): AccountStore {
    return new AccountStore(this.database, scope, this.repositories);
  }

  /** Authentication: an API key by the hash of its token, across accounts. */
  async findApiKeyByHash(tokenHash: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.database.db
      .selectFrom('api_keys')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return row && apiKeyFromRow(row);
  }

  /** Last-used stamps are written in batches, off the request path. */
  async touchApiKeys(stamps: Map<string, { accountId: string; at: number }>): Promise<void> {
    for (const [id, { accountId, at }] of stamps) {
      await this.database.db
        .updateTable('api_keys')
        .set({ last_used_at: at })
        .where('account_id', '=', accountId)
        .where('id', '=', id)
        .execute();
    }
  }

  /** Last-seen stamps of devices, written in one batch now and then rather than per request. */
  async touchActivations(stamps: Map<string, { accountId: string; at: number }>): Promise<void> {
    if (stamps.size === 0) return;
    // In key order: two processes flushing at once, or a flush and a seat release, then take the
    // row locks in the same order and cannot deadlock.
    const ordered = [...stamps].sort(([a, x], [b, y]) => (x.accountId === y.accountId ? compare(a, b) : compare(x.accountId, y.accountId)));
    await this.database.db.transaction().execute(async (trx) => {
      for (const [id, { accountId, at }] of ordered) {
        await trx
          .updateTable('activations')
          .set({ last_seen_at: at })
          .where('account_id', '=', accountId)
          .where('id', '=', id)
          .where('last_seen_at', '<', at)
          .execute();
      }
    });
  }

  /** Dead heartbeat-held seats across accounts, oldest deadline first, for the sweeper. */
  async deadSeats(now: number, limit: number): Promise<Array<{ accountId: string; activation: ActivationRecord }>> {
    const rows = await this.database.db
      .selectFrom('activations')
      .selectAll()
      .where('state', '=', 'active')
      .where('heartbeat_deadline', '<', now)
      .where((eb) => eb.or([eb('borrowed_until', 'is', null), eb('borrowed_until', '<', now)]))
      .orderBy('heartbeat_deadline')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ accountId: r.account_id, activation: activationFromRow(r) }));
  }

  /**
   * Takes the lock of one bulk migration that needs work (new, or whose worker stopped renewing).
   * A conditional update, so of several processes asking at once exactly one gets it.
   */
  async claimMigration(worker: string, now: number, lockMs: number): Promise<{ accountId: string; id: string } | undefined> {
    const candidates = await this.database.db
      .selectFrom('migrations')
      .select(['account_id', 'id', 'locked_until'])
      .where('state', 'in', ['pending', 'running'])
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
      .orderBy('created_at')
      .limit(5)
      .execute();
    for (const c of candidates) {
      const out = await this.database.db
        .updateTable('migrations')
        .set({ locked_by: worker, locked_until: now + lockMs })
        .where('account_id', '=', c.account_id)
        .where('id', '=', c.id)
        .where((eb) => (c.locked_until === null ? eb('locked_until', 'is', null) : eb('locked_until', '=', c.locked_until)))
        .executeTakeFirst();
      if (Number(out.numUpdatedRows) === 1) return { accountId: c.account_id, id: c.id };
    }
    return undefined;
  }

  /** Extends this worker's lock; false when another worker has taken the migration over. */
  async renewMigrationLock(accountId: string, id: string, worker: string, until: number): Promise<boolean> {
    const out = await this.database.db
      .updateTable('migrations')
      .set({ locked_until: until })
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .where('locked_by', '=', worker)
      .executeTakeFirst();
    return Number(out.numUpdatedRows) === 1;
  }

  async releaseMigrationLock(accountId: string, id: string, worker: string): Promise<void> {
    await this.database.db
      .updateTable('migrations')
      .set({ locked_by: null, locked_until: null })
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .where('locked_by', '=', worker)
      .execute();
  }

  /** A retired license key still inside its grace period. */
  async findRetiredKey(keyHash: string, now: number): Promise<{ accountId: string; entitlementId: string } | undefined> {
    const row = await this.database.db
      .selectFrom('retired_license_keys')
      .select(['account_id', 'entitlement_id'])
      .where('key_hash', '=', keyHash)
      .where('valid_until', '>', now)
      .executeTakeFirst();
    return row && { accountId: row.account_id, entitlementId: row.entitlement_id };
  }

  /** Quota periods that ended and were not closed yet, across accounts. */
  async endedUsagePeriods(now: number, limit: number): Promise<EndedUsagePeriod[]> {
    const rows = await this.database.db
      .selectFrom('usage_counters')
      .selectAll()
      .where('closed', '=', 0)
      .where('period_end', '<=', now)
      .orderBy('period_end')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      accountId: r.account_id,
      entitlementId: r.entitlement_id,
      feature: r.feature,
      periodStart: Number(r.period_start),
      periodEnd: Number(r.period_end),
      used: Number(r.used),
    }));
  }

  /** Marks a period closed inside `tx`; false when another process closed it first. */
  async markUsagePeriodClosed(
    tx: ports.Tx,
    c: { accountId: string; entitlementId: string; feature: string; periodStart: number },
  ): Promise<boolean> {
    return tx.usage.close(c.entitlementId, c.feature, c.periodStart);
  }

  async accountCount(): Promise<number> {
    const row = await this.database.db
      .selectFrom('accounts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** A license key's entitlement, by the keyed hash of the key, across accounts (clients send only the key). */
  async findEntitlementByKeyHash(keyHash: string): Promise<{ accountId: string; entitlement: EntitlementRecord } | undefined> {
    const row = await this.database.db.selectFrom('entitlements').selectAll().where('key_hash', '=', keyHash).executeTakeFirst();
    return row && { accountId: row.account_id, entitlement: entitlementFromRow(row) };
  }

  /** The account that owns a product id, or the only account when given a code on a one-account server. */
  async accountOfProduct(ref: string): Promise<string | undefined> {
    const byId = await this.database.db.selectFrom('products').select('account_id').where('id', '=', ref).executeTakeFirst();
    if (byId) return byId.account_id;
    const byCode = await this.database.db.selectFrom('products').select('account_id').where('code', '=', ref).limit(2).execute();
    return byCode.length === 1 ? byCode[0]!.account_id : undefined;
  }

  async accountIds(limit: number): Promise<string[]> {
    const rows = await this.database.db.selectFrom('accounts').select('id').orderBy('id').limit(limit).execute();
    return rows.map((r) => r.id);
  }

  async getSetting(name: string): Promise<string | undefined> {
    const row = await this.database.db.selectFrom('settings').select('value').where('name', '=', name).executeTakeFirst();
    return row?.value;
  }

  /** Inserts the setting unless it exists; true when this call wrote it. */
  async claimSetting(name: string, value: string): Promise<boolean> {
    try {
      await this.database.db.insertInto('settings').values({ name, value }).execute();
      return true;
    } catch (error) {
      if (this.database.isUniqueViolation(error)) return false;
      throw error;
    }
  }

  close(): Promise<void> {
    return this.database.close();
  }
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
