import {
  ActivateRequest,
  ActivateResponse,
  BorrowRequest,
  FingerprintRequest,
  Jwks,
  LeaseResponse,
  TrialRequest,
  TrialResponse,
  ValidateRequest,
  ValidationResult,
} from '@leasehold/contract';
import { Type } from 'typebox';
import type { FastifyReply } from 'fastify';
import { activate } from '../activations/activate.js';
import { deactivate } from '../activations/deactivate.js';
import { borrow, refresh } from '../activations/renewal.js';
import { validate } from '../activations/validate-online.js';
import { tallyOf } from '../validation/tally.js';
import { entitlementClaims } from '../leases/build.js';
import { jwks } from '../leases/signing-keys.js';
import { defaultAccount } from '../../access/accounts.js';
import { startTrial } from '../trials/start-trial.js';
import { DomainError } from '../../../platform/domain/errors.js';
import { clientContextOf } from './license-auth.js';
import { quotaOut } from '../../usage/routes/usage.js';
import { ACTIVATION, answers, DEVICE_STATE, LEASE, LICENSE_STATE, noContent, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { activationOut, iso, leaseGrantOut } from '../../../platform/http/wire.js';

const tags = ['client'];

/** The API the vendor's application talks to through the SDK, authenticated by the license key. */
export function clientRoutes(app: App, services: Services): void {
  const now = () => iso(services.clock.now());
  const tally = tallyOf(services);

  app.post('/v1/client/activate', {
    config: { license: 'required' },
    schema: {
      tags,
      operationId: 'activateClient',
      summary: 'Activate this device: takes a seat (or finds the one it has) and returns a lease',
      description:
        'Takes a seat for this device (201), or finds the one it already has (200), and returns a signed lease. Refused when the license may not run or has no seat left.',
      body: ActivateRequest,
      response: answers([200, 201], ActivateResponse, ACTIVATION),
    },
    handler: async (req, reply) => {
      const out = await activate(clientContextOf(services, req), req.body);
      services.metrics.activations.inc({ result: out.created ? 'created' : 'existing' });
      services.metrics.leases.inc({ via: 'activate' });
      return reply
        .code(out.created ? 201 : 200)
        .send({ activation: activationOut(out.activation), lease: leaseGrantOut(out.lease), warnings: out.warnings, serverTime: now() });
    },
  });

  app.post('/v1/client/validate', {
    config: { license: 'optional' },
    schema: {
      tags,
      operationId: 'validateClient',
      summary: 'May this license run now (on this device, with these features)? Always 200 with valid and a code',
      description:
        'Always 200 with `valid` and a `code` (VALID, SUSPENDED, EXPIRED, NOT_ACTIVATED, FEATURE_MISSING, \u2026); only a malformed request is an error. A key no license has answers valid: false with code NOT_FOUND.',
      body: ValidateRequest,
      response: answers(200, ValidationResult, ['LICENSE_KEY_INVALID']),
    },
    handler: async (req) => {
      if (!req.license) {
        services.metrics.validations.inc({ code: 'NOT_FOUND' });
        return {
          valid: false,
          code: 'NOT_FOUND' as const,
          message: 'No license has this key.',
          warnings: [],
          enforcement: null,
          entitlement: null,
          activation: null,
          serverTime: now(),
        };
      }
      const ctx = clientContextOf(services, req);
      const { verdict, license: l, activation, usage } = await validate(ctx, req.body);
      services.metrics.validations.inc({ code: verdict.code });
      // Counted in memory for the validations report; a background job writes the summaries.
      tally.count(
        req.license.accountId,
        { productId: l.product.id, customerId: l.customer.id, entitlementId: l.entitlement.id, code: verdict.code },
        services.clock.now(),
      );
      return {
        ...verdict,
        enforcement: l.offering.enforcementMode,
        entitlement: entitlementClaims(l),
        activation: activation ? { id: activation.id, seatKind: activation.seatKind } : null,
        usage: quotaOut(usage),
        serverTime: now(),
      };
    },
  });

  const leaseRoute = (path: string, operationId: string, summary: string, description: string, heartbeat: boolean) =>
    app.post(path, {
      config: { license: 'required' },
      schema: {
        tags,
        operationId,
        summary,
        description,
        body: FingerprintRequest,
        response: answers(200, LeaseResponse, [...LICENSE_STATE, 'PRODUCT_MISMATCH', ...DEVICE_STATE, ...LEASE]),
      },
      handler: async (req) => {
        const out = await refresh(clientContextOf(services, req), req.body, { heartbeat });
        services.metrics.leases.inc({ via: heartbeat ? 'heartbeat' : 'refresh' });
        return { lease: leaseGrantOut(out.lease), warnings: out.warnings, serverTime: now() };
      },
    });
  leaseRoute(
    '/v1/client/refresh',
    'refreshClientLease',
    'A new lease with the rights as they are now',
    "A new lease for an activated device, carrying the rights as they are now; the SDK calls it after the lease's refreshAfter.",
    false,
  );
  leaseRoute(
    '/v1/client/heartbeat',
    'sendClientHeartbeat',
    'Keep a floating or ephemeral seat: the seat is freed when heartbeats stop',
    'Floating and ephemeral seats are held by heartbeats: a device whose heartbeats stop loses its seat, and its next call answers HEARTBEAT_DEAD.',
    true,
  );

  app.post('/v1/client/borrow', {
    config: { license: 'required' },
    schema: {
      tags,
      operationId: 'borrowClientSeat',
      summary: 'Borrow a floating seat for offline use, up to the offering’s borrow limit',
      description:
        "A longer lease for a floating seat, so the device can run offline until it ends; refused with BORROW_NOT_ALLOWED beyond the offering's borrow limit.",
      body: BorrowRequest,
      response: answers(200, LeaseResponse, [...LICENSE_STATE, ...DEVICE_STATE, 'BORROW_NOT_ALLOWED', ...LEASE]),
    },
    handler: async (req) => {
      const out = await borrow(clientContextOf(services, req), req.body);
      services.metrics.leases.inc({ via: 'borrow' });
      return { lease: leaseGrantOut(out.lease), warnings: [], serverTime: now() };
    },
  });

  app.post('/v1/client/deactivate', {
    config: { license: 'required' },
    schema: {
      tags,
      operationId: 'deactivateClient',
      summary: 'Give this device’s seat back (a node-locked seat counts as a rehost)',
      description: "Frees this device's seat so another device can activate; for a node-locked seat this counts against the rehost limit.",
      body: FingerprintRequest,
      response: noContent(['NOT_ACTIVATED', 'REHOST_LIMIT_REACHED']),
    },
    handler: async (req, reply) => {
      await deactivate(clientContextOf(services, req), req.body);
      return reply.code(204).send();
    },
  });

  app.post('/v1/client/trial', {
    schema: {
      tags,
      operationId: 'startClientTrial',
      summary: 'Start a trial on this device: creates a trial license from the product’s trial offering and activates it',
      description:
        "Needs no license key: creates a trial entitlement from the product's trial offering for this device and activates it, once per device.",
      body: TrialRequest,
      response: answers(201, TrialResponse, ['NOT_FOUND', 'NO_TRIAL', 'TRIAL_ALREADY_USED', ...ACTIVATION, 'KEY_GENERATOR_FAILED']),
    },
    handler: async (req, reply) => {
      const accountId = req.body.account ?? (await services.store.accountOfProduct(req.body.product));
      if (!accountId)
        throw new DomainError('NOT_FOUND', `No product ${JSON.stringify(req.body.product)} (or it is ambiguous: pass account).`, {
          field: 'product',
        });
      const ctx = {
        store: services.store.forAccount({ accountId, productId: null }),
        clock: services.clock,
        ids: services.ids,
        secrets: services.secrets,
        keyring: services.keyring,
        actor: { type: 'system' as const, id: 'trial' },
        requestId: req.id,
      };
      const out = await startTrial(ctx, req.body);
      services.metrics.leases.inc({ via: 'trial' });
      return reply.code(201).send({
        key: out.key,
        entitlementId: out.entitlementId,
        activation: activationOut(out.activation),
        lease: leaseGrantOut(out.lease),
        warnings: out.warnings,
        serverTime: now(),
      });
    },
  });

  const jwksAnswer = async (accountId: string, reply: FastifyReply) => {
    const store = services.store.forAccount({ accountId, productId: null });
    const out = await jwks(store, services.keyring, services.clock.now());
    return reply.header('cache-control', 'public, max-age=300').send(out);
  };

  app.get('/.well-known/jwks.json', {
    schema: {
      tags,
      operationId: 'getJwks',
      summary:
        "The public lease-signing keys (JWKS) of the server's first account, or of ?account=; retired keys stay until their last lease expires",
      description:
        'Without `?account=` this answers the keys of the account the server was set up with (its first), whatever accounts are added later, so applications installed with this URL keep working. Every account also has a URL of its own, `/.well-known/accounts/{account}/jwks.json`, which is what a vendor on a shared server should ship.',
      querystring: Type.Object({ account: Type.Optional(Type.String({ maxLength: 200 })) }),
      response: answers(200, Jwks, ['NOT_FOUND']),
    },
    handler: async (req, reply) => jwksAnswer(req.query.account ?? (await defaultAccount(services.store)), reply),
  });

  app.get('/.well-known/accounts/:account/jwks.json', {
    schema: {
      tags,
      operationId: 'getAccountJwks',
      summary: "One account's public lease-signing keys (JWKS), at a URL of its own",
      description:
        'The URL to ship in an application: it names the account, so it answers the same keys however many accounts the server hosts. Cache-Control: public, max-age=300.',
      params: Type.Object({ account: Type.String({ maxLength: 200 }) }),
      response: answers(200, Jwks, ['NOT_FOUND']),
    },
    handler: async (req, reply) => jwksAnswer(req.params.account, reply),
  });
}
