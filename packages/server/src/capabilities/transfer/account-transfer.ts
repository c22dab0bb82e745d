import { randomBytes, scryptSync } from 'node:crypto';
import type { Context } from '../../platform/domain/context.js';
import { DomainError } from '../../platform/domain/errors.js';
import type {
  ActivationRecord,
  CustomerRecord,
  EntitlementRecord,
  EntitlementVersion,
  EventRecord,
  FeatureRecord,
  LeaseRecord,
  OfferingRecord,
  Page,
  PageRequest,
  ProductRecord,
} from '../../platform/domain/model.js';
import { MasterKey } from '../../secrets/master-key.js';
import { licenseKeyHash } from '../entitlements/entitlements.js';
import { REMOTE_SECRET_PURPOSE } from '../keys/new-key.js';
import type { KeyGeneratorRecord, PendingKeyRecord } from '../keys/ports.js';
import { pendingKeyHash } from '../entitlements/pending-key.js';
import { codeHash, openCode, sealCode } from '../partners/codes.js';
import type { CodeBatchRecord, PartnerCodeRecord, PartnerRecord } from '../partners/ports.js';

/**
 * One line of an account export (JSON Lines). The first line is the header; the secrets the
 * account's records carry (license keys, partner codes, a remote generator's signing secret) travel
 * sealed under a key derived from the export's passphrase (scrypt, then AES-256-GCM), never in
 * clear, and are sealed anew under the importing server's master key.
 *
 * What an export holds: the catalog, customers, entitlements with their overrides, keys and every
 * version (history), activations, leases (the record of what was signed), partners, code batches
 * and codes, key generators, events. What it does not: API keys and console users (credentials of
 * this server: the importing server has its own, and mints the account's anew), the lease-signing
 * keys (the importing server signs with its own; devices get its leases at their next refresh),
 * webhook endpoints and deliveries, activation batches, bulk migrations, usage, releases.
 */
export type ExportLine =
  | { kind: 'header'; format: 'leasehold-export'; version: 2; kdf: { name: 'scrypt'; salt: string; N: number; r: number; p: number } }
  | { kind: 'product'; record: ProductRecord }
  | { kind: 'feature'; record: FeatureRecord }
  | { kind: 'offering'; record: OfferingRecord }
  | { kind: 'customer'; record: CustomerRecord }
  /** `key`: sealed under the export's passphrase (a version 1 file carried it in clear). */
  | { kind: 'entitlement'; record: Omit<EntitlementRecord, 'keyHash' | 'keySealed'>; key: string }
  | { kind: 'entitlement_version'; record: EntitlementVersion }
  | { kind: 'activation'; record: ActivationRecord }
  | { kind: 'lease'; record: LeaseRecord }
  | { kind: 'partner'; record: PartnerRecord }
  | { kind: 'key_generator'; record: Omit<KeyGeneratorRecord, 'secretSealed'>; secret: string | null }
  | { kind: 'code_batch'; record: CodeBatchRecord }
  | { kind: 'partner_code'; record: Omit<PartnerCodeRecord, 'hash' | 'sealed'>; code: string }
  /** An entitlement still waiting for its key from a remote generator (`key` is then empty). */
  | { kind: 'pending_key'; record: PendingKeyRecord }
  | { kind: 'event'; record: EventRecord };

export const EXPORT_KINDS = [
  'product',
  'feature',
  'offering',
  'customer',
  'entitlement',
  'entitlement_version',
  'activation',
  'lease',
  'partner',
  'key_generator',
  'code_batch',
  'partner_code',
  'pending_key',
  'event',
] as const;

/** What the export's secrets are sealed under: the passphrase, stretched (scrypt, N=2^15). */
const KDF = { name: 'scrypt' as const, N: 32_768, r: 8, p: 1 };
const SEAL_PURPOSE = 'account-export';

function exportKey(passphrase: string, kdf: { salt: string; N: number; r: number; p: number }): MasterKey {
  if (passphrase.length < 12)
    throw new DomainError('INVALID_REQUEST', 'An export passphrase has at least 12 characters.', { field: 'passphrase' });
  const material = scryptSync(passphrase, Buffer.from(kdf.salt, 'base64url'), 32, {
    N: kdf.N,
    r: kdf.r,
    p: kdf.p,
    maxmem: 64 * 1024 * 1024,
  });
  return new MasterKey(material);
}

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
 * The whole account in the order an import needs it (what a record names comes before it). Each
 * kind is read oldest first, so an import writes records in their creation order.
 */
