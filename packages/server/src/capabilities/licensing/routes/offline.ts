import { OfflineActivationRequest, OfflineActivationResponse } from '@leasehold/contract';
import { answerOfflineActivation, type OfflineActivationAnswer } from '../activations/offline.js';
import { contextOf } from '../../access/routes/auth.js';
import { ACTIVATION, answers, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { iso, leaseGrantOut } from '../../../platform/http/wire.js';

/** The response file for an answer: what the device imports to run offline until the lease expires. */
export function offlineResponseFile(answer: OfflineActivationAnswer, now: number) {
  return {
    format: 'leasehold-offline-response' as const,
    v: 1 as const,
    product: answer.product,
    fingerprint: answer.fingerprint,
    nonce: answer.nonce,
    activationId: answer.activationId,
    lease: leaseGrantOut(answer.lease),
    warnings: answer.warnings.map((w) => ({ code: w.code, message: w.message })),
    serverTime: iso(now),
  };
}

/** Offline activation for air-gapped devices: vendor staff turn a device's request file into a signed response file. */
export function offlineRoutes(app: App, services: Services): void {
  app.post('/v1/offline/activations', {
    config: { permission: 'entitlements:write' },
    schema: {
      tags: ['activations'],
      operationId: 'answerOfflineActivation',
      summary: "Answer an air-gapped device's activation request file with a signed response file",
      description:
        'For devices without a network: the request file the device wrote is uploaded here by staff, and the signed response file is carried back to the device.',
      body: OfflineActivationRequest,
      response: answers([200, 201], OfflineActivationResponse, ['NOT_FOUND', ...ACTIVATION]),
    },
    handler: async (req, reply) => {
      const ctx = {
        ...contextOf(services, req),
        keyring: services.keyring,
        findLicense: (h: string) => services.store.findEntitlementByKeyHash(h),
      };
      const answer = await answerOfflineActivation(ctx, req.body);
      return reply.code(answer.created ? 201 : 200).send(offlineResponseFile(answer, services.clock.now()));
    },
  });
}
