import { CustomerErase, CustomerErasure, IdParams } from '@leasehold/contract';
import { eraseCustomer } from '../erase.js';
import { contextOf } from '../../access/routes/auth.js';
import { answers, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';

export function erasureRoutes(app: App, services: Services): void {
  app.post('/v1/customers/:id/erase', {
    config: { permission: 'customers:erase' },
    schema: {
      tags: ['customers'],
      operationId: 'eraseCustomer',
      summary: "Erase a customer's personal data (cannot be undone)",
      description:
        'Replaces the customer’s name, email and metadata, its devices’ names and hostnames, and their copies in events and kept records with `[erased]` ' +
        '(named users and ephemeral hosts with numbered pseudonyms, so seats count the same). Ids, entitlements, license keys, activations and every ' +
        'event’s type and time stay; licenses keep validating. `confirm` must repeat the customer id. A repeated request erases nothing more and ' +
        'answers `erased: false`. Needs an account-wide admin key or session.',
      params: IdParams,
      body: CustomerErase,
      response: answers(200, CustomerErasure, ['NOT_FOUND']),
    },
    handler: async (req) => eraseCustomer(contextOf(services, req), req.params.id, req.body),
  });
}
