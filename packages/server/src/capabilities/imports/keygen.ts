import {
  isKeygenSignedScheme,
  type ImportCounts,
  type KeygenImport,
  type KeygenImportReport,
  type KeygenResource,
  type OfferingCreate,
} from '@leasehold/contract';
import { checkSignedKey, parsePublicKeys } from './keygen-signed.js';
import type { Context } from '../../platform/domain/context.js';
import { DomainError, invalid } from '../../platform/domain/errors.js';
import type { Tx } from '../../platform/domain/ports.js';
import { insertProduct } from '../catalog/products.js';
import { insertOffering } from '../catalog/offerings.js';
import { mutateIn } from '../entitlements/entitlements.js';
import { insertKeyGenerator } from '../keys/generators.js';
import { eachInTransactions } from './run.js';
import { upsertActivation, upsertCustomer, upsertEntitlement, type ImportDeps, type Upserted } from './upserts.js';

/** The Keygen types the importer reads, in the order their records name each other. */
const TYPES = ['products', 'policies', 'users', 'licenses', 'machines'] as const;
type KeygenType = (typeof TYPES)[number];

type Attrs = Record<string, unknown>;

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) ? v : undefined);
const related = (r: KeygenResource, name: string): string | undefined => {
  const rel = r.relationships?.[name] as { data?: { id?: unknown } | null } | undefined;
  return text(rel?.data?.id);
};

/** An id or code Leasehold accepts, from a Keygen name: `Pro (annual)` → `pro-annual`. */
export function codeFrom(name: string, fallback: string): string {
  const slug = name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return slug || fallback;
}

/** Keygen durations are seconds; whole days read better as ISO 8601 (`P365D`). */
function durationOf(seconds: number): string {
  return seconds % 86_400 === 0 ? `P${seconds / 86_400}D` : `PT${seconds}S`;
}

/** Keygen metadata is any JSON; Leasehold keeps scalar values. */
function scalars(metadata: unknown): Record<string, string | number | boolean | null> {
  if (!metadata || typeof metadata !== 'object') return {};
  return Object.fromEntries(
    Object.entries(metadata as Record<string, unknown>)
      .filter(
        ([k, v]) =>
          k.length <= 64 && (v === null || ['number', 'boolean'].includes(typeof v) || (typeof v === 'string' && v.length <= 1000)),
      )
      .slice(0, 60),
  ) as Record<string, string | number | boolean | null>;
}

/**
 * A policy as an offering: its duration the term (none: perpetual), floating or node-locked seats
 * from maxMachines, the heartbeat window when it asks for heartbeats. What Leasehold has no
 * counterpart for (strict, scheme, expiration strategies, process limits) stays in the metadata.
 */
export function offeringFromPolicy(policy: KeygenResource, productId: string): OfferingCreate {
  const a = (policy.attributes ?? {}) as Attrs;
  const name = text(a['name']) ?? `Keygen policy ${policy.id}`;
  const duration = int(a['duration']);
  const floating = a['floating'] === true;
  const heartbeat = a['requireHeartbeat'] === true ? int(a['heartbeatDuration']) : undefined;
  return {
    productId,
    code: codeFrom(name, `keygen-${policy.id.slice(0, 8)}`),
    name: name.slice(0, 200),
    licenseModel: duration ? 'subscription' : 'perpetual',
    seatModel: floating ? 'floating' : 'node_locked',
    seats: Math.max(1, int(a['maxMachines']) ?? 1),
    term: duration ? durationOf(duration) : null,
    ...(heartbeat && floating ? { heartbeatWindow: durationOf(heartbeat) } : {}),
    metadata: {
      keygenId: policy.id,
      ...(text(a['scheme']) ? { keygenScheme: text(a['scheme'])! } : {}),
      ...(text(a['expirationStrategy']) ? { keygenExpirationStrategy: text(a['expirationStrategy'])! } : {}),
      ...(typeof a['strict'] === 'boolean' ? { keygenStrict: a['strict'] } : {}),
    },
  };
}

function emptyCounts(): ImportCounts {
  return { rows: 0, created: 0, updated: 0, unchanged: 0, refused: 0 };
}