export async function* exportAccount(ctx: Context, opts: { passphrase: string }): AsyncGenerator<ExportLine> {
  const kdf = { ...KDF, salt: randomBytes(16).toString('base64url') };
  const sealer = exportKey(opts.passphrase, kdf);
  const seal = (secret: string) => sealer.encrypt(SEAL_PURPOSE, secret);
  yield { kind: 'header', format: 'leasehold-export', version: 2, kdf };

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
  for (const { secretSealed, ...record } of await collect(pages((p) => store.read((tx) => tx.keyGenerators.list({}, p))))) {
    yield {
      kind: 'key_generator',
      record,
      secret: secretSealed === null ? null : seal(ctx.secrets.decrypt(REMOTE_SECRET_PURPOSE, secretSealed)),
    };
  }
  for (const record of await collect(pages((p) => store.read((tx) => tx.customers.list({}, p))))) yield { kind: 'customer', record };
  const entitlements = await collect(pages((p) => store.read((tx) => tx.entitlements.list({}, p))));
  for (const { keyHash: _h, keySealed, ...record } of entitlements) {
    yield { kind: 'entitlement', record, key: seal(ctx.secrets.decrypt(LICENSE_KEY_PURPOSE, keySealed)) };
  }
  for (const e of entitlements) {
    for (const record of await store.read((tx) => tx.versions.entitlementHistory(e.id))) yield { kind: 'entitlement_version', record };
  }
  for (const e of entitlements) {
    for (const record of await collect(pages((p) => store.read((tx) => tx.activations.list(e.id, {}, p)))))
      yield { kind: 'activation', record };
  }
  for (const e of entitlements) {
    for (const record of await collect(pages((p) => store.read((tx) => tx.leases.listForEntitlement(e.id, p)))))
      yield { kind: 'lease', record };
  }
  for (const record of await collect(pages((p) => store.read((tx) => tx.partners.list(p))))) yield { kind: 'partner', record };
  const batches = await collect(pages((p) => store.read((tx) => tx.codeBatches.list({}, p))));
  for (const record of batches) yield { kind: 'code_batch', record };
  for (const b of batches) {
    for (let after = 0; ;) {
      const codes = await store.read((tx) => tx.partnerCodes.ofBatch(b.id, { limit: 1000, afterSerial: after }));
      for (const { hash: _h, sealed, ...record } of codes) yield { kind: 'partner_code', record, code: seal(openCode(ctx, sealed)) };
      if (codes.length < 1000) break;
      after = codes[codes.length - 1]!.serial;
    }
  }
  for (const record of await collect(pages((p) => store.read((tx) => tx.pendingKeys.list({ state: 'queued' }, p)))))
    yield { kind: 'pending_key', record };
  for (const record of await collect(pages((p) => store.read((tx) => tx.events.list({}, p))))) yield { kind: 'event', record };
}

/**
 * Restores an export into an empty account (of this store or the other), with the records' own
 * ids, in one transaction: a file that fails half-way leaves the account as it was. Secrets are
 * opened with the export's passphrase and sealed and hashed anew under this server's master key,
 * so keys and codes work here as they did there. A version 1 file (keys in clear) still imports.
 */
