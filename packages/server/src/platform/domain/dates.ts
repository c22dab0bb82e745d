import { MAX_TIMESTAMP, MIN_TIMESTAMP, inTimeRange, parseTimestamp } from '@leasehold/contract';
import { addDuration } from '../../foundation/durations.js';
import { DomainError, invalid } from './errors.js';

/**
 * Times entering the domain. The range and the parser are the contract's (MIN_TIME..MAX_TIME, no
 * leap seconds); the HTTP schemas already refuse text outside them, and these guard the callers
 * that do not come through HTTP (the CLI, the NetLicensing face, imports) the same way.
 */

/** A time given in a request: 400 INVALID_REQUEST naming the field when it is not one we accept. */
export function timeFrom(field: string, text: string): number {
  const at = parseTimestamp(text);
  if (at === null) {
    throw invalid(field, `${field} must be an RFC 3339 date-time between ${MIN_TIMESTAMP} and ${MAX_TIMESTAMP} (no leap seconds).`, {
      value: text.slice(0, 64),
    });
  }
  return at;
}

/**
 * A computed time (a term's end, a renewal, a grace period), checked before anything is written: the
 * stores could keep it, but the API could never show it again.
 */
export function checkedTime(field: string, ms: number): number {
  if (!inTimeRange(ms)) {
    throw new DomainError('DATE_OUT_OF_RANGE', `${field} would fall outside ${MIN_TIMESTAMP} .. ${MAX_TIMESTAMP}; nothing was changed.`, {
      field,
      min: MIN_TIMESTAMP,
      max: MAX_TIMESTAMP,
    });
  }
  return ms;
}

/** `at` plus an ISO 8601 duration, refused when the result leaves the representable range. */
export function later(field: string, at: number, duration: string): number {
  return checkedTime(field, addDuration(at, duration));
}
