/** The records of the NetLicensing face's own rows; the rest of what it shows are core records. */

export type NlKind = 'product' | 'module' | 'template' | 'licensee' | 'license' | 'token' | 'transaction';

/** A face entity: the Leasehold record it dresses (`refId`) and its NetLicensing-only properties. */
export interface NlObjectRecord {
  kind: NlKind;
  refId: string;
  productId: string | null;
  parentId: string | null;
  props: Record<string, string>;
  createdAt: number;
  updatedAt: number;
}

/** A floating-licensing checkout of one feature by one licensee, held until `expiresAt`. */
export interface NlSessionRecord {
  customerId: string;
  featureId: string;
  sessionId: string;
  checkedOutAt: number;
  expiresAt: number;
}
