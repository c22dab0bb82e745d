import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { decorateManagementAuth, installRouteTable } from '../../capabilities/access/routes/auth.js';
import { frameworkError, installErrorHandling } from './errors.js';
import { installIdempotency } from './idempotency.js';
import { installInputLimits } from './input-limits.js';
import { DEFAULT_RATE_LIMITS, installRateLimits, type RateLimits } from './rate-limit.js';
import { installSecurityHeaders } from './security-headers.js';
import { installStrictQueries, validatorCompiler } from './validation.js';
import { installDeclaredErrorCheck, installDeclaredErrors, installOperationDocs, type App } from './route-kit.js';
import { installMethodIndex } from './methods.js';
import { openapiOptions } from './openapi.js';
import { installMetrics } from './metrics.js';
import { DEFAULT_LOAD_LIMITS, installLoadShedding, type LoadLimits } from './load-shedding.js';
import type { Services } from './services.js';
import { decorateLicenseAuth } from '../../capabilities/licensing/routes/license-auth.js';
import { healthRoutes } from './health.js';
import { consoleSite } from './console.js';
import { CAPABILITIES } from '../../registry.js';
import type { Capability } from '../capability.js';

export interface AppOptions {
  logger?: FastifyBaseLogger;
  bodyLimit?: number;
  rateLimits?: RateLimits;
  /** Whose X-Forwarded-For to believe for the client address (rate limits, sign-in throttle); none by default. */
  trustProxy?: boolean | number | string[];
  /** Strict-Transport-Security max-age in seconds; 0 or unset sends none. */
  hstsMaxAge?: number;
  /** The URL clients reach the server at (behind a proxy, say), given as the OpenAPI document's server; else relative. */
  publicUrl?: string;
  /**
   * Tests only: every error answer is held to the codes its route declares, and a breach reported
   * here (see installDeclaredErrorCheck). Production passes none and pays nothing for it.
   */
  onUndeclaredError?: (problem: string) => void;
  /** The bearer token GET /metrics asks for; null or unset leaves it open. */
  metricsToken?: string | null;
  /** When this process refuses new requests with 503 instead of queueing them (load-shedding.ts). */
  loadLimits?: LoadLimits;
  /** How `/metrics` collects when it answers for more than this process (`serve --workers N`). */
  metricsScrape?: () => Promise<string>;
  /** Tests only: the capabilities to serve instead of the registry's. */
  capabilities?: readonly Capability[];
}

/** The API reference page: its own scripts and styles (Swagger UI sets style attributes), images inline. */
const DOCS_CSP = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

const trustHops =
  (hops: number) =>
  (_address: string, hop: number): boolean =>
    hop < hops;

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Request ids need to be unique, not secret: a random per-process prefix and a counter (20 hex
 * digits in all) cost far less per request than random bytes each time.
 */
const REQUEST_ID_PREFIX = randomBytes(6).toString('hex');
let requestCounter = 0;
function nextRequestId(): string {
  requestCounter = (requestCounter + 1) % 0x1_0000_0000;
  return `req_${REQUEST_ID_PREFIX}${requestCounter.toString(16).padStart(8, '0')}`;
}

/**
 * The HTTP application, without opening a port: tests drive it with `inject()`, `serve()` listens.
 */
export async function buildApp(services: Services, options: AppOptions = {}): Promise<App> {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: options.bodyLimit ?? 256 * 1024,
    // A hop count as the function Fastify would make of it (its types take no number here).
    trustProxy: typeof options.trustProxy === 'number' ? trustHops(options.trustProxy) : (options.trustProxy ?? false),
    // A caller's request id is kept when it looks like one, so logs join across systems.
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : nextRequestId();
    },
    ajv: { customOptions: { removeAdditional: false } },
    routerOptions: { ignoreTrailingSlash: true },
    frameworkErrors: frameworkError,
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  installRouteTable(app);
  installDeclaredErrors(app);
  installOperationDocs(app);
  installMethodIndex(app, { ignoreTrailingSlash: true });
  if (options.onUndeclaredError) installDeclaredErrorCheck(app, options.onUndeclaredError);
  app.setValidatorCompiler(validatorCompiler);
  installStrictQueries(app);
  // The API speaks JSON only: a text/plain body is refused with 415 rather than parsed as a string.
  app.removeContentTypeParser('text/plain');
  // Set as the request arrives (the first hook, so answers refused by a later hook carry it too; those raised
  // before routing set it in frameworkError); cheaper than an onSend hook on every answer.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  installLoadShedding(app, services.metrics, options.loadLimits ?? DEFAULT_LOAD_LIMITS);
  installInputLimits(app);
  await installSecurityHeaders(app, { hstsMaxAge: options.hstsMaxAge ?? 0 });
  installErrorHandling(app, (e) => services.store.database.isUnavailable(e));

  await app.register(
    swagger,
    openapiOptions({
      publicUrl: options.publicUrl,
      tags: [...CAPABILITIES.flatMap((c) => c.tags ?? []), { name: 'operations', description: 'Health and readiness probes' }],
    }),
  );
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: DOCS_CSP, uiConfig: { validatorUrl: null } });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  installRateLimits(app, services, options.rateLimits ?? DEFAULT_RATE_LIMITS);
  decorateManagementAuth(app);
  decorateLicenseAuth(app);
  // A preHandler: it runs after every context's authentication (onRequest), whatever the context.
  installIdempotency(app, services);

  healthRoutes(app, services);
  installMetrics(app, services.metrics, options.metricsToken ?? null, options.metricsScrape);
  // Each capability's routes in a child context of their own, with the authentication it names:
  // what one registers (a parser, an error handler, a hook) stays with it.
  for (const capability of options.capabilities ?? CAPABILITIES) {
    const routes = capability.routes;
    if (!routes) continue;
    await app.register(async (scope) => {
      const auth = capability.auth ?? [];
      scope.addHook('onRoute', (route) => requireAuthentication(capability, route));
      for (const authenticator of auth) authenticator.install(scope as App, services);
      routes(scope as App, services);
    });
  }
  await consoleSite(app);

  await app.ready();
  return app;
}

/**
 * A route that needs a permission or a license key, in a capability that installs no such
 * authentication, would answer everyone: the server refuses to start instead.
 */
function requireAuthentication(
  capability: Capability,
  route: { method: string | string[]; url: string; config?: { permission?: unknown; face?: unknown; license?: unknown; portal?: unknown } },
): void {
  const has = (name: string) => (capability.auth ?? []).some((a) => a.name === name);
  const config = route.config ?? {};
  const missing =
    config.permission && !config.face && !has('management')
      ? 'management'
      : config.license && !has('license')
        ? 'license'
        : config.portal === 'session' && !has('portal')
          ? 'portal'
          : null;
  if (missing) {
    const method = Array.isArray(route.method) ? route.method.join(',') : route.method;
    throw new Error(`${method} ${route.url} needs ${missing} authentication, which the ${capability.name} capability does not install.`);
  }
}
