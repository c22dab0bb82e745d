import { RedeemRequest, RedeemResponse } from '@leasehold/contract';
import { DomainError } from '../../../platform/domain/errors.js';
import type { Context } from '../../../platform/domain/context.js';
import { answers, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { isoOrNull } from '../../../platform/http/wire.js';
import { accountOfCode, redeemCode } from '../redeem.js';

/**
 * The customer's side of partner codes: redeem one into a license. Needs no credentials (the code
 * is the credential); the code's keyed hash names the account.
 */
export function redeemRoutes(app: App, services: Services): void {
  app.post('/v1/client/redeem', {
    schema: {
      tags: ['partners'],
      operationId: 'redeemCode',
      summary: 'Redeem a partner code into a customer and a license (once)',
      description:
        'Needs no license key: the code is the proof of purchase. Creates the customer (or finds the returning one by externalRef and email) and an entitlement of the code’s offering, and answers its license key. A code is redeemed once: a second redemption, racing or not, is 409 CODE_ALREADY_REDEEMED; a forged, voided or expired code is 422 CODE_INVALID.',
      body: RedeemRequest,
      response: answers(201, RedeemResponse, [
        'CODE_INVALID',
        'CODE_ALREADY_REDEEMED',
        'DUPLICATE_EXTERNAL_REF',
        'KEY_GENERATOR_FAILED',
        'KEY_REQUIRED',
      ]),
    },
    handler: async (req, reply) => {
      const base = { clock: services.clock, ids: services.ids, secrets: services.secrets };
      const accountId = await accountOfCode(
        { ...base, store: services.store.forAccount({ accountId: '', productId: null }) },
        req.body.code,
      );
      if (!accountId) throw new DomainError('CODE_INVALID', 'This is not a code the vendor issued.', { field: 'code', reason: 'unknown' });
      const ctx: Context = {
        ...base,
        store: services.store.forAccount({ accountId, productId: null }),
        actor: { type: 'system', id: 'redeem' },
        requestId: req.id,
      };
      const out = await redeemCode(ctx, req.body);
      return reply.code(201).send({
        key: out.entitlement.key,
        entitlementId: out.entitlement.record.id,
        customerId: out.customer.id,
        offering: { id: out.offering.id, code: out.offering.code, name: out.offering.name },
        endsAt: isoOrNull(out.entitlement.record.endsAt),
      });
    },
  });
}
