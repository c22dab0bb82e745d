import type { CustomerCreate, CustomerPatch } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import { DomainError, notFound } from '../../platform/domain/errors.js';
import type { CustomerRecord, Page, PageRequest } from '../../platform/domain/model.js';
import { recordEvent } from '../events/record.js';
import { definedOnly } from '../catalog/products.js';
import type { CustomerFilter } from './ports.js';
import type { Tx } from '../../platform/domain/ports.js';

export async function requireCustomer(tx: Tx, ref: string): Promise<CustomerRecord> {
  const customer = await tx.customers.find(ref);
  if (!customer) throw notFound('customer', ref);
  return customer;
}

export function getCustomer(ctx: Context, ref: string): Promise<CustomerRecord> {
  return ctx.store.read((tx) => requireCustomer(tx, ref));
}

export function listCustomers(ctx: Context, filter: CustomerFilter, page: PageRequest): Promise<Page<CustomerRecord>> {
  return ctx.store.read((tx) => tx.customers.list(filter, page));
}

export function createCustomer(ctx: Context, input: CustomerCreate): Promise<CustomerRecord> {
  return ctx.store.write((tx) => insertCustomer(tx, ctx, input));
}

export async function insertCustomer(tx: Tx, ctx: Context, input: CustomerCreate): Promise<CustomerRecord> {
  const now = ctx.clock.now();
  const customer: CustomerRecord = {
    id: ctx.ids.next('customer'),
    name: input.name,
    email: input.email ?? null,
    externalRef: input.externalRef ?? null,
    metadata: input.metadata ?? {},
    createdAt: now,
    updatedAt: now,
  };
  await tx.customers.insert(customer);
  await recordEvent(tx, ctx, {
    type: 'customer.created',
    subjectType: 'customer',
    subjectId: customer.id,
    customerId: customer.id,
    after: customer,
  });
  return customer;
}

export function updateCustomer(ctx: Context, ref: string, patch: CustomerPatch): Promise<CustomerRecord> {
  return ctx.store.write((tx) => updateCustomerIn(tx, ctx, ref, patch));
}

/** `updateCustomer` inside the caller's transaction; `context` joins the event (a face's own properties). */
export async function updateCustomerIn(
  tx: Tx,
  ctx: Context,
  ref: string,
  patch: CustomerPatch,
  context?: Record<string, unknown>,
): Promise<CustomerRecord> {
  const before = await requireCustomer(tx, ref);
  const after: CustomerRecord = { ...before, ...definedOnly(patch), updatedAt: ctx.clock.now() };
  await tx.customers.update(after);
  await recordEvent(tx, ctx, {
    type: 'customer.updated',
    subjectType: 'customer',
    subjectId: after.id,
    customerId: after.id,
    before,
    after,
    context,
  });
  return after;
}

/** Customers holding entitlements stay: their history is the vendor's record of what was sold. */
export function deleteCustomer(ctx: Context, ref: string): Promise<void> {
  return ctx.store.write((tx) => deleteCustomerIn(tx, ctx, ref));
}

export async function deleteCustomerIn(tx: Tx, ctx: Context, ref: string): Promise<void> {
  const customer = await requireCustomer(tx, ref);
  const entitlements = await tx.entitlements.countFor('customer_id', customer.id);
  if (entitlements > 0) {
    throw new DomainError('IN_USE', `The customer holds ${entitlements} entitlement(s).`, {
      entitlements,
      resolve: 'Revoke the entitlements instead; customers with entitlements are kept for the record.',
    });
  }
  // Its people would keep signing in to a portal of a customer that no longer exists.
  const portalUsers = (await tx.portalUsers.allOfCustomer(customer.id)).filter((u) => u.disabledAt === null).length;
  if (portalUsers > 0) {
    throw new DomainError('IN_USE', `The customer has ${portalUsers} portal user(s).`, {
      portalUsers,
      resolve: 'Disable its portal users first.',
    });
  }
  // An SSO connection landing people in it would provision them into a customer that no longer exists.
  if ((await tx.portalSso.list({ limit: 1 }, customer.id)).items.length > 0) {
    throw new DomainError('IN_USE', 'An SSO connection of the portal lands people in this customer.', {
      resolve: 'Delete the connection, or remove its domains naming this customer, first.',
    });
  }
  await tx.customers.delete(customer.id);
  await recordEvent(tx, ctx, {
    type: 'customer.deleted',
    subjectType: 'customer',
    subjectId: customer.id,
    customerId: customer.id,
    before: customer,
  });
}

/** Retires a customer who held entitlements: kept for the record, its external reference freed for reuse. */
export async function retireCustomerIn(tx: Tx, ctx: Context, ref: string): Promise<CustomerRecord> {
  const before = await requireCustomer(tx, ref);
  const after: CustomerRecord = { ...before, externalRef: null, updatedAt: ctx.clock.now() };
  await tx.customers.update(after);
  await recordEvent(tx, ctx, {
    type: 'customer.retired',
    subjectType: 'customer',
    subjectId: after.id,
    customerId: after.id,
    before,
    after,
  });
  return after;
}