/**
 * Imports a Keygen account from its JSON:API exports: products → products, policies → offerings
 * (with an `imported` key generator, so their keys are the vendor's), users → customers, licenses
 * → entitlements keeping their keys (a device validates with the key it always had), machines →
 * activations. Every record is matched on what it was in Keygen (externalRef `keygen:<id>`, the
 * offering's metadata.keygenId), so running the import again creates nothing; each record commits
 * on its own or is refused with a code, as a CSV row is. A dry run changes nothing.
 */
export async function importKeygen(ctx: Context, deps: ImportDeps, input: KeygenImport): Promise<KeygenImportReport> {
  const byType = new Map<KeygenType, Map<string, KeygenResource>>(TYPES.map((t) => [t, new Map()]));
  for (const doc of input.documents) {
    for (const r of [...(Array.isArray(doc.data) ? doc.data : [doc.data]), ...(doc.included ?? [])]) {
      byType.get(r.type as KeygenType)?.set(r.id, r);
    }
  }
  const dryRun = input.dryRun ?? false;
  const publicKeys = parsePublicKeys(input.publicKeys ?? {});
  const report: KeygenImportReport = { dryRun, counts: {}, results: [] };
  // What each Keygen id became here, for the records that name it.
  const made = new Map<string, string>();

  // One list in type order, so a dry run tries them all in its one transaction.
  const items = TYPES.flatMap((type) => [...byType.get(type)!.values()].map((r) => ({ type, r })));
  const countsOf = (type: string) => (report.counts[type] ??= emptyCounts());
  // Records made in a transaction not yet committed: later records of its chunk name them.
  const tentative = new Map<string, string>();
  const known = { get: (k: string) => made.get(k) ?? tentative.get(k) } as Map<string, string>;
  await eachInTransactions<{ type: KeygenType; r: KeygenResource }, Upserted>(ctx, dryRun, items, {
    apply: async (tx, { type, r }) => {
      const u = await importOne(tx, ctx, deps, type, r, known, publicKeys);
      tentative.set(`${type}:${r.id}`, u.id);
      return u;
    },
    rolledBack: () => tentative.clear(),
    done: ({ type, r }, u) => {
      const counts = countsOf(type);
      counts.rows++;
      counts[u.outcome]++;
      tentative.delete(`${type}:${r.id}`);
      made.set(`${type}:${r.id}`, u.id);
      report.results.push({
        type,
        keygenId: r.id,
        outcome: u.outcome,
        id: dryRun && u.outcome === 'created' ? null : u.id,
        code: null,
        message: null,
      });
    },
    refuse: ({ type, r }, error) => {
      tentative.delete(`${type}:${r.id}`);
      const counts = countsOf(type);
      counts.rows++;
      counts.refused++;
      report.results.push({ type, keygenId: r.id, outcome: 'refused', id: null, code: error.code, message: error.message });
    },
  });
  return report;
}

function requireMade(made: Map<string, string>, type: string, id: string | undefined, field: string): string {
  const found = id === undefined ? undefined : made.get(`${type}:${id}`);
  if (!found) {
    throw new DomainError(
      'UNKNOWN_REFERENCE',
      `The ${field} ${id === undefined ? 'is not named' : `${id} is not in the export (or was refused)`}.`,
      {
        field,
      },
    );
  }
  return found;
}

