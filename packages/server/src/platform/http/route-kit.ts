import { ERROR_CODES, ERROR_STATUS, errorBodyOf, type ErrorCode } from '@leasehold/contract';
import { Type, type TSchema } from 'typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';

export type App = FastifyInstance<any, any, any, any, TypeBoxTypeProvider>; // eslint-disable-line @typescript-eslint/no-explicit-any

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Every error code the route may answer with: its own (from `answers`) and those the kit adds. */
    errors?: ReadonlySet<ErrorCode>;
    /** The route's body may be left out (see optionalBody); set by the kit, read by the JSON parser. */
    optionalBody?: boolean;
  }
  interface FastifyInstance {
    /** `METHOD url` → the error codes the route declares, as documented; what the tests walk. */
    declaredErrors: Map<string, ErrorCode[]>;
  }
}

/** What a client call refuses a license with because of its state now (requireUsable). */
export const LICENSE_STATE: readonly ErrorCode[] = ['SUSPENDED', 'REVOKED', 'RETURNED', 'NOT_STARTED', 'EXPIRED'];
/** What a client call refuses a device with when it holds no live seat (liveActivationOf). */
export const DEVICE_STATE: readonly ErrorCode[] = ['NOT_ACTIVATED', 'HEARTBEAT_DEAD'];
/** A lease whose end would fall past the range the API represents (buildLease); every route issuing one. */
export const LEASE: readonly ErrorCode[] = ['DATE_OUT_OF_RANGE'];
/** What activating a device refuses beyond the license's state (activateIn: product, seats, rules, its lease). */
export const ACTIVATION: readonly ErrorCode[] = [...LICENSE_STATE, 'PRODUCT_MISMATCH', 'SEAT_LIMIT_REACHED', 'RULE_UNSATISFIED', ...LEASE];

/** The codes a route names itself: what its handler and the domain services it calls can refuse with. */
const ownCodes = new WeakMap<object, readonly ErrorCode[]>();

/** Response map for a route answering `status` (or each of several) with `body`, refusing with `codes`. */
export function answers<S extends number, T extends TSchema>(status: S | readonly S[], body: T, codes: readonly ErrorCode[]) {
  const map = Object.fromEntries([status].flat().map((s) => [s, body])) as { [K in S]: T };
  ownCodes.set(map, codes);
  return map;
}

/** Response map for a route answering `204` with no body, refusing with `codes`. */
export function noContent(codes: readonly ErrorCode[]) {
  return answers(204, { type: 'null', description: 'Done; no body' } as unknown as TSchema, codes);
}

/** Bodies a route may leave out (see optionalBody). */
const optionalBodies = new WeakSet<object>();

/**
 * A body the caller may leave out: a bare POST (with or without `Content-Type: application/json`)
 * reaches the handler as `null`, and the OpenAPI document marks the request body not required.
 * For action endpoints (suspend, revoke…) whose fields are all optional.
 */
export function optionalBody<T extends TSchema>(schema: T) {
  const body = Type.Union([schema, Type.Null()]);
  optionalBodies.add(body);
  return body;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const WRITES = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

/**
 * The codes a route can answer whatever its handler does, because a hook of this app answers them
 * before or around it; each line mirrors the condition of the hook it names.
 */
function kitCodes(method: string, route: RouteOptions): ErrorCode[] {
  const config = route.config ?? {};
  const codes: ErrorCode[] = ['INVALID_REQUEST', 'INTERNAL', 'SERVICE_UNAVAILABLE']; // schema validation, input limits, faults
  if (BODY_METHODS.has(method)) codes.push('PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'); // the body parser
  if (config.permission) codes.push('UNAUTHENTICATED', 'FORBIDDEN'); // installManagementAuth
  if (config.permission && WRITES.has(method)) codes.push('IDEMPOTENCY_KEY_REUSED', 'IDEMPOTENCY_IN_PROGRESS'); // installIdempotency
  if (config.license === 'required') codes.push('UNAUTHENTICATED', 'LICENSE_KEY_INVALID'); // installLicenseAuth
  if (config.portal === 'session') codes.push('UNAUTHENTICATED', 'FORBIDDEN'); // the portal's authentication
  if (route.url.startsWith('/v1/client/')) codes.push('TOO_MANY_REQUESTS'); // installRateLimits
  return codes;
}

/** One error schema per status, listing just the codes the route may answer there. */
function errorResponses(codes: readonly ErrorCode[]): Record<number, TSchema> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  return Object.fromEntries([...byStatus].map(([status, list]) => [status, errorBodyOf(list, list.join(', '))]));
}

/**
 * Completes every route's responses with its error statuses as it registers: the codes it names in
 * `answers` plus those the app's hooks add. Every /v1 route must name its codes, or the app does not
 * start. Installed before anything registers a route (and before the OpenAPI document reads them).
 */
