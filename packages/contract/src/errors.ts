import { Type, type Static } from 'typebox';
import { ERROR_CODES, type ErrorCode } from './error-codes.js';

/**
 * The error body carrying only `codes`: a route's response for one status lists the codes it may
 * answer with there, so a reader or a client generator sees exactly which ones.
 */
export function errorBodyOf(codes: readonly ErrorCode[], description = 'Every error the API returns has this shape') {
  return Type.Object(
    {
      error: Type.Object({
        code: Type.String({ description: 'Stable UPPER_SNAKE_CASE code', enum: [...codes] }),
        message: Type.String({ description: 'A sentence for humans; may change between versions' }),
        details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
        requestId: Type.Optional(Type.String()),
      }),
    },
    { description },
  );
}

export const ErrorBody = errorBodyOf(ERROR_CODES);
export type ErrorBody = Static<typeof ErrorBody>;