async function importOne(
  tx: Tx,
  ctx: Context,
  deps: ImportDeps,
  type: KeygenType,
  r: KeygenResource,
  made: Map<string, string>,
  publicKeys: ReturnType<typeof parsePublicKeys>,
): Promise<Upserted> {
  const a = (r.attributes ?? {}) as Attrs;
  switch (type) {
    case 'products': {
      const name = text(a['name']) ?? `Keygen product ${r.id}`;
      const code = text(a['code']) ?? codeFrom(name, `keygen-${r.id.slice(0, 8)}`);
      const existing = await tx.products.find(code);
      if (existing) {
        if (existing.metadata['keygenId'] !== r.id) {
          throw new DomainError('DUPLICATE_CODE', `A product with code ${code} exists and did not come from this Keygen product.`, {
            field: 'code',
          });
        }
        return { outcome: 'unchanged', id: existing.id };
      }
      const product = await insertProduct(tx, ctx, {
        code,
        name: name.slice(0, 200),
        metadata: { ...scalars(a['metadata']), keygenId: r.id },
      });
      return { outcome: 'created', id: product.id };
    }
    case 'policies': {
      const productId = requireMade(made, 'products', related(r, 'product'), 'product');
      const wanted = offeringFromPolicy(r, productId);
      const existing = await tx.offerings.find(wanted.code);
      if (existing) {
        if (existing.metadata['keygenId'] !== r.id) {
          throw new DomainError('DUPLICATE_CODE', `An offering with code ${wanted.code} exists and did not come from this policy.`, {
            field: 'code',
          });
        }
        return { outcome: 'unchanged', id: existing.id };
      }
      const offering = await insertOffering(tx, ctx, wanted);
      // New licenses of a migrated policy come with their keys too, until the vendor picks a generator.
      await insertKeyGenerator(tx, ctx, { offeringId: offering.id, kind: 'imported' });
      return { outcome: 'created', id: offering.id };
    }
    case 'users': {
      const email = text(a['email']);
      const name =
        text(a['fullName']) ?? ([text(a['firstName']), text(a['lastName'])].filter(Boolean).join(' ') || email || `Keygen user ${r.id}`);
      return upsertCustomer(tx, ctx, {
        externalRef: `keygen:${r.id}`,
        name: name.slice(0, 200),
        ...(email ? { email } : {}),
        metadata: scalars(a['metadata']),
      });
    }
    case 'licenses': {
      const key = text(a['key']);
      if (!key) throw invalid('key', 'The license has no key.');
      const offeringId = requireMade(made, 'policies', related(r, 'policy'), 'policy');
      // Keygen ≥1.5 names the owner; older exports the user. A license without one gets a customer of its own.
      const ownerId = related(r, 'owner') ?? related(r, 'user');
      let customerId: string;
      if (ownerId) customerId = requireMade(made, 'users', ownerId, 'owner');
      else {
        const name = text(a['name']) ?? `Keygen license ${r.id}`;
        customerId = (await upsertCustomer(tx, ctx, { externalRef: `keygen:license:${r.id}`, name: name.slice(0, 200) })).id;
      }
      const offering = (await tx.offerings.find(offeringId))!;
      // A license names its scheme (Keygen copies its policy's); older exports only the policy.
      const scheme = text(a['scheme']) ?? offering.metadata['keygenScheme'];
      if (isKeygenSignedScheme(scheme)) checkSignedKey(key, scheme, publicKeys);
      const maxMachines = int(a['maxMachines']);
      const created = text(a['created']);
      const expiry = text(a['expiry']);
      const upserted = await upsertEntitlement(tx, ctx, {
        externalRef: `keygen:${r.id}`,
        customerId,
        offeringId,
        key,
        ...(created ? { startsAt: created } : {}),
        endsAt: expiry ?? null,
        ...(maxMachines !== undefined && maxMachines > 0 && maxMachines !== offering.seats ? { overrides: { seats: maxMachines } } : {}),
        metadata: {
          ...scalars(a['metadata']),
          keygenId: r.id,
          ...(text(a['name']) ? { keygenName: text(a['name'])!.slice(0, 1000) } : {}),
          ...(isKeygenSignedScheme(scheme) ? { keygenScheme: scheme } : {}),
        },
      });
      const suspended = a['suspended'] === true || a['status'] === 'SUSPENDED';
      const current = (await tx.entitlements.find(upserted.id))!;
      if (suspended && current.state === 'active') {
        await mutateIn(tx, ctx, current.id, 'entitlement.suspended', (e) => ({ ...e, state: 'suspended' }), {
          reason: 'suspended in Keygen',
        });
        return upserted.outcome === 'unchanged' ? { outcome: 'updated', id: upserted.id, changes: ['state'] } : upserted;
      }
      return upserted;
    }
    case 'machines': {
      const fingerprint = text(a['fingerprint']);
      if (!fingerprint) throw invalid('fingerprint', 'The machine has no fingerprint.');
      const licenseId = requireMade(made, 'licenses', related(r, 'license'), 'license');
      return upsertActivation(tx, ctx, deps, {
        entitlement: licenseId,
        device: {
          fingerprint: fingerprint.slice(0, 200),
          ...(text(a['name']) ? { name: text(a['name'])!.slice(0, 200) } : {}),
          ...(text(a['platform']) ? { platform: text(a['platform'])!.slice(0, 100) } : {}),
          ...(text(a['hostname']) ? { hostname: text(a['hostname'])!.slice(0, 255) } : {}),
        },
        meta: { keygenId: r.id },
      });
    }
  }
}
