import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort, removeDir } from './processes.js';

const run = promisify(execFile);

/**
 * A PostgreSQL cluster of the test's own (initdb into a temp dir, its own port and socket dir), so
 * a test can stop, kill and restart the database without touching the machine's shared server that
 * other suites use. Durability settings are off: the cluster lives for one test.
 */
export interface PrivatePostgres {
  readonly port: number;
  readonly dataDir: string;
  /** A connection URL for `database` (default `postgres`). */
  url(database?: string): string;
  /** Starts the cluster and waits until it accepts connections. */
  start(): Promise<void>;
  /** `pg_ctl stop -m fast`: clients are disconnected, the cluster shuts down cleanly. */
  stop(): Promise<void>;
  /** SIGKILL to the postmaster, as a crash or the OOM killer would; waits until its backends are gone. */
  kill(): Promise<void>;
  /** Whether the postmaster is running. */
  running(): boolean;
  /** Stops the cluster if it runs and removes its directory. */
  destroy(): Promise<void>;
}

/** The directory with initdb and pg_ctl: LEASEHOLD_PG_BIN, pg_config --bindir, or the newest /usr/lib/postgresql/N/bin. */
async function binDir(): Promise<string | null> {
  const candidates: string[] = [];
  if (process.env['LEASEHOLD_PG_BIN']) candidates.push(process.env['LEASEHOLD_PG_BIN']);
  try {
    candidates.push((await run('pg_config', ['--bindir'])).stdout.trim());
  } catch {
    // no pg_config on PATH
  }
  if (existsSync('/usr/lib/postgresql')) {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(join('/usr/lib/postgresql', v, 'bin'));
  }
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) ?? null;
}

/** initdb refuses to run as root: as root, the cluster belongs to (and runs as) the `postgres` user. */
async function runAs(): Promise<{ uid: number; gid: number; prefix: string[] } | null | 'missing'> {
  if (process.getuid?.() !== 0) return null;
  try {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    return { uid, gid, prefix: ['runuser', '-u', 'postgres', '--'] };
  } catch {
    return 'missing';
  }
}

/** Without what a private cluster needs, a local run skips the test; CI=true fails it. */
function unavailable(why: string): null {
  if (process.env['CI'] === 'true') throw new Error(`${why}; CI=true forbids skipping the tests that need a private PostgreSQL`);
  console.warn(`${why}: the tests that need a private PostgreSQL are skipped (they fail under CI=true)`);
  return null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Creates (but does not start) a private cluster. Returns null when PostgreSQL's server binaries are
 * not installed — the caller skips its test — except under CI=true, where that is an error.
 */
export async function createPrivatePostgres(): Promise<PrivatePostgres | null> {
  const bin = await binDir();
  if (!bin) return unavailable('PostgreSQL server binaries (initdb, pg_ctl) were not found (set LEASEHOLD_PG_BIN, or install postgresql)');
  const user = await runAs();
  if (user === 'missing')
    return unavailable('running as root, a private PostgreSQL needs a `postgres` user to run as (initdb refuses root)');
  const root = mkdtempSync(join(tmpdir(), 'leasehold-pg-'));
  if (user) chownSync(root, user.uid, user.gid);
  const dataDir = join(root, 'data');
  const port = await freePort();
  const as = (cmd: string, args: string[], timeout = 60_000) =>
    user ? run(user.prefix[0]!, [...user.prefix.slice(1), cmd, ...args], { timeout }) : run(cmd, args, { timeout });

  await as(join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);

  const postmasterPid = (): number | null => {
    try {
      const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      process.kill(pid, 0);
      return pid;
    } catch {
      return null;
    }
  };

  const options = [`-p ${port}`, `-k ${root}`, '-c listen_addresses=127.0.0.1', '-c fsync=off', '-c full_page_writes=off'];
  const start = async () => {
    // Right after a kill, the old backends may still hold the shared memory for a moment.
    let last: unknown;
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        await as(join(bin, 'pg_ctl'), ['-D', dataDir, '-l', join(root, 'log'), '-w', '-t', '60', '-o', options.join(' '), 'start']);
        return;
      } catch (error) {
        last = error;
        await sleep(250);
      }
    }
    const log = existsSync(join(root, 'log')) ? readFileSync(join(root, 'log'), 'utf8').slice(-2000) : '';
    throw new Error(`the private PostgreSQL did not start: ${(last as Error).message}\n${log}`);
  };

  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  return {
    port,
    dataDir,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start,
    stop: async () => {
      await as(join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
    },
    kill: async () => {
      const pid = postmasterPid();
      if (pid === null) throw new Error('the private PostgreSQL is not running');
      const { stdout } = await run('ps', ['-o', 'pid=', '--ppid', String(pid)]).catch(() => ({ stdout: '' }));
      const backends = stdout
        .split('\n')
        .map(Number)
        .filter((n) => n > 0);
      process.kill(pid, 'SIGKILL');
      // Backends notice the postmaster's death and exit; until they do, they hold its shared memory.
      const deadline = Date.now() + 15_000;
      while ([pid, ...backends].some(alive) && Date.now() < deadline) await sleep(50);
    },
    running: () => postmasterPid() !== null,
    destroy: async () => {
      if (postmasterPid() !== null) {
        await as(join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      }
      removeDir(root);
    },
  };
}

/** Creates a database in the private cluster. */
export async function createDatabaseIn(cluster: PrivatePostgres, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: cluster.url(), connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  return cluster.url(name);
}
