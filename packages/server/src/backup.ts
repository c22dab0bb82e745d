import { copyFileSync, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import type { Config } from './config.js';
import { loadMasterKey } from './secrets/master-key.js';

/**
 * Backups of the embedded (SQLite) database. `backup` takes a consistent copy while the server runs
 * (SQLite's online backup API: the copy is one moment of the database, however many writes go on
 * meanwhile); `restore` checks a copy and puts it in place of the database of a stopped server.
 * PostgreSQL is backed up with its own tools (pg_dump, or base backups with WAL archiving; see the
 * README). The master key is never in a backup: keep it apart (LEASEHOLD_MASTER_KEY, or the data
 * directory's master.key), since without it license and signing keys cannot be read.
 */
type Where = Pick<Config, 'databaseUrl' | 'dataDir' | 'masterKey'>;

export interface BackupReport {
  file: string;
  bytes: number;
  migrations: number;
}

function embeddedFile(config: Where): string {
  if (config.databaseUrl) {
    throw new Error(
      'DATABASE_URL is set: this server keeps its data in PostgreSQL. Back it up with pg_dump (or base backups); `leasehold backup` copies the embedded database.',
    );
  }
  return join(config.dataDir, 'leasehold.db');
}

/** What a database file holds, checked: SQLite's integrity check and Leasehold's migration history. */
export function inspectDatabase(file: string): { migrations: number; masterKeyCheck: string | null } {
  if (!existsSync(file)) throw new Error(`${file} does not exist.`);
  let db: SQLite.Database;
  try {
    db = new SQLite(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new Error(`${file} is not a SQLite database (${(error as Error).message}).`);
  }
  try {
    const integrity = db.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') throw new Error(`${file} fails SQLite's integrity check: ${String(integrity)}`);
    const table = db.prepare("select name from sqlite_master where type = 'table' and name = 'kysely_migration'").get();
    if (!table) throw new Error(`${file} is not a Leasehold database (it has no migration history).`);
    const migrations = (db.prepare('select count(*) as n from kysely_migration').get() as { n: number }).n;
    const check = db.prepare("select value from settings where name = 'master_key_check'").get() as { value: string } | undefined;
    return { migrations, masterKeyCheck: check?.value ?? null };
  } catch (error) {
    if (error instanceof Error && /not a database|file is encrypted/.test(error.message)) {
      throw new Error(`${file} is not a SQLite database (${error.message}).`);
    }
    throw error;
  } finally {
    db.close();
  }
}

/** A consistent copy of the embedded database at `dest`, taken while the server may be running. */
export async function backupDatabase(config: Where, dest: string): Promise<BackupReport> {
  const file = embeddedFile(config);
  if (!existsSync(file)) throw new Error(`There is no database at ${file} (LEASEHOLD_DATA_DIR=${config.dataDir}).`);
  if (existsSync(dest)) throw new Error(`${dest} exists already; choose a new file (a backup never overwrites one).`);
  // Not read-only: a read-only connection that is the last to close cannot remove the write-ahead
  // log it opened, which would leave a stopped server's database looking in use. It writes nothing.
  const source = new SQLite(file, { fileMustExist: true });
  source.pragma('busy_timeout = 5000');
  try {
    // Reads through the server's WAL: what is committed when a step runs is copied; a write during
    // the copy restarts it, so the result is one committed moment.
    await source.backup(dest);
  } catch (error) {
    rmSync(dest, { force: true });
    throw error;
  } finally {
    source.close();
  }
  const { migrations } = inspectDatabase(dest);
  return { file: dest, bytes: statSync(dest).size, migrations };
}

export interface RestoreReport {
  file: string;
  migrations: number;
  /** Where the database that was there went (kept, never deleted). */
  previous: string | null;
}

/**
 * Puts a checked backup in place of the embedded database. The server must be stopped: a database
 * with a write-ahead log beside it is in use (or was not shut down cleanly), and is left alone
 * unless `force`. The master key here must be the one the backup was made with. What was there is
 * moved aside, not deleted.
 */
export function restoreDatabase(config: Where, backup: string, opts: { force?: boolean; now?: Date } = {}): RestoreReport {
  const file = embeddedFile(config);
  const inspected = inspectDatabase(backup);
  const keyFile = join(config.dataDir, 'master.key');
  if (!config.masterKey && !existsSync(keyFile)) {
    throw new Error(
      `No master key here (neither LEASEHOLD_MASTER_KEY nor ${keyFile}): put the key the backup was made with in place first.`,
    );
  }
  const { key } = loadMasterKey(config.masterKey ?? undefined, config.dataDir);
  if (inspected.masterKeyCheck !== null && !key.matches(inspected.masterKeyCheck)) {
    throw new Error(
      'The backup was made under a different master key than this one; with it, its license and signing keys cannot be read.',
    );
  }
  if (!opts.force && (existsSync(`${file}-wal`) || existsSync(`${file}-shm`))) {
    throw new Error(
      `${file} is in use (its write-ahead log is there): stop the server first, then restore. Pass --force if it was not shut down cleanly and is not running.`,
    );
  }
  let previous: string | null = null;
  if (existsSync(file)) {
    previous = `${file}.before-restore-${(opts.now ?? new Date()).toISOString().replace(/[:.]/g, '-')}`;
    renameSync(file, previous);
    for (const suffix of ['-wal', '-shm']) if (existsSync(file + suffix)) renameSync(file + suffix, previous + suffix);
  }
  copyFileSync(backup, file);
  return { file, migrations: inspected.migrations, previous };
}
