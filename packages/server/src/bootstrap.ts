import { join } from 'node:path';
import { systemClock, type Clock } from './foundation/clock.js';
import { UlidGenerator, type IdGenerator } from './foundation/ids.js';
import { loadMasterKey, type MasterKey } from './secrets/master-key.js';
import { isAcceptableSeedToken } from './secrets/api-key-tokens.js';
import { migrateToLatest as migrateWith, openDatabase, type Database, type DatabaseConfig } from './platform/store/database.js';
import { capabilityMigrations, repositories } from './registry.js';
import { Store } from './platform/store/store.js';
import { createAccount, type NewAccount } from './capabilities/access/accounts.js';
import { ActivityStamps, ApiKeyUsage, type Services } from './platform/http/services.js';
import { Keyring } from './capabilities/licensing/leases/keyring.js';
import { LicenseCache } from './capabilities/licensing/store/license-cache.js';
import { Metrics } from './platform/http/metrics.js';
import type { Config } from './config.js';
import { reportsFileOf } from './capabilities/reports/settings.js';
import { artifactStoresOf, type StorageSettings } from './capabilities/releases/storage/configure.js';

export function databaseConfigOf(
  config: Pick<Config, 'databaseUrl' | 'dataDir' | 'pgPoolSize'> & Partial<Pick<Config, 'pgStatementTimeoutMs'>>,
): DatabaseConfig {
  return config.databaseUrl
    ? { dialect: 'postgres', url: config.databaseUrl, poolSize: config.pgPoolSize, statementTimeoutMs: config.pgStatementTimeoutMs ?? 0 }
    : { dialect: 'sqlite', file: join(config.dataDir, 'leasehold.db') };
}

/** Refuses to run with a master key other than the one the data was written with. */
async function checkMasterKey(store: Store, key: MasterKey): Promise<void> {
  const stored = await store.getSetting('master_key_check');
  if (stored === undefined) {
    if (await store.claimSetting('master_key_check', key.checkValue())) return;
    return checkMasterKey(store, key);
  }
  if (!key.matches(stored)) {
    throw new Error(
      'This database was set up with a different master key. Start with the original LEASEHOLD_MASTER_KEY ' +
        '(or the original master.key file in the data directory); without it, license and signing keys cannot be read.',
    );
  }
}

/**
 * Creates the first account and its admin key when the database has none. Only one process wins
 * (the `bootstrapped` setting is claimed first), so several servers starting together create one.
 */
async function bootstrapFirstAccount(services: Services, seedKey: string | null): Promise<FirstAccount | null> {
  if ((await services.store.accountCount()) > 0) return null;
  if (seedKey !== null && !isAcceptableSeedToken(seedKey)) {
    throw new Error('LEASEHOLD_ADMIN_KEY must be 24 to 200 printable characters without spaces.');
  }
  if (!(await services.store.claimSetting('bootstrapped', new Date(services.clock.now()).toISOString()))) return null;
  const account = await createAccount(services, 'Default account', seedKey ?? undefined);
  return { ...account, keySource: seedKey === null ? 'generated' : 'LEASEHOLD_ADMIN_KEY' };
}

/** The account the first start created, and whether its admin key is new (and so must be shown once). */
export interface FirstAccount extends NewAccount {
  keySource: 'generated' | 'LEASEHOLD_ADMIN_KEY';
}

export interface Started {
  services: Services;
  /** Set on the first start of an empty server: the account created, with the admin key to print once if generated. */
  firstAccount: FirstAccount | null;
  masterKeySource: string;
  migrations: string[];
  close(): Promise<void>;
}

/** Brings the database up to the latest schema: the shared history and every capability's migrations. */
export function migrateToLatest(database: Database): Promise<string[]> {
  return migrateWith(database, capabilityMigrations());
}

/** The store over an open database, with every capability's repositories. */
export function storeOf(database: Database): Store {
  return new Store(database, repositories);
}

export async function openServices(
  config: Pick<Config, 'databaseUrl' | 'dataDir' | 'pgPoolSize' | 'masterKey' | 'adminKey'> &
    Partial<Pick<Config, 'pgStatementTimeoutMs'>> & {
      cacheSize?: number;
      storage?: StorageSettings;
      publicUrl?: string | null;
    },
  deps: { clock?: Clock; ids?: IdGenerator } = {},
): Promise<Started> {
  const clock = deps.clock ?? systemClock;
  const { key: secrets, source } = loadMasterKey(config.masterKey ?? undefined, config.dataDir);
  const database = openDatabase(databaseConfigOf(config));
  try {
    const migrations = await migrateToLatest(database);
    const store = storeOf(database);
    await checkMasterKey(store, secrets);
    const ids = deps.ids ?? new UlidGenerator(clock);
    const licenses = new LicenseCache(database, config.cacheSize ?? 100_000);
    const services: Services = {
      store,
      clock,
      ids,
      secrets,
      apiKeyUsage: new ApiKeyUsage(store),
      activity: new ActivityStamps(store),
      keyring: new Keyring(secrets, clock, ids),
      licenses,
      metrics: new Metrics({ database, cache: licenses }),
      artifacts: artifactStoresOf(config.storage ?? { driver: 'fs' }, {
        dataDir: config.dataDir,
        secrets,
        clock,
        publicUrl: config.publicUrl ?? null,
      }),
    };
    services.reportsFile = reportsFileOf(config.dataDir);
    const firstAccount = await bootstrapFirstAccount(services, config.adminKey);
    return {
      services,
      firstAccount,
      masterKeySource: source,
      migrations,
      close: async () => {
        await services.apiKeyUsage.flush().catch(() => {});
        await services.activity.flush().catch(() => {});
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}
