import { ACTIVATION_STATES, Activation, IdParams, LeaseRecordOut, ListOf, ListQuery, SigningKey } from '@leasehold/contract';
import { Type } from 'typebox';
import { deactivateActivation, findDevice, getActivation, listActivations, listLeases } from '../activations/vendor.js';
import { returnEntitlement } from '../../entitlements/entitlements.js';
import { publishedKeys, rotateSigningKey } from '../leases/signing-keys.js';
import { contextOf } from '../../access/routes/auth.js';
import { answers, optionalBody, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { activationOut, entitlementOut, leaseOut, pageOut, signingKeyOut } from '../../../platform/http/wire.js';
import { Entitlement, EntitlementReason } from '@leasehold/contract';

const ActivationQuery = Type.Object({ ...ListQuery.properties, state: Type.Optional(Type.Enum(ACTIVATION_STATES)) });
const DeviceQuery = Type.Object({
  ...ActivationQuery.properties,
  fingerprint: Type.String({ minLength: 1, maxLength: 256, description: "The device's fingerprint, exact (as the application shows it)" }),
});

/** Staff's view of devices, leases and signing keys. */
export function activationRoutes(app: App, services: Services): void {
  app.get('/v1/entitlements/:id/activations', {
    config: { permission: 'entitlements:read' },
    schema: {
      tags: ['activations'],
      operationId: 'listActivations',
      summary: 'Devices of an entitlement, with platform and last seen',
      description: "The entitlement's devices, live or deactivated (`state`), a page at a time.",
      params: IdParams,
      querystring: ActivationQuery,
      response: answers(200, ListOf(Activation), ['NOT_FOUND']),
    },
    handler: async (req) =>
      pageOut(
        await listActivations(
          contextOf(services, req),
          req.params.id,
          { state: req.query.state },
          { limit: req.query.limit ?? 50, cursor: req.query.cursor },
        ),
        activationOut,
      ),
  });

  app.get('/v1/activations', {
    config: { permission: 'entitlements:read' },
    schema: {
      tags: ['activations'],
      operationId: 'findActivationsByFingerprint',
      summary: 'Find a device by its fingerprint, on every entitlement it activated',
      description:
        "A support desk's lookup: the activations (live or ended, `state`) of the device with this fingerprint, across the account's entitlements, a page at a time.",
      querystring: DeviceQuery,
      response: answers(200, ListOf(Activation), []),
    },
    handler: async (req) =>
      pageOut(
        await findDevice(
          contextOf(services, req),
          req.query.fingerprint,
          { state: req.query.state },
          { limit: req.query.limit ?? 50, cursor: req.query.cursor },
        ),
        activationOut,
      ),
  });

  app.get('/v1/activations/:id', {
    config: { permission: 'entitlements:read' },
    schema: {
      tags: ['activations'],
      operationId: 'getActivation',
      summary: 'Read an activation',
      description: 'One device of an entitlement: its fingerprint, platform, seat kind and when it was last seen.',
      params: IdParams,
      response: answers(200, Activation, ['NOT_FOUND']),
    },
    handler: async (req) => activationOut(await getActivation(contextOf(services, req), req.params.id)),
  });

  app.delete('/v1/activations/:id', {
    config: { permission: 'entitlements:write' },
    schema: {
      tags: ['activations'],
      operationId: 'deactivateActivation',
      summary: 'Deactivate a device: its seat is freed and its next refresh fails',
      description:
        "Frees the device's seat at once; the device's next refresh fails with NOT_ACTIVATED. The activation stays in the history as deactivated.",
      params: IdParams,
      response: answers(200, Activation, ['NOT_FOUND']),
    },
    handler: async (req) => activationOut(await deactivateActivation(contextOf(services, req), req.params.id)),
  });

  app.get('/v1/entitlements/:id/leases', {
    config: { permission: 'entitlements:read' },
    schema: {
      tags: ['activations'],
      operationId: 'listLeases',
      summary: 'Every lease issued for an entitlement',
      description: "Every lease issued for the entitlement's devices, a page at a time.",
      params: IdParams,
      querystring: ListQuery,
      response: answers(200, ListOf(LeaseRecordOut), ['NOT_FOUND']),
    },
    handler: async (req) =>
      pageOut(
        await listLeases(contextOf(services, req), req.params.id, { limit: req.query.limit ?? 50, cursor: req.query.cursor }),
        leaseOut,
      ),
  });

  app.post('/v1/entitlements/:id/return', {
    config: { permission: 'entitlements:write' },
    schema: {
      tags: ['entitlements'],
      operationId: 'returnEntitlement',
      summary: 'The customer returns the license: all seats are released and no lease is issued again',
      description:
        "Final, like revoke, but recorded as the customer's doing (a refund, a cancelled order); all seats are freed. The body (an optional reason) may be left out.",
      params: IdParams,
      body: optionalBody(EntitlementReason),
      response: answers(200, Entitlement, ['NOT_FOUND', 'INVALID_STATE']),
    },
    handler: async (req) =>
      entitlementOut(await returnEntitlement(contextOf(services, req), req.params.id, (req.body as { reason?: string } | null)?.reason)),
  });

  app.get('/v1/signing-keys', {
    config: { permission: 'keys:manage' },
    schema: {
      tags: ['access'],
      operationId: 'listSigningKeys',
      summary: 'Lease-signing keys, active and retired',
      description: "The account's lease-signing keys with their state; private keys never leave the server.",
      response: answers(200, ListOf(SigningKey), []),
    },
    handler: async (req) => {
      const ctx = contextOf(services, req);
      const keys = await publishedKeys(ctx.store, services.clock.now());
      return { data: keys.map(signingKeyOut), nextCursor: null };
    },
  });

  app.post('/v1/signing-keys/rotate', {
    config: { permission: 'keys:manage' },
    schema: {
      tags: ['access'],
      operationId: 'rotateSigningKey',
      summary: 'Start signing with a new key; the old one stays in the JWKS until its leases expire',
      description:
        'New leases are signed with a new key at once; the previous key stays published in the JWKS until the last lease it signed has expired. Takes no body.',
      response: answers(200, SigningKey, ['INVALID_STATE']),
    },
    handler: async (req) => {
      const ctx = contextOf(services, req);
      const created = await rotateSigningKey(ctx, services.keyring);
      return signingKeyOut({ record: created, publishedUntil: null });
    },
  });
}
