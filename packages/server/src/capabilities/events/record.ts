import { formatTimestamp, type EventType, type SubjectType } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import type { Tx } from '../../platform/domain/ports.js';
import { fanOut } from '../webhooks/outbox.js';

export interface Change {
  type: EventType;
  subjectType: SubjectType;
  subjectId: string;
  customerId?: string | null;
  entitlementId?: string | null;
  productId?: string | null;
  before?: object | null;
  after?: object | null;
  /** Facts about the change itself (a reason, a migration id), added to `after` outside the diff. */
  context?: Record<string, unknown> | undefined;
}

/**
 * Appends the event for a change, inside the change's own transaction. For updates only the fields
 * that changed are kept, before and after, so the event is its own diff.
 */
export async function recordEvent(tx: Tx, ctx: Context, change: Change): Promise<void> {
  let before = isoTimes(change.before ?? null);
  let after = isoTimes(change.after ?? null);
  // An activation's `version` is the application's version, a fact; elsewhere it is the record's counter.
  if (before && after) [before, after] = diff(before, after, change.subjectType === 'activation' ? ['updatedAt'] : undefined);
  if (change.context) after = { ...(after ?? {}), ...change.context };
  const event = {
    id: ctx.ids.next('event'),
    type: change.type,
    subjectType: change.subjectType,
    subjectId: change.subjectId,
    customerId: change.customerId ?? null,
    entitlementId: change.entitlementId ?? null,
    productId: change.productId ?? null,
    actor: ctx.actor,
    requestId: ctx.requestId,
    before,
    after,
    at: ctx.clock.now(),
  };
  await tx.events.append(event);
  // The outbox: the event's webhook deliveries commit with it, or not at all.
  await fanOut(tx, ctx, event);
}

/** The fields that differ, before and after; `skip` names bookkeeping fields that are not changes. */
export function diff(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  skip: readonly string[] = ['updatedAt', 'version'],
): [Record<string, unknown>, Record<string, unknown>] {
  const b: Record<string, unknown> = {};
  const a: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (skip.includes(key)) continue;
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
      b[key] = before[key] ?? null;
      a[key] = after[key] ?? null;
    }
  }
  return [b, a];
}

/**
 * Events are read by people and other systems: times in them (fields named …At or …Until, held as
 * milliseconds in records) are written as ISO 8601 strings, like everywhere else in the API.
 */
export function isoTimes(value: object | null): Record<string, unknown> | null {
  if (value === null) return null;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, typeof v === 'number' && /(At|Until)$/.test(k) ? formatTimestamp(v) : v]),
  );
}
