import { ACTIVATION, answers, type App } from '../../../platform/http/route-kit.js';
import { OfflineActivationRequest, OfflineActivationResponse } from '@leasehold/contract';
import type { Services } from '../../../platform/http/services.js';
import { offlineResponseFile } from '../../licensing/routes/offline.js';
import { answerOwnOfflineActivation } from '../air-gapped.js';
import { portalOf } from './portal-auth.js';

/** Offline activation for the customer's air-gapped machines: their request file in, the signed response file out. */
export function offlineActivationRoutes(app: App, services: Services): void {
  app.post('/v1/portal/offline-activations', {
    config: { portal: 'session' },
    schema: {
      tags: ['portal'],
      operationId: 'answerPortalOfflineActivation',
      summary: "Answer an air-gapped machine's activation request file with the signed response file",
      description:
        'The request file the SDK wrote on the machine (`License.writeOfflineRequest`) is uploaded as the body; the answer is the response file to carry back ' +
        "(`License.importOfflineResponse`). The same activation as online, with its seat, rule and product checks; the key must be one of the customer's licenses " +
        '(another one is 404 NOT_FOUND). 201 for a new seat, 200 when that machine is active already.',
      body: OfflineActivationRequest,
      response: answers([200, 201], OfflineActivationResponse, ['NOT_FOUND', ...ACTIVATION]),
    },
    handler: async (req, reply) => {
      const { ctx, customerId } = portalOf(services, req);
      const answer = await answerOwnOfflineActivation(
        ctx,
        { keyring: services.keyring, findLicense: (h) => services.store.findEntitlementByKeyHash(h) },
        customerId,
        req.body,
      );
      return reply
        .code(answer.created ? 201 : 200)
        .header('content-disposition', `attachment; filename="offline-response-${answer.activationId}.json"`)
        .send(offlineResponseFile(answer, services.clock.now()));
    },
  });
}
