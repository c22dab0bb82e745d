import type { ActivateRequest, CustomerCreate, EntitlementCreate, EntitlementPatch, Metadata } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import { DomainError, invalid } from '../../platform/domain/errors.js';
import type { CustomerRecord } from '../../platform/domain/model.js';
import type { Tx } from '../../platform/domain/ports.js';
import { insertCustomer, updateCustomerIn } from '../customers/customers.js';
import { requireOffering } from '../catalog/offerings.js';
import { insertEntitlement, licenseKeyHash, updateEntitlementIn } from '../entitlements/entitlements.js';
import { activateIn } from '../licensing/activations/activate.js';
import type { Keyring } from '../licensing/leases/keyring.js';

/** What one imported record came to: the import's row outcome without the refusal (a refusal is thrown). */
export interface Upserted {
  outcome: 'created' | 'updated' | 'unchanged';
  id: string;
  /** The fields an update changed. */
  changes?: string[];
}

export interface ImportDeps {
  keyring: Keyring;
}

const LICENSE_KEY_PURPOSE = 'license-key';

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The fields of `wanted` that differ from `current` (fields `wanted` leaves out are kept). */
function differing<T extends object>(current: T, wanted: Partial<T>): Array<keyof T> {
  return (Object.keys(wanted) as Array<keyof T>).filter((k) => wanted[k] !== undefined && !same(current[k], wanted[k]));
}

/**
 * A customer by its externalRef: created when the account has none with it, updated when a field
 * the import names differs, left alone when none does. Running an import again changes nothing.
 */
export async function upsertCustomer(tx: Tx, ctx: Context, input: CustomerCreate & { externalRef: string }): Promise<Upserted> {
  const existing = await tx.customers.find(input.externalRef);
  if (!existing || existing.externalRef !== input.externalRef) {
    return { outcome: 'created', id: (await insertCustomer(tx, ctx, input)).id };
  }
  const wanted: Partial<CustomerRecord> = { name: input.name, email: input.email ?? undefined, metadata: input.metadata };
  const changes = differing(existing, wanted);
  if (changes.length === 0) return { outcome: 'unchanged', id: existing.id };
  await updateCustomerIn(tx, ctx, existing.id, Object.fromEntries(changes.map((k) => [k, wanted[k]])));
  return { outcome: 'updated', id: existing.id, changes: changes as string[] };
}

/**
 * An entitlement by its externalRef. A new one keeps the key the import brings (a legacy key goes
 * on working) or gets one from the offering's generator. An existing one takes the dates, order
 * reference, seats and metadata the import names; its customer, offering and key are not changed
 * by an import (those have their own operations: change-offering, re-key), so a row that differs
 * there is refused.
 */
export async function upsertEntitlement(tx: Tx, ctx: Context, input: EntitlementCreate & { externalRef: string }): Promise<Upserted> {
  const customer = await tx.customers.find(input.customerId);
  if (!customer) throw new DomainError('UNKNOWN_REFERENCE', `No customer ${JSON.stringify(input.customerId)}.`, { field: 'customer' });
  const offering = await tx.offerings.find(input.offeringId);
  if (!offering) throw new DomainError('UNKNOWN_REFERENCE', `No offering ${JSON.stringify(input.offeringId)}.`, { field: 'offering' });
  const existing = await tx.entitlements.find(input.externalRef);
  if (!existing || existing.externalRef !== input.externalRef) {
    if (input.key !== undefined) {
      // Checked here, not left to the unique index: a dry run goes on in the same transaction.
      const taken = await tx.entitlements.list({ keyHash: licenseKeyHash(ctx, input.key) }, { limit: 1 });
      if (taken.items.length > 0) throw new DomainError('DUPLICATE_CODE', 'Another entitlement has this license key.', { field: 'key' });
    }
    const created = await insertEntitlement(tx, ctx, { ...input, customerId: customer.id, offeringId: offering.id });
    return { outcome: 'created', id: created.record.id };
  }
  if (existing.customerId !== customer.id) {
    throw new DomainError('INVALID_STATE', 'The entitlement with this externalRef belongs to another customer.', { field: 'customer' });
  }
  if (existing.offeringId !== offering.id) {
    throw new DomainError('CHANGE_NOT_ALLOWED', 'The entitlement is on another offering: move it with change-offering, not an import.', {
      field: 'offering',
      current: (await requireOffering(tx, existing.offeringId)).code,
    });
  }
  if (input.key !== undefined && ctx.secrets.decrypt(LICENSE_KEY_PURPOSE, existing.keySealed) !== input.key) {
    throw new DomainError('INVALID_STATE', 'The entitlement has another key: re-key it through the API, not an import.', { field: 'key' });
  }
  const patch: EntitlementPatch = {};
  if (input.orderRef !== undefined && input.orderRef !== existing.orderRef) patch.orderRef = input.orderRef;
  if (input.startsAt !== undefined && Date.parse(input.startsAt) !== existing.startsAt) patch.startsAt = input.startsAt;
  if (input.endsAt !== undefined && (input.endsAt === null ? null : Date.parse(input.endsAt)) !== existing.endsAt)
    patch.endsAt = input.endsAt;
  const seats = input.overrides?.seats;
  if (seats !== undefined && seats !== (existing.overrides.seats ?? null)) patch.overrides = { seats };
  if (input.metadata !== undefined && !same(input.metadata, existing.metadata)) patch.metadata = input.metadata;
  const changes = Object.keys(patch).map((k) => (k === 'overrides' ? 'seats' : k));
  if (changes.length === 0) return { outcome: 'unchanged', id: existing.id };
  await updateEntitlementIn(tx, ctx, existing.id, patch);
  return { outcome: 'updated', id: existing.id, changes };
}

/**
 * A device activated on an entitlement, as the client API would activate it (seat limit and
 * activation rules apply; a lease is issued and recorded, which the device replaces at its first
 * refresh). A device already active is left alone, or described anew when a column differs.
 */
export async function upsertActivation(
  tx: Tx,
  ctx: Context,
  deps: ImportDeps,
  input: { entitlement: string; device: Omit<ActivateRequest, 'meta'>; meta?: Metadata },
): Promise<Upserted> {
  const entitlement = await tx.entitlements.find(input.entitlement);
  if (!entitlement)
    throw new DomainError('UNKNOWN_REFERENCE', `No entitlement ${JSON.stringify(input.entitlement)}.`, { field: 'entitlement' });
  const live = await tx.activations.findLive(entitlement.id, input.device.fingerprint);
  const described = { name: input.device.name, platform: input.device.platform, hostname: input.device.hostname };
  const changes = live ? differing(live, described) : [];
  if (live && changes.length === 0) return { outcome: 'unchanged', id: live.id };
  const out = await activateIn(
    tx,
    { ...ctx, keyring: deps.keyring, entitlementId: entitlement.id },
    { ...input.device, meta: input.meta ?? { imported: true } },
  );
  return out.created
    ? { outcome: 'created', id: out.activation.id }
    : { outcome: 'updated', id: out.activation.id, changes: changes as string[] };
}

/** The text of a CSV cell as the type a column needs, refused with the column named. */
export function integerCell(field: string, text: string): number {
  if (!/^\d{1,9}$/.test(text)) throw invalid(field, `${field} must be a whole number.`);
  return Number(text);
}
