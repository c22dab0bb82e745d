import {
  ActivationPatch,
  Activation,
  ChangeOfferingRequest,
  ChangeOfferingResult,
  Entitlement,
  EntitlementRekey,
  HistoryEntry,
  IdParams,
  ListOf,
  RevertRequest,
} from '@leasehold/contract';
import { changeOffering } from '../change-offering.js';
import { entitlementHistory, revertEntitlement } from '../history.js';
import { rekeyEntitlement } from '../rekey.js';
import { updateActivation } from '../../licensing/activations/pin.js';
import { contextOf } from '../../access/routes/auth.js';
import { answers, optionalBody, type App } from '../../../platform/http/route-kit.js';
import { timeFrom } from '../../../platform/domain/dates.js';
import type { Services } from '../../../platform/http/services.js';
import { activationOut, entitlementOut, iso } from '../../../platform/http/wire.js';

const tags = ['entitlements'];

/** Moving entitlements between offerings, their history, and reverting to a version. */
export function entitlementChangeRoutes(app: App, services: Services): void {
  app.post('/v1/entitlements/:id/change-offering', {
    config: { permission: 'entitlements:write' },
    schema: {
      tags,
      operationId: 'changeEntitlementOffering',
      summary: 'Upgrade, downgrade or cross-grade: overrides are kept, seats beyond the new count are cut; dryRun previews',
      description:
        'Moves the entitlement to another offering of the same product. With `dryRun: true` nothing changes and the answer shows what would: devices removed, overrides kept or dropped, dates moved.',
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
      operationId: 'listEntitlementHistory',
      summary: 'Every version of the entitlement with who changed what',
      description: 'Every version of the entitlement, with the actor and the fields that changed.',
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
      operationId: 'revertEntitlement',
      summary: 'Go back to an earlier version with a compensating change (recorded like any other); the status only with restoreStatus',
      description:
        'Restores the offering, overrides, dates and references of an earlier version as a new version; the history keeps everything in between. The status (active or suspended) is kept unless `restoreStatus` is true.',
      params: IdParams,
      body: RevertRequest,
      response: answers(200, Entitlement, ['NOT_FOUND', 'INVALID_STATE', 'DATE_OUT_OF_RANGE']),
    },
    handler: async (req) =>
      entitlementOut(
        await revertEntitlement(contextOf(services, req), req.params.id, req.body.version, { restoreStatus: req.body.restoreStatus }),
      ),
  });

  app.post('/v1/entitlements/:id/rekey', {
    config: { permission: 'entitlements:write' },
    schema: {
      tags,
      operationId: 'rekeyEntitlement',
      summary: 'Issue a new license key; the old one stops at once, or at oldKeyValidUntil',
      description:
        'Replaces the license key (a key that leaked, a reseller handing one back). The answer carries the new key. The old key stops working at once unless `oldKeyValidUntil` gives it a grace period; devices that hold it get no new lease with it afterwards. The body may be left out.',
      params: IdParams,
      body: optionalBody(EntitlementRekey),
      response: answers(200, Entitlement, ['NOT_FOUND', 'INVALID_STATE']),
    },
    handler: async (req) => {
      const body = req.body as EntitlementRekey | null;
      const until = body?.oldKeyValidUntil ? timeFrom('oldKeyValidUntil', body.oldKeyValidUntil) : undefined;
      return entitlementOut(
        await rekeyEntitlement(contextOf(services, req), req.params.id, { oldKeyValidUntil: until, reason: body?.reason }),
      );
    },
  });

  app.patch('/v1/activations/:id', {
    config: { permission: 'entitlements:write' },
    schema: {
      tags: ['activations'],
      operationId: 'updateActivation',
      summary: 'Pin a device (never evicted when seats are cut) or rename it',
      description: 'A pinned device is never the one removed when an offering change or a migration cuts seats.',
      params: IdParams,
      body: ActivationPatch,
      response: answers(200, Activation, ['NOT_FOUND']),
    },
    handler: async (req) => activationOut(await updateActivation(contextOf(services, req), req.params.id, req.body)),
  });
}