export function installDeclaredErrors(app: FastifyInstance): void {
  const table = new Map<string, ErrorCode[]>();
  app.decorate('declaredErrors', table);
  app.addHook('onRoute', (route) => {
    const response = route.schema?.response as object | undefined;
    const own = response && ownCodes.get(response);
    if (!own) {
      if (route.url.startsWith('/v1/')) throw new Error(`route ${String(route.method)} ${route.url} declares no error codes`);
      return;
    }
    const methods = [route.method].flat().filter((m) => m !== 'HEAD');
    const declared = ERROR_CODES.filter((code) => own.includes(code) || methods.some((m) => kitCodes(m, route).includes(code)));
    route.schema = { ...route.schema, response: { ...response, ...errorResponses(declared) } };
    route.config = { ...route.config, errors: new Set(declared) };
    for (const method of methods) table.set(`${method} ${route.url}`, declared);
  });
}

/** The OpenAPI extension marking an operation whose body may be left out; the document's post-processing reads it. */
export const OPTIONAL_BODY = 'x-leasehold-optional-body';

const OPERATION_ID = /^[a-z][a-zA-Z0-9]*$/;

/**
 * What every route documented in /openapi.json must say about itself, checked as it registers so a
 * route without it does not start: a unique camelCase `operationId` (the method name of generated
 * clients), a `summary` and a `description`. The kit fills in what follows from the route's config:
 * `security` from how it authenticates (a permission: an API key or a console session; a license
 * key; nothing), and for an optionalBody the hook that turns a missing body into `null`.
 */
export function installOperationDocs(app: FastifyInstance): void {
  const ids = new Set<string>();
  app.addHook('onRoute', (route) => {
    const schema = route.schema;
    if (!schema || schema.hide) return;
    const config = route.config ?? {};
    if (schema.body && optionalBodies.has(schema.body)) {
      route.config = { ...config, optionalBody: true };
      route.preValidation = [bareBodyAsNull, ...[route.preValidation ?? []].flat()];
      route.schema = { ...schema, [OPTIONAL_BODY]: true } as typeof schema;
    }
    if ([route.method].flat().every((m) => m === 'HEAD')) return; // Fastify's HEAD twin of a GET route
    const name = `${String(route.method)} ${route.url}`;
    const { operationId, summary, description } = route.schema as { operationId?: string; summary?: string; description?: string };
    if (!operationId || !OPERATION_ID.test(operationId)) throw new Error(`route ${name} declares no camelCase operationId`);
    if (ids.has(operationId)) throw new Error(`route ${name} reuses the operationId ${operationId}`);
    if (!summary?.trim() || !description?.trim()) throw new Error(`route ${name} declares no summary or no description`);
    ids.add(operationId);
    route.schema = { ...route.schema, security: route.schema!.security ?? securityOf(config) };
  });
}

/** Which credentials a route accepts, as the auth hooks decide it: OpenAPI security requirements. */
function securityOf(config: NonNullable<RouteOptions['config']>): Array<Record<string, string[]>> {
  if (config.permission) return [{ bearerAuth: [] }, { sessionCookie: [] }]; // installManagementAuth
  if (config.license === 'required') return [{ licenseKey: [] }]; // installLicenseAuth
  if (config.license === 'optional') return [{ licenseKey: [] }, {}];
  if (config.portal === 'session') return [{ portalSession: [] }]; // the portal's authentication
  return [];
}

async function bareBodyAsNull(request: FastifyRequest): Promise<void> {
  if (request.body === undefined) request.body = null;
}

/**
 * Why an answer breaks its route's declaration, or null when it keeps it (or the route declares
 * nothing: health, the console, the NetLicensing face, no route at all).
 */
export function undeclaredAnswer(declared: ReadonlySet<ErrorCode> | undefined, status: number, payload: unknown): string | null {
  if (!declared || status < 400) return null;
  let code: unknown;
  try {
    code = (JSON.parse(String(payload)) as { error?: { code?: unknown } }).error?.code;
  } catch {
    return `${status} without an error body`;
  }
  if (typeof code !== 'string' || !declared.has(code as ErrorCode)) return `${status} ${String(code)}, which it does not declare`;
  if (ERROR_STATUS[code as ErrorCode] !== status) return `${code} with status ${status}, not ${ERROR_STATUS[code as ErrorCode]}`;
  return null;
}

/**
 * For tests, never production: every error answer is held to its route's declaration. A breach is
 * reported and the answer replaced by a 500 naming it, so the test that provoked it fails too.
 */
export function installDeclaredErrorCheck(app: FastifyInstance, report: (problem: string) => void): void {
  app.addHook('onSend', (request: FastifyRequest, reply: FastifyReply, payload: unknown, done) => {
    const breach = undeclaredAnswer(request.routeOptions.config.errors, reply.statusCode, payload);
    if (!breach) return done(null, payload);
    const problem = `${request.method} ${request.routeOptions.url} answered ${breach}`;
    report(problem);
    reply.code(500).type('application/json; charset=utf-8');
    done(null, JSON.stringify({ error: { code: 'INTERNAL', message: `Undeclared error: ${problem}`, requestId: request.id } }));
  });
}
