import { formatTimestamp, type InboundOutcome, type IntegrationProvider } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import { DomainError } from '../../platform/domain/errors.js';
import type { CustomerRecord, EntitlementRecord } from '../../platform/domain/model.js';
import type { AccountStore, StoreRefusal, Tx } from '../../platform/domain/ports.js';
import { insertCustomer, updateCustomerIn } from '../customers/customers.js';
import { changeOfferingIn } from '../entitlements/change-offering.js';
import {
  insertEntitlement,
  renewEntitlementUntil,
  requireEntitlement,
  resumeEntitlement,
  suspendEntitlement,
  updateEntitlement,
} from '../entitlements/entitlements.js';
import type { InboundEventRecord, SubscriptionLink } from './ports.js';

/**
 * One event from a billing system, in Leasehold's terms: which subscription (or order) it is about,
 * when it happened, and what the entitlement should be after it. Stripe's events and the generic
 * endpoint's messages are both read into this, so one path applies them.
 */
export interface BillingChange {
  provider: IntegrationProvider;
  /** The sender's id: an id seen before changes nothing. */
  eventId: string;
  type: string;
  /** By the sender's clock (ms): an event older than one already applied to its subscription is stale. */
  occurredAt: number;
  subject: string | null;
  /** Why nothing follows from it (an event type not used, a price mapped to no offering). */
  ignore?: string;
  /** The billing system's customer: created when new, its name and email kept up to date. */
  customer?: { externalRef: string; name?: string | null; email?: string | null };
  /** What the entitlement should be afterwards; a field left out stays as it is. */
  target?: { offering?: string; active?: boolean; endsAt?: number | null };
  /** Whether the event may create the entitlement when its subscription has none yet. */
  creates?: boolean;
}

export interface Receipt {
  duplicate: boolean;
  outcome: InboundOutcome;
  entitlementId: string | null;
  detail: string | null;
}

type Decision = Omit<Receipt, 'duplicate'>;

/**
 * Applies a billing event exactly once. Everything it does (the customer, the entitlement's
 * changes through the entitlement services, their events, the record of the event id) commits in
 * one transaction; a refused event is recorded as `failed` and may be sent again.
 */
export async function receiveBillingChange(ctx: Context, change: BillingChange): Promise<Receipt> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.store.write((tx) => receiveIn(tx, ctx, change));
    } catch (error) {
      const refusal = storeRefusal(error);
      if (refusal?.resource === 'inbound_event') {
        // Another delivery of the same event committed first (a retry racing the original).
        const seen = await ctx.store.read((tx) => tx.integrations.findEvent(change.provider, change.eventId));
        return {
          duplicate: true,
          outcome: seen?.outcome ?? 'applied',
          entitlementId: seen?.entitlementId ?? null,
          detail: seen?.detail ?? null,
        };
      }
      // Stripe sends a subscription's first events at once: of two creating its customer or its
      // entitlement, the one that lost the race runs again on what the other committed.
      if (refusal?.field === 'externalRef' && attempt < RACE_ATTEMPTS) continue;
      if (error instanceof DomainError) await recordFailure(ctx, change, error);
      throw error;
    }
  }
}

const RACE_ATTEMPTS = 3;

async function receiveIn(tx: Tx, ctx: Context, change: BillingChange): Promise<Receipt> {
  const seen = await tx.integrations.findEvent(change.provider, change.eventId);
  if (seen && seen.outcome !== 'failed') {
    return { duplicate: true, outcome: seen.outcome, entitlementId: seen.entitlementId, detail: seen.detail };
  }
  const decision = await apply(tx, inTransaction(ctx, tx), change);
  await tx.integrations.recordEvent(recordOf(ctx, change, decision));
  return { duplicate: false, ...decision };
}

async function apply(tx: Tx, ctx: Context, change: BillingChange): Promise<Decision> {
  if (change.ignore || !change.subject) return ignored(change.ignore ?? 'The event names no subscription.');
  const subject = change.subject;
  const customer = change.customer ? await customerFor(tx, ctx, change.customer) : undefined;
  const link = await tx.integrations.link(change.provider, subject, { lock: true });
  if (!change.target) {
    return { outcome: customer?.changed ? 'applied' : 'unchanged', entitlementId: link?.entitlementId ?? null, detail: null };
  }
  if (link && change.occurredAt < link.lastEventAt) {
    return {
      outcome: 'stale',
      entitlementId: link.entitlementId,
      detail: `Older than ${link.lastEventId}, already applied to ${subject}.`,
    };
  }
  // An entitlement made by hand with the subscription's id as its externalRef is taken over.
  const existing = await tx.entitlements.find(link?.entitlementId ?? subject);
  const outcome = existing
    ? await update(tx, ctx, change, existing, link)
    : change.creates && change.target.offering && customer
      ? await create(tx, ctx, change, customer.record)
      : undefined;
  if (!outcome) return ignored(`No entitlement follows ${subject} yet, and this event does not create one.`);
  if (outcome.outcome === 'applied' || outcome.outcome === 'unchanged') {
    const next: SubscriptionLink = {
      provider: change.provider,
      subject,
      entitlementId: outcome.entitlementId!,
      lastEventAt: Math.max(link?.lastEventAt ?? change.occurredAt, change.occurredAt),
      lastEventId: change.eventId,
      held: outcome.held ?? link?.held ?? false,
    };
    await tx.integrations.saveLink(next, ctx.clock.now());
  }
  return { outcome: outcome.outcome, entitlementId: outcome.entitlementId, detail: outcome.detail };
}

type Applied = Decision & { held?: boolean };

