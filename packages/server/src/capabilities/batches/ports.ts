/** What batch activations ask of storage; the store implements it (capabilities/batches/store/). */
import type { Page, PageRequest } from '../../platform/domain/model.js';

export type BatchAction = 'activate' | 'deactivate' | 'rehost';
export type BatchState = 'pending' | 'running' | 'completed' | 'failed';
export type ItemOutcome = 'pending' | 'activated' | 'already_active' | 'deactivated' | 'not_active' | 'refused' | 'rehosted';

export interface BatchResults {
  activated: number;
  alreadyActive: number;
  deactivated: number;
  notActive: number;
  refused: number;
  /** Batches before rehosts existed have none. */
  rehosted?: number;
}

/** Many devices activated (or deactivated) on one entitlement by a background job. */
export interface ActivationBatchRecord {
  id: string;
  entitlementId: string;
  productId: string;
  action: BatchAction;
  state: BatchState;
  total: number;
  done: number;
  results: BatchResults;
  /** Refused items by error code. */
  refusals: Record<string, number>;
  error: string | null;
  actor: { type: string; id: string | null };
  requestId: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface BatchDeviceInput {
  fingerprint: string;
  name?: string | undefined;
  platform?: string | undefined;
  hostname?: string | undefined;
  user?: string | undefined;
  /** Rehost: the fingerprint of the live device this one replaces. */
  replaces?: string | undefined;
}

export interface BatchItemRecord {
  line: number;
  device: BatchDeviceInput;
  outcome: ItemOutcome;
  code: string | null;
  message: string | null;
  activationId: string | null;
  /** The signed lease issued to the device, for the offline bundle. */
  lease: string | null;
}

export interface ActivationBatchesPort {
  insert(b: ActivationBatchRecord, devices: BatchDeviceInput[]): Promise<void>;
  find(id: string): Promise<ActivationBatchRecord | undefined>;
  list(page: PageRequest): Promise<Page<ActivationBatchRecord>>;
  update(b: ActivationBatchRecord): Promise<void>;
  /** Up to `limit` items still to do, in line order. */
  pendingItems(batchId: string, limit: number): Promise<BatchItemRecord[]>;
  /** Records an item's outcome, only if it was still pending: false when it was done already. */
  finishItem(batchId: string, item: BatchItemRecord): Promise<boolean>;
  items(
    batchId: string,
    filter: { outcome?: ItemOutcome | undefined },
    page: { limit: number; afterLine: number },
  ): Promise<BatchItemRecord[]>;
  /** Takes the lock of one batch, of any account, that needs work; of several processes exactly one gets it. */
  claim(worker: string, now: number, lockMs: number): Promise<{ accountId: string; id: string } | undefined>;
  renew(id: string, worker: string, until: number): Promise<boolean>;
  release(id: string, worker: string): Promise<void>;
}

declare module '../../platform/domain/ports.js' {
  interface Tx {
    readonly activationBatches: ActivationBatchesPort;
  }
}
