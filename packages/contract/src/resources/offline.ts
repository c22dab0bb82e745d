import { Type, type Static } from 'typebox';
import { LeaseGrant } from './client.js';

/**
 * Offline activation for air-gapped devices, as files: the device's SDK writes a request, the
 * vendor's staff (console, CLI, or POST /v1/offline/activations) turn it into a signed response,
 * the device imports it. The SDK and the server both read these shapes from here.
 */
export const OfflineActivationRequest = Type.Object(
  {
    format: Type.Literal('leasehold-offline-request'),
    v: Type.Literal(1),
    product: Type.String({ minLength: 1, maxLength: 200 }),
    fingerprint: Type.String({ minLength: 8, maxLength: 256, pattern: '^[\\x21-\\x7e]+$' }),
    licenseKey: Type.String({ minLength: 1, maxLength: 200 }),
    nonce: Type.String({ minLength: 16, maxLength: 128 }),
    createdAt: Type.String({ maxLength: 40 }),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    platform: Type.Optional(Type.String({ maxLength: 100 })),
    hostname: Type.Optional(Type.String({ maxLength: 255 })),
  },
  { title: 'OfflineActivationRequest', description: 'The file the SDK writes on an air-gapped device (License.writeOfflineRequest)' },
);

export const OfflineActivationResponse = Type.Object(
  {
    format: Type.Literal('leasehold-offline-response'),
    v: Type.Literal(1),
    product: Type.String(),
    fingerprint: Type.String(),
    nonce: Type.String(),
    activationId: Type.String(),
    lease: LeaseGrant,
    // Optional for the reader: response files written before warnings were carried have none.
    warnings: Type.Optional(Type.Array(Type.Object({ code: Type.String(), message: Type.String() }))),
    serverTime: Type.String(),
  },
  { title: 'OfflineActivationResponse', description: 'The file the SDK imports (License.importOfflineResponse)' },
);
export type OfflineActivationRequest = Static<typeof OfflineActivationRequest>;
export type OfflineActivationResponse = Static<typeof OfflineActivationResponse>;
