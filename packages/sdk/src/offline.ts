import type { OfflineActivationRequest, OfflineActivationResponse } from '@leasehold/contract';

/**
 * The files of offline activation, as the contract defines them. The request holds the license key
 * because the vendor needs it to find the license: treat the file like the key itself. Its `nonce`
 * is random, and the response must echo it, so a device only imports the answer to its own request.
 */
export type { OfflineActivationRequest, OfflineActivationResponse };

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
