/** What partners and their codes ask of storage; the store implements it (capabilities/partners/store/). */
import type { Metadata, OverridesWrite } from '@leasehold/contract';
import type { Page, PageRequest } from '../../platform/domain/model.js';

export type PartnerKind = 'reseller' | 'distributor' | 'oem' | 'other';

export interface PartnerRecord {
  id: string;
  name: string;
  kind: PartnerKind;
  email: string | null;
  externalRef: string | null;
  metadata: Metadata;
  createdAt: number;
  updatedAt: number;
}

export type CodeBatchState = 'pending' | 'generating' | 'ready' | 'voided';

/** An order of N authenticity codes for one partner and offering; generated in the background. */
export interface CodeBatchRecord {
  id: string;
  partnerId: string;
  offeringId: string;
  productId: string;
  quantity: number;
  generated: number;
  state: CodeBatchState;
  expiresAt: number | null;
  overrides: OverridesWrite;
  actor: { type: string; id: string | null };
  requestId: string | null;
  createdAt: number;
  finishedAt: number | null;
}

export type CodeState = 'issued' | 'redeemed' | 'voided';

export interface PartnerCodeRecord {
  hash: string;
  sealed: string;
  batchId: string;
  partnerId: string;
  serial: number;
  state: CodeState;
  redeemedAt: number | null;
  entitlementId: string | null;
}

export interface CodeCounts {
  issued: number;
  redeemed: number;
  voided: number;
}

export interface PartnersPort {
  insert(p: PartnerRecord): Promise<void>;
  update(p: PartnerRecord): Promise<void>;
  delete(id: string): Promise<void>;
  /** By id or externalRef. */
  find(ref: string): Promise<PartnerRecord | undefined>;
  list(page: PageRequest): Promise<Page<PartnerRecord>>;
}

export interface CodeBatchesPort {
  insert(b: CodeBatchRecord): Promise<void>;
  find(id: string): Promise<CodeBatchRecord | undefined>;
  list(filter: { partnerId?: string | undefined }, page: PageRequest): Promise<Page<CodeBatchRecord>>;
  /** Writes the generated count, state and finish time. */
  update(b: CodeBatchRecord): Promise<void>;
  /**
   * Takes the lock of one batch, of any account, that still has codes to generate; of several
   * processes asking at once exactly one gets it.
   */
  claim(worker: string, now: number, lockMs: number): Promise<{ accountId: string; id: string } | undefined>;
  release(id: string, worker: string): Promise<void>;
}

export interface PartnerCodesPort {
  insertMany(codes: PartnerCodeRecord[]): Promise<void>;
  /** The account a code belongs to, looked up across accounts by its keyed hash (redemption comes with no credentials). */
  accountOf(hash: string): Promise<string | undefined>;
  find(hash: string): Promise<PartnerCodeRecord | undefined>;
  /** Issued → redeemed, only if still issued: false when another redemption won. */
  redeem(hash: string, at: number): Promise<boolean>;
  attach(hash: string, entitlementId: string): Promise<void>;
  /** Issued → voided for one code (`hash`) or a whole batch; how many changed. */
  voidCodes(target: { hash: string } | { batchId: string }, at: number): Promise<number>;
  ofBatch(batchId: string, page: { limit: number; afterSerial: number }): Promise<PartnerCodeRecord[]>;
  counts(target: { partnerId: string } | { batchId: string }): Promise<CodeCounts>;
}

declare module '../../platform/domain/ports.js' {
  interface Tx {
    readonly partners: PartnersPort;
    readonly codeBatches: CodeBatchesPort;
    readonly partnerCodes: PartnerCodesPort;
  }
}
