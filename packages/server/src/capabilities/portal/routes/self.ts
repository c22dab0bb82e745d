import {
  ACTIVATION_STATES,
  IdParams,
  ListOf,
  ListQuery,
  PortalDevice,
  PortalEntitlement,
  PortalHistoryEntry,
  PortalInvitationOut,
  PortalLicenseKey,
  PortalUser,
  PortalUserCreate,
} from '@leasehold/contract';
import { Type } from 'typebox';
import { DomainError } from '../../../platform/domain/errors.js';
import { answers, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { pageOut } from '../../../platform/http/wire.js';
import {
  deactivateOwnDevice,
  getOwnEntitlement,
  listOwnDevices,
  listOwnEntitlements,
  portalHistory,
  revealOwnKey,
} from '../self-service.js';
import { disablePortalUser, invitePortalUser, listPortalUsers } from '../users.js';
import { portalOf, requirePortalAdmin } from './portal-auth.js';
import { historyOut, invitationOut, linkDeps, portalDeviceOut, portalEntitlementOut, portalUserOut } from './wire.js';

const tags = ['portal'];
const config = { portal: 'session' } as const;
const page = (q: { limit?: number | undefined; cursor?: string | undefined }) => ({ limit: q.limit ?? 50, cursor: q.cursor });
const DeviceQuery = Type.Object({ ...ListQuery.properties, state: Type.Optional(Type.Enum(ACTIVATION_STATES)) });

/** What a signed-in customer sees and does: their own entitlements, keys, devices, colleagues and history, nothing else. */
export function selfServiceRoutes(app: App, services: Services): void {
  app.get('/v1/portal/entitlements', {
    config,
    schema: {
      tags,
      operationId: 'listPortalEntitlements',
      summary: "The signed-in customer's entitlements, with rights, term, maintenance and seats",
      description:
        "The customer's own entitlements (never another's), with effective rights, term, maintenance and seats bought and used; no license key (see the key route).",
      querystring: ListQuery,
      response: answers(200, ListOf(PortalEntitlement), []),
    },
    handler: async (req) => {
      const { ctx, customerId } = portalOf(services, req);
      return pageOut(await listOwnEntitlements(ctx, customerId, page(req.query)), portalEntitlementOut);
    },
  });

  app.get('/v1/portal/entitlements/:id', {
    config,
    schema: {
      tags,
      operationId: 'getPortalEntitlement',
      summary: "One of the customer's entitlements",
      description: "One entitlement of the signed-in customer; another customer's is 404 NOT_FOUND, as one that does not exist.",
      params: IdParams,
      response: answers(200, PortalEntitlement, ['NOT_FOUND']),
    },
    handler: async (req) => {
      const { ctx, customerId } = portalOf(services, req);
      return portalEntitlementOut(await getOwnEntitlement(ctx, customerId, req.params.id));
    },
  });

  app.post('/v1/portal/entitlements/:id/key', {
    config,
    schema: {
      tags,
      operationId: 'revealPortalLicenseKey',
      summary: "Show the license key of one of the customer's entitlements (audited)",
      description:
        'The license key in clear, on demand. Every reveal is recorded as an `entitlement.key_revealed` event naming the portal user. Takes no body.',
      params: IdParams,
      response: answers(200, PortalLicenseKey, ['NOT_FOUND']),
    },
    handler: async (req) => {
      const { ctx, customerId } = portalOf(services, req);
      return revealOwnKey(ctx, customerId, req.params.id);
    },
  });

  app.get('/v1/portal/entitlements/:id/devices', {
    config,
    schema: {
      tags,
      operationId: 'listPortalDevices',
      summary: "Devices of one of the customer's entitlements, with last seen and version",
      description: 'The devices (activations) of the entitlement, live or ended (`state`), newest first.',
      params: IdParams,
      querystring: DeviceQuery,
      response: answers(200, ListOf(PortalDevice), ['NOT_FOUND']),
    },
    handler: async (req) => {
      const { ctx, customerId } = portalOf(services, req);
      return pageOut(await listOwnDevices(ctx, customerId, req.params.id, { state: req.query.state }, page(req.query)), portalDeviceOut);
    },
  });

  app.delete('/v1/portal/devices/:id', {
    config,
    schema: {
      tags,
      operationId: 'deactivatePortalDevice',
      summary: "Deactivate one of the customer's devices: its seat is free for the next activation",
      description:
        'Gives the seat back as the device itself would: a node-locked seat counts against the rehost limit of its period ' +
        '(409 REHOST_LIMIT_REACHED when used up; the vendor can still deactivate it). A device that is not active is 409 INVALID_STATE.',
      params: IdParams,
      response: answers(200, PortalDevice, ['NOT_FOUND', 'INVALID_STATE', 'REHOST_LIMIT_REACHED', 'NOT_ACTIVATED', 'LICENSE_KEY_INVALID']),
    },
    handler: async (req) => {
      const { ctx, customerId } = portalOf(services, req);
      return portalDeviceOut(await deactivateOwnDevice(ctx, services.keyring, customerId, req.params.id));
    },
  });

  app.get('/v1/portal/users', {
    config,
    schema: {
      tags,
      operationId: 'listPortalColleagues',
      summary: "The customer's portal users (colleagues)",
      description: 'Everyone of the signed-in customer who has portal access, with role and state.',
      querystring: ListQuery,
      response: answers(200, ListOf(PortalUser), []),
    },
    handler: async (req) => {
      const { ctx, customerId } = portalOf(services, req);
      return pageOut(await listPortalUsers(ctx, customerId, page(req.query)), portalUserOut);
    },
  });

  app.post('/v1/portal/users', {
    config,
    schema: {
      tags,
      operationId: 'invitePortalColleague',
      summary: 'An admin of the customer invites a colleague',
      description:
        "As the vendor's invitation, for the signed-in customer only; only a portal admin may (403 otherwise). The link is emailed, or returned to pass on without SMTP.",
      body: PortalUserCreate,
      response: answers(201, PortalInvitationOut, ['DUPLICATE_CODE']),
    },
    handler: async (req, reply) => {
      const { ctx, customerId, user } = portalOf(services, req);
      requirePortalAdmin(user);
      return reply.code(201).send(invitationOut(await invitePortalUser(ctx, linkDeps(services, req), customerId, req.body)));
    },
  });

  app.delete('/v1/portal/users/:id', {
    config,
    schema: {
      tags,
      operationId: 'disablePortalColleague',
      summary: 'An admin of the customer disables a colleague',
      description:
        'Disables a colleague of the same customer (their sessions end). Only a portal admin may, and not for themselves (409 INVALID_STATE).',
      params: IdParams,
      response: answers(200, PortalUser, ['NOT_FOUND', 'INVALID_STATE']),
    },
    handler: async (req) => {
      const { ctx, customerId, user } = portalOf(services, req);
      requirePortalAdmin(user);
      if (req.params.id === user.id)
        throw new DomainError('INVALID_STATE', 'You cannot disable yourself; ask another admin or the vendor.');
      return portalUserOut(await disablePortalUser(ctx, req.params.id, customerId));
    },
  });

  app.get('/v1/portal/history', {
    config,
    schema: {
      tags,
      operationId: 'listPortalHistory',
      summary: "What the customer's people did in the portal",
      description:
        "The events the customer's portal users are the actor of (sign-ins, invitations, key reveals, deactivations), newest first.",
      querystring: ListQuery,
      response: answers(200, ListOf(PortalHistoryEntry), []),
    },
    handler: async (req) => {
      const { ctx, customerId } = portalOf(services, req);
      return pageOut(await portalHistory(ctx, customerId, page(req.query)), historyOut);
    },
  });
}