export function importAccount(
  ctx: Context,
  lines: readonly ExportLine[],
  opts: { passphrase?: string } = {},
): Promise<Record<string, number>> {
  const header = lines[0]?.kind === 'header' ? lines[0] : undefined;
  let opener: MasterKey | undefined;
  const open = (sealed: string) => {
    if (!header) return sealed;
    if (opts.passphrase === undefined)
      throw new DomainError('INVALID_REQUEST', 'This export is sealed: give its passphrase.', { field: 'passphrase' });
    opener ??= exportKey(opts.passphrase, header.kdf);
    try {
      return opener.decrypt(SEAL_PURPOSE, sealed);
    } catch {
      throw new DomainError('INVALID_REQUEST', 'The passphrase does not open this export.', { field: 'passphrase' });
    }
  };
  return ctx.store.write(async (tx) => {
    if ((await tx.products.list({ limit: 1 })).items.length > 0 || (await tx.customers.list({}, { limit: 1 })).items.length > 0) {
      throw new DomainError('INVALID_STATE', 'An export is restored into an empty account: this one has products or customers.');
    }
    const counts: Record<string, number> = {};
    for (const line of lines) {
      if (line.kind === 'header') continue;
      if (line.kind === 'product') await tx.products.insert(line.record);
      else if (line.kind === 'feature') await tx.features.insert(line.record);
      else if (line.kind === 'offering') await tx.offerings.insert(line.record);
      else if (line.kind === 'key_generator') {
        await tx.keyGenerators.insert({
          ...line.record,
          secretSealed: line.secret === null ? null : ctx.secrets.encrypt(REMOTE_SECRET_PURPOSE, open(line.secret)),
        });
      } else if (line.kind === 'customer') await tx.customers.insert(line.record);
      else if (line.kind === 'entitlement') {
        const key = open(line.key);
        await tx.entitlements.insert({
          ...line.record,
          // A key still pending is no key: never the hash of '' (which a key of dashes alone would match).
          keyHash: key === '' ? pendingKeyHash() : licenseKeyHash(ctx, key),
          keySealed: ctx.secrets.encrypt(LICENSE_KEY_PURPOSE, key),
        });
      } else if (line.kind === 'entitlement_version') await tx.versions.appendEntitlement(line.record);
      else if (line.kind === 'activation') await tx.activations.insert(line.record);
      else if (line.kind === 'lease') await tx.leases.insert(line.record);
      else if (line.kind === 'partner') await tx.partners.insert(line.record);
      else if (line.kind === 'code_batch') await tx.codeBatches.insert(line.record);
      else if (line.kind === 'partner_code') {
        const code = open(line.code);
        const hash = codeHash(ctx, code);
        const r = line.record;
        // Written issued, then redeemed through the port, which is what records when and into what.
        const redeemed = r.state === 'redeemed' && r.redeemedAt !== null;
        await tx.partnerCodes.insertMany([{ ...r, state: redeemed ? 'issued' : r.state, hash, sealed: sealCode(ctx, code) }]);
        if (redeemed) {
          await tx.partnerCodes.redeem(hash, r.redeemedAt!);
          if (r.entitlementId) await tx.partnerCodes.attach(hash, r.entitlementId);
        }
      } else if (line.kind === 'pending_key') await tx.pendingKeys.insert(line.record);
      else if (line.kind === 'event') await tx.events.append(line.record);
      else throw new DomainError('INVALID_REQUEST', `Unknown record kind ${JSON.stringify((line as { kind: unknown }).kind)}.`);
      counts[line.kind] = (counts[line.kind] ?? 0) + 1;
    }
    return counts;
  });
}

/**
 * The lines of an export with their secrets opened and the header left out, so two exports (of
 * two servers, sealed under two salts) can be compared record for record. Never write it out.
 */
export function openExport(lines: readonly ExportLine[], passphrase: string): ExportLine[] {
  const header = lines[0]?.kind === 'header' ? lines[0] : undefined;
  const opener = header ? exportKey(passphrase, header.kdf) : undefined;
  const open = (s: string) => (opener ? opener.decrypt(SEAL_PURPOSE, s) : s);
  return lines.flatMap((line): ExportLine[] => {
    if (line.kind === 'header') return [];
    if (line.kind === 'entitlement') return [{ ...line, key: open(line.key) }];
    if (line.kind === 'partner_code') return [{ ...line, code: open(line.code) }];
    if (line.kind === 'key_generator') return [{ ...line, secret: line.secret === null ? null : open(line.secret) }];
    return [line];
  });
}

/** What a line is known by across exports: its record's id, or the keys a record without one has. */
export function identityOf(line: ExportLine): string {
  if (line.kind === 'header') return 'header';
  if (line.kind === 'entitlement_version') return `${line.kind}:${line.record.snapshot.id}#${line.record.version}`;
  if (line.kind === 'partner_code') return `${line.kind}:${line.record.batchId}#${line.record.serial}`;
  if (line.kind === 'pending_key') return `${line.kind}:${line.record.entitlementId}`;
  return `${line.kind}:${line.record.id}`;
}
