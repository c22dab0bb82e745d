import type { Context } from '../../platform/domain/context.js';
import { DomainError } from '../../platform/domain/errors.js';
import type {
  ActivationRecord,
  CustomerRecord,
  EntitlementRecord,
  EventRecord,
  FeatureRecord,
  OfferingRecord,
  Page,
  PageRequest,
  ProductRecord,
} from '../../platform/domain/model.js';
import { licenseKeyHash } from '../entitlements/entitlements.js';

/**
 * One line of an account export (JSON Lines). An entitlement's key travels in clear, re-sealed
 * under the importing server's master key: the file is as secret as the keys it holds.
 */
export type ExportLine =
  | { kind: 'product'; record: ProductRecord }
  | { kind: 'feature'; record: FeatureRecord }
  | { kind: 'offering'; record: OfferingRecord }
  | { kind: 'customer'; record: CustomerRecord }
  | { kind: 'entitlement'; record: Omit<EntitlementRecord, 'keyHash' | 'keySealed'>; key: string }
  | { kind: 'activation'; record: ActivationRecord }
  | { kind: 'event'; record: EventRecord };

export const EXPORT_KINDS = ['product', 'feature', 'offering', 'customer', 'entitlement', 'activation', 'event'] as const;

async function* pages<T>(read: (page: PageRequest) => Promise<Page<T>>): AsyncGenerator<T> {
  let cursor: string | undefined;
  do {
    const page = await read({ limit: 500, ...(cursor ? { cursor } : {}) });
    yield* page.items;
    cursor = page.next ?? undefined;
  } while (cursor);
}

const LICENSE_KEY_PURPOSE = 'license-key';

/**
 * The whole account — catalog, customers, entitlements with their overrides and keys, activations,
 * events — in the order an import needs it (what a record names comes before it). Each kind is
 * read oldest first, so an import writes records in their creation order.
 */
export async function* exportAccount(ctx: Context): AsyncGenerator<ExportLine> {
  const store = ctx.store;
  const collect = async <T>(gen: AsyncGenerator<T>) => {
    const out: T[] = [];
    for await (const x of gen) out.push(x);
    return out.reverse();
  };
  const products = await collect(pages((p) => store.read((tx) => tx.products.list(p))));
  for (const record of products) yield { kind: 'product', record };
  for (const product of products) {
    for (const record of await store.read((tx) => tx.features.allOf(product.id))) yield { kind: 'feature', record };
  }
  for (const record of await collect(pages((p) => store.read((tx) => tx.offerings.list({}, p))))) yield { kind: 'offering', record };
  for (const record of await collect(pages((p) => store.read((tx) => tx.customers.list({}, p))))) yield { kind: 'customer', record };
  const entitlements = await collect(pages((p) => store.read((tx) => tx.entitlements.list({}, p))));
  for (const { keyHash: _h, keySealed, ...record } of entitlements) {
    yield { kind: 'entitlement', record, key: ctx.secrets.decrypt(LICENSE_KEY_PURPOSE, keySealed) };
  }
  for (const e of entitlements) {
    for (const record of await collect(pages((p) => store.read((tx) => tx.activations.list(e.id, {}, p)))))
      yield { kind: 'activation', record };
  }
  for (const record of await collect(pages((p) => store.read((tx) => tx.events.list({}, p))))) yield { kind: 'event', record };
}

/**
 * Restores an export into an empty account (of this store or the other), with the records' own
 * ids, in one transaction: a file that fails half-way leaves the account as it was. Keys are
 * sealed and hashed anew under this server's master key, so they work here as they did there.
 */
export function importAccount(ctx: Context, lines: readonly ExportLine[]): Promise<Record<string, number>> {
  return ctx.store.write(async (tx) => {
    if ((await tx.products.list({ limit: 1 })).items.length > 0 || (await tx.customers.list({}, { limit: 1 })).items.length > 0) {
      throw new DomainError('INVALID_STATE', 'An export is restored into an empty account: this one has products or customers.');
    }
    const counts: Record<string, number> = {};
    for (const line of lines) {
      if (line.kind === 'product') await tx.products.insert(line.record);
      else if (line.kind === 'feature') await tx.features.insert(line.record);
      else if (line.kind === 'offering') await tx.offerings.insert(line.record);
      else if (line.kind === 'customer') await tx.customers.insert(line.record);
      else if (line.kind === 'entitlement') {
        await tx.entitlements.insert({
          ...line.record,
          keyHash: licenseKeyHash(ctx, line.key),
          keySealed: ctx.secrets.encrypt(LICENSE_KEY_PURPOSE, line.key),
        });
      } else if (line.kind === 'activation') await tx.activations.insert(line.record);
      else if (line.kind === 'event') await tx.events.append(line.record);
      else throw new DomainError('INVALID_REQUEST', `Unknown record kind ${JSON.stringify((line as { kind: unknown }).kind)}.`);
      counts[line.kind] = (counts[line.kind] ?? 0) + 1;
    }
    return counts;
  });
}
