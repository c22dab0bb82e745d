/**
 * The reporting store's settings, read from the environment when used (README's configuration
 * table lists them with the server's other settings).
 */
import cluster from 'node:cluster';
import { join } from 'node:path';

export interface ReportSettings {
  /** Events read and appended per transaction of the reporting store. */
  batch: number;
  /** Waits this long before each batch commits (crash tests and chaos drills; 0 in production). */
  holdMs: number;
  /** DuckDB's threads for projection and report queries (its default is every core). */
  threads: number;
  /** `local`: this process keeps and answers its own store; `elected`: one elected process does, the others forward to it. */
  role: 'local' | 'elected';
  /** Where the other processes reach this one for reports (elected); null: derived from HOST and PORT. */
  url: string | null;
  /** How often the election is renewed and the leader's row read (elected). */
  heartbeatMs: number;
  /** How long a follower waits for the leader's answer to a forwarded report. */
  forwardTimeoutMs: number;
}

function whole(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(text)}`);
  return n;
}

function roleOf(env: NodeJS.ProcessEnv): 'local' | 'elected' {
  const role = env['LEASEHOLD_REPORTS_ROLE'] || 'local';
  if (role !== 'local' && role !== 'elected')
    throw new Error(`LEASEHOLD_REPORTS_ROLE must be local or elected, not ${JSON.stringify(role)}`);
  if (role === 'elected' && !env['DATABASE_URL'])
    throw new Error(
      'LEASEHOLD_REPORTS_ROLE=elected needs PostgreSQL (DATABASE_URL): the election runs on its advisory locks, and an embedded SQLite database serves one process only',
    );
  return role;
}

function urlOf(env: NodeJS.ProcessEnv): string | null {
  const text = env['LEASEHOLD_REPORTS_URL'];
  if (!text) return null;
  let url: URL | null = null;
  try {
    url = new URL(text);
  } catch {
    url = null;
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.search || url.hash || url.username || url.password || url.pathname !== '/')
    throw new Error(`LEASEHOLD_REPORTS_URL must be an http(s) URL of a host and port, without path or query, not ${JSON.stringify(text)}`);
  return url.origin;
}

export function reportSettings(env: NodeJS.ProcessEnv = process.env): ReportSettings {
  const role = roleOf(env);
  const url = urlOf(env);
  const workers = env['LEASEHOLD_WORKERS'];
  if (url !== null && workers !== undefined && workers !== '' && workers !== '1')
    throw new Error(
      'LEASEHOLD_REPORTS_URL names one process; with several workers each worker advertises an internal address of its own (leave it unset)',
    );
  return {
    batch: whole(env, 'LEASEHOLD_REPORTS_BATCH', 20_000, 1, 100_000),
    holdMs: whole(env, 'LEASEHOLD_REPORTS_HOLD_MS', 0, 0, 600_000),
    threads: whole(env, 'LEASEHOLD_REPORTS_THREADS', 1, 1, 256),
    role,
    url,
    heartbeatMs: whole(env, 'LEASEHOLD_REPORTS_HEARTBEAT_MS', 1000, 50, 60_000),
    forwardTimeoutMs: whole(env, 'LEASEHOLD_REPORTS_FORWARD_TIMEOUT_MS', 30_000, 100, 600_000),
  };
}

/**
 * Where this process's reporting store lives. A DuckDB file has one writer process, so each
 * worker of a cluster keeps its own copy (each fed from the same log).
 */
export function reportsFileOf(dataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const file = env['LEASEHOLD_REPORTS_FILE'] || join(dataDir, 'reports.duckdb');
  if (file === ':memory:' || !cluster.isWorker || !cluster.worker) return file;
  return file.replace(/(\.duckdb)?$/, `.${cluster.worker.id}$1`);
}

export const REPORT_SETTINGS_TABLE = [
  {
    name: 'LEASEHOLD_REPORTS_FILE',
    default: '<LEASEHOLD_DATA_DIR>/reports.duckdb',
    meaning:
      'The reporting store (DuckDB), rebuilt from the event log when missing; each cluster worker keeps its own (name.N.duckdb); :memory: keeps it in memory',
  },
  { name: 'LEASEHOLD_REPORTS_BATCH', default: '20000', meaning: 'Events the reporting projector reads and appends per transaction' },
  {
    name: 'LEASEHOLD_REPORTS_THREADS',
    default: '1',
    meaning:
      "DuckDB's threads for the reporting store: 1 keeps reports from taking every core from licensing traffic in the same process; more answers big reports sooner",
  },
  {
    name: 'LEASEHOLD_REPORTS_HOLD_MS',
    default: '0',
    meaning: 'Crash drills only: the reporting projector waits this long before each batch commits',
  },
  {
    name: 'LEASEHOLD_VALIDATION_FLUSH_MS',
    default: '60000',
    meaning:
      'How often the validation outcomes counted in memory are written as validation.summary events (one per account) for the validations report; a crash loses at most this long of counts',
  },
  {
    name: 'LEASEHOLD_REPORTS_ROLE',
    default: 'local',
    meaning:
      'local: each process keeps its own reporting store; elected (PostgreSQL only): one elected process keeps it and projects, the others forward the report routes to it',
  },
  {
    name: 'LEASEHOLD_REPORTS_URL',
    default: '(from HOST and PORT)',
    meaning:
      'With LEASEHOLD_REPORTS_ROLE=elected: where the other processes reach this one for reports (http://10.0.0.5:8080); set it when processes run on several machines',
  },
  {
    name: 'LEASEHOLD_REPORTS_HEARTBEAT_MS',
    default: '1000',
    meaning: 'With LEASEHOLD_REPORTS_ROLE=elected: how often the leader renews its heartbeat and the others try to take over',
  },
  {
    name: 'LEASEHOLD_REPORTS_FORWARD_TIMEOUT_MS',
    default: '30000',
    meaning: 'With LEASEHOLD_REPORTS_ROLE=elected: how long a follower waits for the leader to answer a report before 503',
  },
];
