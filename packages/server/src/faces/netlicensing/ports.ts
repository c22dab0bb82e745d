/** What the NetLicensing face asks of storage for its own rows; the store implements it (faces/netlicensing/store/). */
import type { NlKind, NlObjectRecord, NlSessionRecord } from './records.js';

/** The NetLicensing face's own rows, scoped to one account like every repository. */
export interface NetLicensingPort {
  /** With `lock`, the row stays locked until the transaction ends. */
  find(kind: NlKind, refId: string, opts?: { lock?: boolean }): Promise<NlObjectRecord | undefined>;
  /** Every face entity of a kind, optionally of one product or one parent, oldest first. */
  list(kind: NlKind, filter?: { productId?: string | undefined; parentId?: string | undefined }): Promise<NlObjectRecord[]>;
  /** A product module by its number: the code of the feature it dresses (codes are unique per product). */
  findModule(number: string): Promise<NlObjectRecord | undefined>;
  insert(o: NlObjectRecord): Promise<void>;
  update(o: NlObjectRecord): Promise<void>;
  delete(kind: NlKind, refId: string): Promise<void>;
  /** The checkouts of one feature by one licensee. */
  sessions(customerId: string, featureId: string): Promise<NlSessionRecord[]>;
  upsertSession(s: NlSessionRecord): Promise<void>;
  deleteSession(customerId: string, featureId: string, sessionId: string): Promise<void>;
  /** Sessions past their checkout validity stop counting; they are removed when next looked at. */
  deleteExpiredSessions(customerId: string, featureId: string, now: number): Promise<void>;
  deleteSessionsOfFeature(featureId: string): Promise<void>;
  deleteSessionsOf(customerId: string): Promise<void>;
  /** Whether an automatic license (trial, free plan) of this template was ever granted to the licensee: it is granted once. */
  wasAutoGranted(customerId: string, offeringId: string): Promise<boolean>;
  recordAutoGrant(customerId: string, offeringId: string, at: number): Promise<void>;
}

/** Its repositories, in the transaction every service is handed (`Tx`, platform/domain/ports.ts). */
declare module '../../platform/domain/ports.js' {
  interface Tx {
    readonly netlicensing: NetLicensingPort;
  }
}