async function create(tx: Tx, ctx: Context, change: BillingChange, customer: CustomerRecord): Promise<Applied> {
  const target = change.target!;
  const created = await insertEntitlement(tx, ctx, {
    customerId: customer.id,
    offeringId: target.offering!,
    externalRef: change.subject!,
    ...(target.endsAt !== undefined ? { endsAt: target.endsAt === null ? null : formatTimestamp(target.endsAt) } : {}),
    metadata: { billing: change.provider },
  });
  let held = false;
  if (target.active === false) {
    await suspendEntitlement(ctx, created.record.id, reasonOf(change));
    held = true;
  }
  return { outcome: 'applied', entitlementId: created.record.id, detail: `Created from ${change.type}.`, held };
}

/**
 * Moves the entitlement to the target through the entitlement services, one change at a time:
 * offering, end, then state. Only a suspension billing made is lifted by billing: an entitlement
 * staff suspended stays suspended however the invoices go.
 */
async function update(
  tx: Tx,
  ctx: Context,
  change: BillingChange,
  current: EntitlementRecord,
  link: SubscriptionLink | undefined,
): Promise<Applied> {
  const id = current.id;
  if (current.state === 'revoked' || current.state === 'returned') {
    return { outcome: 'ignored', entitlementId: id, detail: `The entitlement is ${current.state}; billing no longer changes it.` };
  }
  const target = change.target!;
  const reason = reasonOf(change);
  const done: string[] = [];
  let held = link?.held ?? false;
  if (target.offering !== undefined) {
    const offering = await tx.offerings.find(target.offering);
    if (!offering) throw unknownOffering(target.offering);
    if (offering.id !== current.offeringId) {
      await changeOfferingIn(tx, ctx, id, { offeringId: offering.id, removeSeats: false }, { reason });
      done.push(`offering ${offering.code}`);
    }
  }
  let e = await requireEntitlement(tx, id);
  // An end before the start cannot be written; a billing system ending a subscription at once ends it a second in.
  const endsAt = target.endsAt === undefined || target.endsAt === null ? target.endsAt : Math.max(target.endsAt, e.startsAt + 1000);
  if (endsAt !== undefined && endsAt !== e.endsAt) {
    if (endsAt !== null && e.endsAt !== null && endsAt > e.endsAt) await renewEntitlementUntil(ctx, id, endsAt, reason);
    else await updateEntitlement(ctx, id, { endsAt: endsAt === null ? null : formatTimestamp(endsAt) });
    done.push(`ends ${endsAt === null ? 'never' : formatTimestamp(endsAt)}`);
    e = await requireEntitlement(tx, id);
  }
  if (target.active === false && e.state === 'active') {
    await suspendEntitlement(ctx, id, reason);
    held = true;
    done.push('suspended');
  } else if (target.active === true && e.state === 'suspended' && held) {
    await resumeEntitlement(ctx, id);
    held = false;
    done.push('resumed');
  }
  return done.length > 0
    ? { outcome: 'applied', entitlementId: id, detail: done.join('; '), held }
    : { outcome: 'unchanged', entitlementId: id, detail: null, held };
}

async function customerFor(
  tx: Tx,
  ctx: Context,
  c: NonNullable<BillingChange['customer']>,
): Promise<{ record: CustomerRecord; changed: boolean }> {
  const found = await tx.customers.find(c.externalRef);
  if (!found) {
    const record = await insertCustomer(tx, ctx, {
      name: c.name || c.email || c.externalRef,
      email: c.email ?? null,
      externalRef: c.externalRef,
    });
    return { record, changed: true };
  }
  const patch: { name?: string; email?: string | null } = {};
  if (c.name && c.name !== found.name) patch.name = c.name;
  if (c.email !== undefined && c.email !== null && c.email !== found.email) patch.email = c.email;
  if (Object.keys(patch).length === 0) return { record: found, changed: false };
  return { record: await updateCustomerIn(tx, ctx, found.id, patch), changed: true };
}

/** The entitlement services open their own transaction; here they join the event's one. */
function inTransaction(ctx: Context, tx: Tx): Context {
  const store: AccountStore = { scope: ctx.store.scope, read: (fn) => fn(tx), write: (fn) => fn(tx) };
  return { ...ctx, store };
}

function recordOf(ctx: Context, change: BillingChange, decision: Decision): InboundEventRecord {
  return {
    id: ctx.ids.next('inboundEvent'),
    provider: change.provider,
    eventId: change.eventId,
    type: change.type,
    subject: change.subject,
    ...decision,
    occurredAt: change.occurredAt,
    receivedAt: ctx.clock.now(),
  };
}

function ignored(detail: string): Decision {
  return { outcome: 'ignored', entitlementId: null, detail };
}

const reasonOf = (c: BillingChange) => `${c.provider} ${c.type} ${c.eventId}`;

export function unknownOffering(ref: string): DomainError {
  return new DomainError(
    'UNKNOWN_REFERENCE',
    `The billing event names offering ${JSON.stringify(ref)}, which this account does not have.`,
    {
      field: 'offering',
      ref,
      resolve: 'Create the offering, or correct the price mapping; the billing system may then send the event again.',
    },
  );
}

function storeRefusal(error: unknown): StoreRefusal | undefined {
  return error instanceof Error && error.name === 'StoreConflict' ? (error as Error & StoreRefusal) : undefined;
}

/** A refused event is kept as `failed` (in a transaction of its own: the event's rolled back). */
async function recordFailure(ctx: Context, change: BillingChange, error: DomainError): Promise<void> {
  await ctx.store
    .write((tx) =>
      tx.integrations.recordEvent(
        recordOf(ctx, change, { outcome: 'failed', entitlementId: null, detail: `${error.code}: ${error.message}` }),
      ),
    )
    .catch(() => undefined);
}
