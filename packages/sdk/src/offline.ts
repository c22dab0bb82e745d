import type { LeaseGrant } from '@leasehold/contract';

/**
 * The file an air-gapped device writes and the customer carries to the vendor (or to any machine
 * that can reach the vendor's portal). It holds the license key because the vendor needs it to
 * find the license; treat the file like the key itself.
 */
export interface OfflineActivationRequest {
  format: 'leasehold-offline-request';
  v: 1;
  product: string;
  fingerprint: string;
  licenseKey: string;
  /** Random; the response must echo it, so a device only imports the answer to its own request. */
  nonce: string;
  createdAt: string;
  name?: string;
  platform?: string;
  hostname?: string;
}

/** The vendor's signed answer (`leasehold offline activate`, or `POST /v1/offline/activations`). */
export interface OfflineActivationResponse {
  format: 'leasehold-offline-response';
  v: 1;
  product: string;
  fingerprint: string;
  nonce: string;
  activationId: string;
  lease: LeaseGrant;
  serverTime: string;
}

export function isOfflineResponse(value: unknown): value is OfflineActivationResponse {
  const o = value as Partial<OfflineActivationResponse> | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    o.format === 'leasehold-offline-response' &&
    o.v === 1 &&
    typeof o.product === 'string' &&
    typeof o.fingerprint === 'string' &&
    typeof o.nonce === 'string' &&
    typeof o.activationId === 'string' &&
    typeof o.lease?.token === 'string'
  );
}
