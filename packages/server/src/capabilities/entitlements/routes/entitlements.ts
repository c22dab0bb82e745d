import {
  type ErrorCode,
  ENTITLEMENT_STATES,
  Entitlement,
  EntitlementCreate,
  EntitlementPatch,
  EntitlementReason,
  EntitlementRenew,
  IdParams,
  ListOf,
  ListQuery,
  Timestamp,
} from '@leasehold/contract';
import { Type, type TSchema } from 'typebox';
import {
  createEntitlement,
  getEntitlement,
  listEntitlements,
  renewEntitlement,
  resumeEntitlement,
  revokeEntitlement,
  suspendEntitlement,
  updateEntitlement,
} from '../entitlements.js';
import { entitlementAsOf } from '../history.js';
import { contextOf } from '../../access/routes/auth.js';
import { answers, optionalBody, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { entitlementOut, pageOut } from '../../../platform/http/wire.js';
import { timeFrom } from '../../../platform/domain/dates.js';

const tags = ['entitlements'];
const Ref = Type.String({ maxLength: 200 });
const RefOf = (what: string) => Type.Optional(Type.String({ maxLength: 200, description: `The ${what}'s id, code or external reference` }));
const Deprecated = (name: string) =>
  Type.Optional(Type.String({ maxLength: 200, deprecated: true, description: `Old name of \`${name}\`` }));
// The short names (`customer`, `offering`, `product`) are the ones every list uses (events, usage);
// the `…Id` names of the first release still work.
const EntitlementQuery = Type.Object({
  ...ListQuery.properties,
  customer: RefOf('customer'),
  offering: RefOf('offering'),
  product: RefOf('product'),
  state: Type.Optional(Type.Enum(ENTITLEMENT_STATES)),
  orderRef: Type.Optional(Ref),
  key: Type.Optional(
    Type.String({
      minLength: 1,
      // Imported signed keys (Keygen's ED25519_SIGN, RSA…) run to several hundred characters.
      maxLength: 2000,
      description: 'A license key as a customer reads it out (case, dashes and O/I/L forgiven): exact match, never a scan',
    }),
  ),
  customerId: Deprecated('customer'),
  offeringId: Deprecated('offering'),
  productId: Deprecated('product'),
});
const OptionalReason = optionalBody(EntitlementReason);
const OptionalRenew = optionalBody(EntitlementRenew);
const FEATURE_VALUES: ErrorCode[] = ['UNKNOWN_FEATURE', 'INVALID_FEATURE_VALUE'];

export function entitlementRoutes(app: App, services: Services): void {
  app.get('/v1/entitlements', {
    config: { permission: 'entitlements:read' },
    schema: {
      tags,
      operationId: 'listEntitlements',
      summary: 'List entitlements; find one by its license key with ?key=',
      description:
        'Entitlements a page at a time, filtered by customer, offering, product (id, code or external reference), state, order reference, or the license key a customer reads out (`key`: exact match through the keyed hash; case, dashes and O/I/L forgiven).',
      querystring: EntitlementQuery,
      response: answers(200, ListOf(Entitlement), []),
    },
    handler: async (req) => {
      const q = req.query;
      const filter = {
        customer: q.customer ?? q.customerId,
        offering: q.offering ?? q.offeringId,
        product: q.product ?? q.productId,
        state: q.state,
        orderRef: q.orderRef,
        key: q.key,
      };
      return pageOut(await listEntitlements(contextOf(services, req), filter, { limit: q.limit ?? 50, cursor: q.cursor }), entitlementOut);
    },
  });

  app.post('/v1/entitlements', {
    config: { permission: 'entitlements:write' },
    schema: {
      tags,
      operationId: 'createEntitlement',
      summary: 'Grant an offering to a customer; the response carries the license key',
      description:
        'Grants an offering to a customer, optionally with overrides, and issues the license key the application activates with. The key is in this response and can be read again later by staff.',
      body: EntitlementCreate,
      response: answers(201, Entitlement, [
        'UNKNOWN_REFERENCE',
        'DUPLICATE_EXTERNAL_REF',
        ...FEATURE_VALUES,
        'DATE_OUT_OF_RANGE',
        'DUPLICATE_CODE',
        'KEY_REQUIRED',
        'KEY_GENERATOR_FAILED',
      ]),
    },
    handler: async (req, reply) => reply.code(201).send(entitlementOut(await createEntitlement(contextOf(services, req), req.body))),
  });

  app.get('/v1/entitlements/:id', {
    config: { permission: 'entitlements:read' },
    schema: {
      tags,
      operationId: 'getEntitlement',
      summary: 'Read an entitlement with its effective rights; with asOf, as it stood at that moment',
      description:
        'The entitlement with its overrides and its effective rights (offering and overrides combined); `asOf` answers with the version in force at that moment.',
      params: IdParams,
      querystring: Type.Object({ asOf: Type.Optional(Timestamp) }),
      response: answers(200, Entitlement, ['NOT_FOUND']),
    },
    handler: async (req) => {
      const ctx = contextOf(services, req);
      if (req.query.asOf) {
        const then = await entitlementAsOf(ctx, req.params.id, timeFrom('asOf', req.query.asOf));
        return entitlementOut({ record: { ...then.record, keyHash: '', keySealed: '' }, key: then.key, effective: then.effective });
      }
      return entitlementOut(await getEntitlement(ctx, req.params.id));
    },
  });

  app.patch('/v1/entitlements/:id', {
    config: { permission: 'entitlements:write' },
    schema: {
      tags,
      operationId: 'updateEntitlement',
      summary: 'Change an entitlement: overrides (null removes one), dates, references',
      description:
        'Writes overrides (a field set to null removes its override), dates and references; every change is a new version in the history.',
      params: IdParams,
      body: EntitlementPatch,
      response: answers(200, Entitlement, ['NOT_FOUND', 'DUPLICATE_EXTERNAL_REF', ...FEATURE_VALUES, 'DATE_OUT_OF_RANGE']),
    },
    handler: async (req) => entitlementOut(await updateEntitlement(contextOf(services, req), req.params.id, req.body)),
  });

  type ActionBody = { reason?: string; term?: string } | null;
  const action = (
    name: string,
    operationId: string,
    summary: string,
    description: string,
    run: (ctx: ReturnType<typeof contextOf>, id: string, body: ActionBody) => ReturnType<typeof getEntitlement>,
    codes: readonly ErrorCode[] = [],
    body: TSchema = OptionalReason,
  ) =>
    app.post(`/v1/entitlements/:id/${name}`, {
      config: { permission: 'entitlements:write' },
      schema: {
        tags,
        operationId,
        summary,
        description,
        params: IdParams,
        body,
        response: answers(200, Entitlement, ['NOT_FOUND', 'INVALID_STATE', ...codes]),
      },
      handler: async (req) => entitlementOut(await run(contextOf(services, req), req.params.id, req.body as ActionBody)),
    });

  action(
    'suspend',
    'suspendEntitlement',
    'Suspend: the next refresh or validation fails with SUSPENDED',
    'Devices keep their seats but get no new lease: their next refresh or validation answers SUSPENDED. The body (an optional reason) may be left out.',
    (ctx, id, body) => suspendEntitlement(ctx, id, body?.reason),
  );
  action(
    'resume',
    'resumeEntitlement',
    'Resume a suspended entitlement',
    'Undoes a suspension; 409 INVALID_STATE when the entitlement is not suspended. The body may be left out.',
    (ctx, id) => resumeEntitlement(ctx, id),
  );
  action(
    'renew',
    'renewEntitlement',
    'Extend by the term from the end (or from now when expired)',
    'Extends a term-limited entitlement by its term (or by `term`) from its end, or from now when it has expired. The body may be left out.',
    (ctx, id, body) => renewEntitlement(ctx, id, body?.term),
    ['NOT_RENEWABLE', 'DATE_OUT_OF_RANGE'],
    OptionalRenew,
  );
  action(
    'revoke',
    'revokeEntitlement',
    'Revoke for good: no lease is issued again',
    'Final: the entitlement never gets a lease again and its devices fail their next refresh with REVOKED. The body (an optional reason) may be left out.',
    (ctx, id, body) => revokeEntitlement(ctx, id, body?.reason),
  );
}
