import {
  ActivationPatch,
  Activation,
  ChangeOfferingRequest,
  ChangeOfferingResult,
  Entitlement,
  HistoryEntry,
  IdParams,
  ListOf,
  RevertRequest,
} from '@leasehold/contract';
import { changeOffering } from '../change-offering.js';
import { entitlementHistory, revertEntitlement } from '../history.js';
import { updateActivation } from '../../licensing/activations/pin.js';
import { contextOf } from '../../access/routes/auth.js';
import { answers, bearer, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { activationOut, entitlementOut, iso } from '../../../platform/http/wire.js';

const tags = ['entitlements'];

/** Moving entitlements between offerings, their history, and reverting to a version. */
export function entitlementChangeRoutes(app: App, services: Services): void {
  app.post('/v1/entitlements/:id/change-offering', {
    config: { permission: 'entitlements:write' },
    schema: {
      tags,
      security: bearer,
      summary: 'Upgrade, downgrade or cross-grade: overrides are kept, seats beyond the new count are cut; dryRun previews',
      params: IdParams,
      body: ChangeOfferingRequest,
      response: answers(200, ChangeOfferingResult, [
        'NOT_FOUND',
        'UNKNOWN_REFERENCE',
        'CHANGE_NOT_ALLOWED',
        'INVALID_STATE',
        'DATE_OUT_OF_RANGE',
      ]),
    },
    handler: async (req) => {
      const out = await changeOffering(contextOf(services, req), req.params.id, req.body);
      return {
        entitlement: entitlementOut(out.entitlement),
        removedActivations: out.removedActivations.map((a) => ({
          id: a.id,
          fingerprint: a.fingerprint,
          name: a.name,
          lastSeenAt: iso(a.lastSeenAt),
          pinned: a.pinned,
        })),
        keptOverrides: out.keptOverrides,
        droppedOverrides: out.droppedOverrides,
        datesChanged: out.datesChanged,
        warnings: out.warnings,
        dryRun: out.dryRun,
      };
    },
  });

  app.get('/v1/entitlements/:id/history', {
    config: { permission: 'entitlements:read' },
    schema: {
      tags,
      security: bearer,
      summary: 'Every version of the entitlement with who changed what',
      params: IdParams,
      response: answers(200, ListOf(HistoryEntry), ['NOT_FOUND']),
    },
    handler: async (req) => {
      const entries = await entitlementHistory(contextOf(services, req), req.params.id);
      return { data: entries.map((e) => ({ ...e, at: iso(e.at) })), nextCursor: null };
    },
  });

  app.post('/v1/entitlements/:id/revert', {
    config: { permission: 'entitlements:write' },
    schema: {
      tags,
      security: bearer,
      summary: 'Go back to an earlier version with a compensating change (recorded like any other); the status only with restoreStatus',
      params: IdParams,
      body: RevertRequest,
      response: answers(200, Entitlement, ['NOT_FOUND', 'INVALID_STATE', 'DATE_OUT_OF_RANGE']),
    },
    handler: async (req) =>
      entitlementOut(
        await revertEntitlement(contextOf(services, req), req.params.id, req.body.version, { restoreStatus: req.body.restoreStatus }),
      ),
  });

  app.patch('/v1/activations/:id', {
    config: { permission: 'entitlements:write' },
    schema: {
      tags: ['activations'],
      security: bearer,
      summary: 'Pin a device (never evicted when seats are cut) or rename it',
      params: IdParams,
      body: ActivationPatch,
      response: answers(200, Activation, ['NOT_FOUND']),
    },
    handler: async (req) => activationOut(await updateActivation(contextOf(services, req), req.params.id, req.body)),
  });
}
