import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Permission } from '../../../capabilities/access/roles.js';
import type { Context } from '../../../platform/domain/context.js';
import * as access from '../access.js';
import * as modules from '../modules.js';
import * as products from '../products.js';
import * as templates from '../templates.js';
import * as licensees from '../licensees.js';
import { validateLicensee } from '../validate.js';
import { item, LICENSE_TYPES, LICENSING_MODELS, NlForm, illegal, malformed, type NlItem } from '../entities.js';
import { hashApiKeyToken } from '../../../secrets/api-key-tokens.js';
import { contextOf } from '../../../capabilities/access/routes/auth.js';
import type { App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { authenticateBasic } from './auth.js';
import { sendEnvelope, type Paging } from './envelope.js';
import { installNlErrorHandling } from './errors.js';

export const NETLICENSING_PREFIX = '/core/v2/rest';

/** The form of a request: query parameters, then the form-encoded body on top. */
function formOf(request: FastifyRequest): NlForm {
  const values = new Map<string, string[]>();
  const add = (source: unknown) => {
    if (!source || typeof source !== 'object') return;
    for (const [k, v] of Object.entries(source as Record<string, unknown>)) {
      values.set(k, Array.isArray(v) ? v.map(String) : [String(v)]);
    }
  };
  add(request.query);
  add(request.body);
  return new NlForm(values);
}

/** `filter=k1=v1;k2=v2` (and the same names as plain query parameters), with `page`/`items` paging. */
function filterAndPage(form: NlForm, all: NlItem[]): { items: NlItem[]; paging: Paging } {
  const wanted = new Map<string, string>();
  for (const pair of (form.get('filter') ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0) wanted.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  for (const name of ['productNumber', 'productModuleNumber', 'licenseeNumber', 'licenseTemplateNumber', 'tokenType']) {
    if (form.get(name)) wanted.set(name, form.get(name)!);
  }
  const page = Number(wanted.get('page') ?? form.get('page') ?? 0);
  const size = Number(wanted.get('items') ?? form.get('items') ?? 0);
  wanted.delete('page');
  wanted.delete('items');
  const matching = all.filter((i) => [...wanted].every(([k, v]) => i.properties.some(([n, value]) => n === k && value === v)));
  const perPage = size > 0 ? size : Math.max(matching.length, 1);
  const pageNumber = Number.isInteger(page) && page >= 0 ? page : 0;
  const items = matching.slice(pageNumber * perPage, (pageNumber + 1) * perPage);
  const totalPages = Math.max(1, Math.ceil(matching.length / perPage));
  return {
    items,
    paging: { pageNumber, itemsNumber: items.length, totalPages, totalItems: matching.length, hasNext: pageNumber + 1 < totalPages },
  };
}

const cascadeOf = (form: NlForm) => form.get('forceCascade') === 'true';

type Handler = (
  ctx: Context,
  form: NlForm,
  req: FastifyRequest<{ Params: Record<string, string> }>,
  reply: FastifyReply,
) => Promise<unknown>;

/**
 * The NetLicensing-compatible face at /core/v2/rest: the same entities, licensing models,
 * envelope and errors as NetLicensing, served from Leasehold's own products, customers,
 * entitlements and events. One plugin, registered with its prefix; its form parser and error
 * handler apply to its routes only.
 */
export function netlicensingRoutes(app: App, services: Services): void {
  app.register(
    async (scope) => {
      scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
        // No prototype: a field named __proto__ or constructor is a field like any other (it answered 500).
        const values: Record<string, string[]> = Object.create(null);
        for (const [k, v] of new URLSearchParams(body as string)) {
          // PostgreSQL cannot store U+0000 in text (it answered 500); the /v1 API refuses it the same way.
          if (k.includes('\u0000') || v.includes('\u0000'))
            return done(malformed('Form fields may not contain U+0000 (%00).', k), undefined);
          (values[k] ??= []).push(v);
        }
        done(null, values);
      });
      installNlErrorHandling(scope, (e) => services.store.database.isUnavailable(e));

      const route = (method: 'GET' | 'POST' | 'DELETE', url: string, permission: Permission, handler: Handler) => {
        scope.route<{ Params: Record<string, string> }>({
          method,
          url,
          config: { permission, face: 'netlicensing' },
          schema: { hide: true },
          // No catch here: whatever a handler throws reaches the scope's one error handler.
          handler: async (req, reply) => {
            await authenticateBasic(services, req, permission);
            return handler(contextOf(services, req), formOf(req), req, reply);
          },
        });
      };
      const one = (req: FastifyRequest, reply: FastifyReply, it: NlItem) => sendEnvelope(req, reply, 200, { items: [it] });
      const many = (req: FastifyRequest, reply: FastifyReply, form: NlForm, all: NlItem[]) =>
        sendEnvelope(req, reply, 200, filterAndPage(form, all));
      const gone = (reply: FastifyReply) => reply.code(204).send();

      /** list, get, create, update, delete for one entity endpoint. */
      const crud = (
        path: string,
        read: Permission,
        write: Permission,
        ops: {
          list: (ctx: Context) => Promise<NlItem[]>;
          get: (ctx: Context, n: string) => Promise<NlItem>;
          create: (ctx: Context, f: NlForm) => Promise<NlItem>;
          update: (ctx: Context, n: string, f: NlForm) => Promise<NlItem>;
          remove: (ctx: Context, n: string, cascade: boolean) => Promise<void>;
        },
        /** Creating may reach further than changing (a new product concerns the whole account). */
        create: Permission = write,
      ) => {
        route('GET', `/${path}`, read, async (ctx, form, req, reply) => many(req, reply, form, await ops.list(ctx)));
        route('GET', `/${path}/:number`, read, async (ctx, _f, req, reply) => one(req, reply, await ops.get(ctx, req.params['number']!)));
        route('POST', `/${path}`, create, async (ctx, form, req, reply) => one(req, reply, await ops.create(ctx, form)));
        route('POST', `/${path}/:number`, write, async (ctx, form, req, reply) =>
          one(req, reply, await ops.update(ctx, req.params['number']!, form)),
        );
        route('DELETE', `/${path}/:number`, write, async (ctx, form, req, reply) => {
          await ops.remove(ctx, req.params['number']!, cascadeOf(form));
          return gone(reply);
        });
      };

      crud(
        'product',
        'catalog:read',
        'catalog:write',
        {
          list: products.listProducts,
          get: products.getProduct,
          create: products.createProduct,
          update: products.updateProduct,
          remove: products.deleteProduct,
        },
        'products:create',
      );
      crud('productmodule', 'catalog:read', 'catalog:write', {
        list: modules.listModules,
        get: modules.getModule,
        create: modules.createModule,
        update: modules.updateModule,
        remove: modules.deleteModule,
      });
      crud('licensetemplate', 'catalog:read', 'catalog:write', {
        list: templates.listTemplates,
        get: templates.getTemplate,
        create: templates.createTemplate,
        update: templates.updateTemplate,
        remove: templates.deleteTemplate,
      });
      crud('licensee', 'customers:read', 'customers:write', {
        list: licensees.listLicensees,
        get: licensees.getLicensee,
        create: licensees.createLicensee,
        update: licensees.updateLicensee,
        remove: licensees.deleteLicensee,
      });
      crud('license', 'entitlements:read', 'entitlements:write', {
        list: licensees.listLicenses,
        get: licensees.getLicense,
        create: licensees.createLicense,
        update: licensees.updateLicense,
        remove: (ctx, n) => licensees.deleteLicense(ctx, n),
      });

      // Validation is the application's call; any key may make it (its effects are client actions).
      const validate: Handler = async (ctx, form, req, reply) => {
        const outcome = await validateLicensee(ctx, req.params['number']!, form);
        const deprecated =
          req.method === 'GET'
            ? [
                {
                  id: 'methodIsDeprecated',
                  type: 'WARNING' as const,
                  value: "'GET' method for licensee validate is deprecated, use 'POST' instead",
                },
              ]
            : [];
        return sendEnvelope(req, reply, 200, { items: outcome.items, infos: [...deprecated, ...outcome.infos], ttl: outcome.ttl });
      };
      route('POST', '/licensee/:number/validate', 'entitlements:read', validate);
      route('GET', '/licensee/:number/validate', 'entitlements:read', validate);
      route('POST', '/licensee/:number/transfer', 'entitlements:write', async (ctx, form, req, reply) => {
        await licensees.transferLicenses(
          ctx,
          req.params['number']!,
          form.require('sourceLicenseeNumber', 'Source licensee number is not provided'),
        );
        return gone(reply);
      });

      // A token number is the API key itself (at creation) or the key's id (in lists).
      const keyIdOf = async (ctx: Context, n: string) => {
        const key = await services.store.findApiKeyByHash(hashApiKeyToken(n));
        return key && key.accountId === ctx.store.scope.accountId ? key.id : n;
      };
      route('GET', '/token', 'keys:manage', async (ctx, form, req, reply) => many(req, reply, form, await access.listTokens(ctx)));
      route('GET', '/token/:number', 'keys:manage', async (ctx, _f, req, reply) =>
        one(req, reply, await access.getToken(ctx, await keyIdOf(ctx, req.params['number']!))),
      );
      route('POST', '/token', 'keys:manage', async (ctx, form, req, reply) => one(req, reply, await access.createToken(ctx, form)));
      route('DELETE', '/token/:number', 'keys:manage', async (ctx, _f, req, reply) => {
        await access.deleteToken(ctx, await keyIdOf(ctx, req.params['number']!));
        return gone(reply);
      });

      route('GET', '/transaction', 'events:read', async (ctx, form, req, reply) =>
        many(req, reply, form, await access.listTransactions(ctx)),
      );
      route('GET', '/transaction/:number', 'events:read', async (ctx, _f, req, reply) =>
        one(req, reply, await access.getTransaction(ctx, req.params['number']!)),
      );
      const readOnlyTransactions: Handler = async () => {
        throw illegal(
          'Transactions are the record of license changes here; they are created by those changes, not posted (no payment providers)',
        );
      };
      route('POST', '/transaction', 'entitlements:write', readOnlyTransactions);
      route('POST', '/transaction/:number', 'entitlements:write', readOnlyTransactions);

      route('GET', '/utility/licenseTypes', 'catalog:read', async (_ctx, form, req, reply) =>
        many(
          req,
          reply,
          form,
          LICENSE_TYPES.map((name) => item('LicenseType', { name })),
        ),
      );
      route('GET', '/utility/licensingModels', 'catalog:read', async (_ctx, form, req, reply) =>
        many(
          req,
          reply,
          form,
          LICENSING_MODELS.map((name) => item('LicensingModelProperties', { name })),
        ),
      );
      route('GET', '/utility/countries', 'catalog:read', async (_ctx, form, req, reply) => many(req, reply, form, COUNTRIES));
      // No payment providers here: the list is empty and every method is unknown.
      route('GET', '/paymentmethod', 'catalog:read', async (_ctx, form, req, reply) => many(req, reply, form, []));
    },
    { prefix: NETLICENSING_PREFIX },
  );
}

const COUNTRIES: NlItem[] = [
  ['AT', 'AUSTRIA', '20', true],
  ['BE', 'BELGIUM', '21', true],
  ['CH', 'SWITZERLAND', '', false],
  ['DE', 'GERMANY', '19', true],
  ['ES', 'SPAIN', '21', true],
  ['FR', 'FRANCE', '20', true],
  ['GB', 'UNITED KINGDOM', '', false],
  ['IT', 'ITALY', '22', true],
  ['NL', 'NETHERLANDS', '21', true],
  ['US', 'UNITED STATES', '', false],
].map(([code, name, vat, eu]) => item('Country', { code: String(code), name: String(name), vatPercent: String(vat), isEu: String(eu) }));
