import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance, FastifySchemaCompiler } from 'fastify';
import { parseTimestamp } from '@leasehold/contract';

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats: AddFormats =
  (addFormatsModule as unknown as { default?: AddFormats }).default ?? (addFormatsModule as unknown as AddFormats);

function makeAjv(options: Options): Ajv {
  const ajv = new Ajv({ allErrors: false, strict: false, useDefaults: true, removeAdditional: false, ...options });
  addFormats(ajv);
  // Every date field of every body and query goes through the one parser, so what the schema
  // accepts is exactly what the domain can parse and the stores and the wire can hold (ajv's own
  // date-time takes leap seconds and years past 9999, which then failed as 500s further in).
  ajv.addFormat('date-time', { type: 'string', validate: (text: string) => parseTimestamp(text) !== null });
  return ajv;
}

/**
 * Bodies are validated strictly: `"5"` is not a number and unknown fields are refused, so a typo in
 * a field name is an error rather than a silently ignored value. Query strings and path parameters
 * arrive as text and are coerced (`?limit=10`).
 */
const bodies = makeAjv({ coerceTypes: false });
const params = makeAjv({ coerceTypes: 'array' });

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? bodies : params;
  return ajv.compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>;
};

/**
 * Query parameters a route does not know are refused — 400 INVALID_REQUEST naming the parameter —
 * never ignored: `?customerId=` on a list that calls it `customer` must not quietly answer
 * everything. Applies to the API (`/v1`, `/.well-known`); a route without a query schema takes none.
 */
export function installStrictQueries(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    if (!/^\/(v1|\.well-known)\//.test(route.url)) return;
    const schema = (route.schema ??= {});
    const query = schema.querystring as { additionalProperties?: unknown } | undefined;
    if (!query) schema.querystring = { type: 'object', properties: {}, additionalProperties: false };
    else if (query.additionalProperties === undefined) schema.querystring = { ...query, additionalProperties: false };
  });
}
