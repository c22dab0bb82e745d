import { PortalEntitlement, PortalRedeem } from '@leasehold/contract';
import { answers, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { redeemOwnCode } from '../redeem.js';
import { portalOf, requirePortalAdmin } from './portal-auth.js';
import { portalEntitlementOut } from './wire.js';

/** A customer's admin redeems a partner code into a new entitlement of their organisation. */
export function redeemRoutes(app: App, services: Services): void {
  app.post('/v1/portal/redemptions', {
    config: { portal: 'session' },
    schema: {
      tags: ['portal'],
      operationId: 'redeemPortalCode',
      summary: 'An admin redeems a partner authenticity code into an entitlement of their customer',
      description:
        "Partners' redemption (`POST /v1/client/redeem`) into the signed-in customer: the code's offering becomes a new entitlement of theirs (its key on demand, as any). " +
        "A code is redeemed once (409 CODE_ALREADY_REDEEMED); a forged, mistyped, voided or expired code, or another vendor's, is 422 CODE_INVALID. 403 for a member.",
      body: PortalRedeem,
      response: answers(201, PortalEntitlement, ['CODE_INVALID', 'CODE_ALREADY_REDEEMED', 'KEY_GENERATOR_FAILED', 'KEY_REQUIRED']),
    },
    handler: async (req, reply) => {
      const { ctx, customerId, user } = portalOf(services, req);
      requirePortalAdmin(user);
      return reply.code(201).send(portalEntitlementOut(await redeemOwnCode(ctx, customerId, req.body.code)));
    },
  });
}
