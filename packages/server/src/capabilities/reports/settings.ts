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
}

function whole(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(text)}`);
  return n;
}

export function reportSettings(env: NodeJS.ProcessEnv = process.env): ReportSettings {
  return {
    batch: whole(env, 'LEASEHOLD_REPORTS_BATCH', 5000, 1, 100_000),
    holdMs: whole(env, 'LEASEHOLD_REPORTS_HOLD_MS', 0, 0, 600_000),
    threads: whole(env, 'LEASEHOLD_REPORTS_THREADS', 1, 1, 256),
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
  { name: 'LEASEHOLD_REPORTS_BATCH', default: '5000', meaning: 'Events the reporting projector reads and appends per transaction' },
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
];
