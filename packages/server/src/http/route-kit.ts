import { ErrorBody } from '@leasehold/contract';
import type { TSchema } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';

export type App = FastifyInstance<any, any, any, any, TypeBoxTypeProvider>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The error responses every management route can give, for the OpenAPI document. */
export const errorResponses = {
  '4xx': ErrorBody,
  '5xx': ErrorBody,
};

export const bearer = [{ bearerAuth: [] }];

/** Response map for a route answering `status` with `body`. */
export function answers<T extends TSchema>(status: 200 | 201, body: T) {
  return { [status]: body, ...errorResponses } as { 200: T } & typeof errorResponses;
}

export const noContent = { 204: { type: 'null', description: 'Done; no body' }, ...errorResponses };
