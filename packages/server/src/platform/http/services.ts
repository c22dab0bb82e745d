import type { Clock } from '../../foundation/clock.js';
import type { IdGenerator } from '../../foundation/ids.js';
import type { MasterKey } from '../../secrets/master-key.js';
import type { Store } from '../store/store.js';
import type { ActivationRecord, ApiKeyRecord } from '../domain/model.js';
import type { Keyring } from '../../capabilities/licensing/leases/keyring.js';
import type { LicenseCache } from '../../capabilities/licensing/store/license-cache.js';
import type { Metrics } from './metrics.js';
import type { ArtifactStores } from '../../capabilities/releases/storage/storage.js';
import type { ReportsLeadership } from '../../capabilities/reports/store/leader.js';

/**
 * A batch that could not be written (the database is down) goes back in line, so the next flush
 * writes it; a newer stamp for the same row, taken meanwhile, wins.
 */
function requeue(pending: Map<string, { accountId: string; at: number }>, batch: Map<string, { accountId: string; at: number }>): void {
  for (const [id, stamp] of batch) {
    const newer = pending.get(id);
    if (!newer || newer.at < stamp.at) pending.set(id, stamp);
  }
}

/** Last-used stamps for API keys, collected in memory and written in one batch now and then. */
export class ApiKeyUsage {
  private pending = new Map<string, { accountId: string; at: number }>();

  constructor(private readonly store: Store) {}

  stamp(key: ApiKeyRecord, at: number): void {
    this.pending.set(key.id, { accountId: key.accountId, at });
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    await this.store.touchApiKeys(batch).catch((error: unknown) => {
      requeue(this.pending, batch);
      throw error;
    });
  }
}

/** Devices' last-seen times from validations and refreshes, batched the same way. */
export class ActivityStamps {
  private pending = new Map<string, { accountId: string; at: number }>();

  constructor(private readonly store: Store) {}

  stamp(accountId: string, activation: ActivationRecord, at: number): void {
    this.pending.set(activation.id, { accountId, at });
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    await this.store.touchActivations(batch).catch((error: unknown) => {
      requeue(this.pending, batch);
      throw error;
    });
  }
}

/** Everything the HTTP layer hands to domain services; built once per process. */
export interface Services {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  secrets: MasterKey;
  apiKeyUsage: ApiKeyUsage;
  activity: ActivityStamps;
  keyring: Keyring;
  /** License snapshots and key owners for the validation hot path (see store/license-cache.ts). */
  licenses: LicenseCache;
  /** Prometheus counters and gauges of this process (GET /metrics). */
  metrics: Metrics;
  /** Where release artifacts are stored: the driver for new uploads and every one old artifacts name. */
  artifacts: ArtifactStores;
  /** The reporting store's DuckDB file (capabilities/reports); absent: in memory. */
  reportsFile?: string;
  /** With LEASEHOLD_REPORTS_ROLE=elected (serve only): who leads the reporting store (capabilities/reports/store/leader.ts). */
  reportsLeadership?: ReportsLeadership;
}
