/**
 * `npm run bench:data -- --store sqlite|postgres --entitlements N --activations M --customers C --out <dir | database>`
 *
 * Builds a realistic dataset for the load benchmarks directly through the store (the API would take
 * hours at a million entitlements): one account with its admin key, three products with features,
 * offerings of every seat model (node-locked, floating, named-user, a site licence), customers,
 * entitlements (about 5% with overrides, a few suspended or expired), their first versions, and live
 * activations with spread-out last-seen times. Every license key is a real one: hashed and sealed
 * with the dataset's master key, which is fixed here and written to the manifest so the server is
 * started with the same one.
 *
 * The manifest (`manifest.json` in the SQLite data directory, or `bench/.data/<database>.json` for
 * PostgreSQL) keeps the admin key, the master key and the license keys of a sample of entitlements
 * with their activated fingerprints, so the load scenarios use real keys.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import * as prettier from 'prettier';
import { openServices } from '../packages/server/src/bootstrap.js';
import type { Context } from '../packages/server/src/platform/domain/context.js';
import { createProduct } from '../packages/server/src/capabilities/catalog/products.js';
import { createFeature } from '../packages/server/src/capabilities/catalog/features.js';
import { createOffering } from '../packages/server/src/capabilities/catalog/offerings.js';
import type { OfferingRecord } from '../packages/server/src/platform/domain/model.js';
import { licenseKeyHash } from '../packages/server/src/capabilities/entitlements/entitlements.js';
import { generateLicenseKey } from '../packages/server/src/secrets/license-keys.js';
import { addDuration } from '../packages/server/src/foundation/durations.js';

export const BENCH_DIR = resolve(import.meta.dirname);
export const PG_ADMIN_URL = process.env['BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface SampleLicense {
  entitlementId: string;
  key: string;
  offering: string;
  /** Fingerprints with a live activation on this entitlement (for validate, refresh, heartbeat). */
  fingerprints: string[];
}

export interface Manifest {
  store: 'sqlite' | 'postgres';
  /** SQLite: the data directory. PostgreSQL: the connection URL of the dataset's database. */
  location: string;
  masterKey: string;
  adminKey: string;
  product: string;
  counts: { customers: number; entitlements: number; activations: number };
  build: { seconds: number; rowsPerSecond: number; rows: number };
  /** Node-locked entitlements with live activations: validate, refresh. */
  nodeLocked: SampleLicense[];
  /** Floating entitlements with live activations: heartbeat. */
  floating: SampleLicense[];
  /** Site licences with room for many more devices: activate with fresh fingerprints. */
  site: SampleLicense[];
  createdAt: string;
}

export interface DataOptions {
  store: 'sqlite' | 'postgres';
  entitlements: number;
  activations: number;
  customers: number;
  /** SQLite: a data directory (emptied first). PostgreSQL: a database name (dropped and created). */
  out: string;
  samples?: number;
  log?: (line: string) => void;
}

export function manifestPath(store: 'sqlite' | 'postgres', out: string): string {
  return store === 'sqlite' ? join(resolve(out), 'manifest.json') : join(BENCH_DIR, '.data', `${out}.json`);
}

const BATCH = 500;
const DAY = 86_400_000;

/** A small deterministic PRNG so the same arguments give the same shape of data. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function recreatePostgres(name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error('--out for postgres is a database name: lower case letters, digits, _');
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function buildDataset(opts: DataOptions): Promise<Manifest> {
  const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const started = performance.now();
  const masterKey = randomBytes(32).toString('hex');
  const adminKey = `lh_bench_${randomBytes(20).toString('hex')}`;
  let location: string;
  let dataDir: string;
  let databaseUrl: string | null = null;
  if (opts.store === 'sqlite') {
    dataDir = resolve(opts.out);
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true });
    location = dataDir;
  } else {
    databaseUrl = await recreatePostgres(opts.out);
    dataDir = join(BENCH_DIR, '.data');
    mkdirSync(dataDir, { recursive: true });
    location = databaseUrl;
  }

  // Migrations, the master-key check and the first account with our admin key, as the server does.
  const opened = await openServices({ dataDir, databaseUrl, pgPoolSize: 4, masterKey, adminKey });
  const { services } = opened;
  const accountId = opened.firstAccount?.accountId;
  if (!accountId) throw new Error('the dataset database was not empty');
  const ctx: Context = {
    store: services.store.forAccount({ accountId, productId: null }),
    clock: services.clock,
    ids: services.ids,
    secrets: services.secrets,
    actor: { type: 'system', id: 'bench-data' },
    requestId: null,
  };
  const db = services.store.database.db;
  const random = prng(opts.entitlements * 31 + opts.activations);
  const now = Date.now();
  let rows = 0;

  try {
    // Catalog, through the domain services: three products, a handful of features and offerings.
    const offerings: OfferingRecord[] = [];
    for (const [p, code] of ['studio', 'render', 'cloud'].entries()) {
      await createProduct(ctx, { code, name: code[0]!.toUpperCase() + code.slice(1) });
      for (let f = 0; f < 8; f++) await createFeature(ctx, code, { code: `f${f}`, name: `Feature ${f}`, type: 'boolean' });
      await createFeature(ctx, code, { code: 'projects', name: 'Projects', type: 'numeric', unit: 'projects' });
      const features = { f0: true, f1: true, f2: p % 2 === 0, f3: false, projects: 10 };
      offerings.push(
        await createOffering(ctx, { productId: code, code: `${code}-pro`, name: 'Pro', licenseModel: 'perpetual', seats: 3, features }),
        await createOffering(ctx, {
          productId: code,
          code: `${code}-team`,
          name: 'Team (floating)',
          licenseModel: 'subscription',
          term: 'P1Y',
          seatModel: 'floating',
          seats: 10,
          heartbeatWindow: 'PT1H',
          features: { ...features, f3: true, projects: 100 },
        }),
        await createOffering(ctx, {
          productId: code,
          code: `${code}-named`,
          name: 'Named users',
          licenseModel: 'subscription',
          term: 'P1M',
          seatModel: 'named_user',
          seats: 5,
          features,
        }),
        await createOffering(ctx, {
          productId: code,
          code: `${code}-site`,
          name: 'Site',
          licenseModel: 'perpetual',
          seats: 100_000,
          features: { ...features, f4: true, projects: 1000 },
        }),
      );
      rows += 10 + 4;
    }
    const [studioPro, studioTeam, , studioSite] = offerings;

    // Customers.
    const customerIds: string[] = [];
    for (let start = 0; start < opts.customers; start += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, opts.customers - start) }, (_, i) => {
        const id = services.ids.next('customer');
        customerIds.push(id);
        const n = start + i;
        return {
          account_id: accountId,
          id,
          name: `Customer ${n}`,
          email: `it-${n}@customer-${n}.example`,
          external_ref: `crm-${n}`,
          metadata: '{}',
          created_at: now - 400 * DAY,
          updated_at: now - 400 * DAY,
        };
      });
      await db.insertInto('customers').values(batch).execute();
      rows += batch.length;
    }
    log(`customers: ${opts.customers} (${((performance.now() - started) / 1000).toFixed(1)} s)`);

    // Entitlements, their first versions and their live activations. The first entitlements are the
    // manifest's samples: node-locked (studio-pro), floating (studio-team) and site licences.
    const samples = opts.samples ?? Math.min(200, Math.max(10, Math.floor(opts.entitlements / 30)));
    const manifest: Pick<Manifest, 'nodeLocked' | 'floating' | 'site'> = { nodeLocked: [], floating: [], site: [] };
    const perEntitlement = opts.activations / Math.max(1, opts.entitlements);
    let activationsLeft = opts.activations;
    let fpCounter = 0;
    const ents: Array<Record<string, unknown>> = [];
    const versions: Array<Record<string, unknown>> = [];
    const acts: Array<Record<string, unknown>> = [];
    const flush = async () => {
      if (ents.length === 0) return;
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('entitlements')
          .values(ents.splice(0) as never)
          .execute();
        await trx
          .insertInto('entitlement_versions')
          .values(versions.splice(0) as never)
          .execute();
        // Activations rows are wide: keep each statement under SQLite's bound-variable limit.
        while (acts.length > 0)
          await trx
            .insertInto('activations')
            .values(acts.splice(0, 1000) as never)
            .execute();
      });
    };
    let lastLog = performance.now();
    for (let n = 0; n < opts.entitlements; n++) {
      const sampleKind = n < samples ? 'nodeLocked' : n < 2 * samples ? 'floating' : n < 3 * samples ? 'site' : null;
      let offering: OfferingRecord;
      if (sampleKind === 'nodeLocked') offering = studioPro!;
      else if (sampleKind === 'floating') offering = studioTeam!;
      else if (sampleKind === 'site') offering = studioSite!;
      else {
        const r = random();
        // Mostly node-locked, then floating, named-user, the odd site licence; spread over the products.
        const kind = r < 0.6 ? 0 : r < 0.85 ? 1 : r < 0.99 ? 2 : 3;
        offering = offerings[Math.floor(random() * 3) * 4 + kind]!;
      }
      const id = services.ids.next('entitlement');
      const key = generateLicenseKey();
      const customerId = customerIds[Math.floor(random() * customerIds.length)]!;
      const createdAt = now - Math.floor(random() * 300 * DAY) - DAY;
      let state = 'active';
      if (!sampleKind) {
        const s = random();
        if (s < 0.01) state = 'suspended';
        else if (s < 0.02) state = 'revoked';
      }
      const startsAt = createdAt;
      const endsAt = offering.term ? addDuration(startsAt, offering.term) + (sampleKind ? 400 * DAY : 0) : null;
      const overrides = !sampleKind && random() < 0.05 ? { seats: offering.seats + 2, features: { f3: true } } : {};
      const snapshot = {
        id,
        customerId,
        offeringId: offering.id,
        productId: offering.productId,
        orderRef: `order-${n}`,
        externalRef: null,
        state,
        startsAt,
        endsAt,
        maintenanceUntil: null,
        overrides,
        metadata: {},
        version: 1,
        createdAt,
        updatedAt: createdAt,
      };
      ents.push({
        account_id: accountId,
        id,
        customer_id: customerId,
        offering_id: offering.id,
        product_id: offering.productId,
        order_ref: `order-${n}`,
        external_ref: null,
        state,
        starts_at: startsAt,
        ends_at: endsAt,
        maintenance_until: null,
        overrides: JSON.stringify(overrides),
        metadata: '{}',
        key_hash: licenseKeyHash(services, key),
        key_sealed: services.secrets.encrypt('license-key', key),
        version: 1,
        created_at: createdAt,
        updated_at: createdAt,
      });
      versions.push({
        account_id: accountId,
        entitlement_id: id,
        version: 1,
        snapshot: JSON.stringify(snapshot),
        change: 'entitlement.created',
        actor_type: 'system',
        actor_id: 'bench-data',
        request_id: null,
        at: createdAt,
      });

      // Activations: on average perEntitlement each, never more than the seats (floating seats get a
      // heartbeat deadline ahead, as if their heartbeats were arriving).
      const remaining = opts.entitlements - n;
      let count = Math.min(activationsLeft, Math.round(perEntitlement * (0.5 + random())));
      if (remaining === 1) count = activationsLeft;
      count = Math.min(count, offering.seatModel === 'named_user' ? offering.seats : offering.seats === 100_000 ? 50 : offering.seats);
      if (sampleKind && count === 0) count = 1;
      if (state !== 'active' && !sampleKind) count = 0;
      const fingerprints: string[] = [];
      for (let a = 0; a < count; a++) {
        const fingerprint = `fp-${(fpCounter++).toString(36).padStart(8, '0')}-${randomBytes(6).toString('hex')}`;
        fingerprints.push(fingerprint);
        const seatKind = offering.seatModel === 'floating' ? 'floating' : offering.seatModel === 'named_user' ? 'named_user' : 'device';
        const lastSeen = seatKind === 'floating' ? now - Math.floor(random() * 600_000) : now - Math.floor(random() * 30 * DAY);
        acts.push({
          account_id: accountId,
          id: services.ids.next('activation'),
          entitlement_id: id,
          customer_id: customerId,
          product_id: offering.productId,
          fingerprint,
          seat_kind: seatKind,
          state: 'active',
          name: `Workstation ${a}`,
          platform: ['windows', 'macos', 'linux'][a % 3]!,
          hostname: `host-${n}-${a}`,
          named_user: seatKind === 'named_user' ? `user${a}@customer.example` : null,
          host: null,
          app_version: '3.2.1',
          meta: '{}',
          pinned: 0,
          heartbeat_deadline: seatKind === 'floating' ? now + 3_600_000 : null,
          borrowed_until: null,
          created_at: lastSeen - Math.floor(random() * 100 * DAY),
          last_seen_at: lastSeen,
          ended_at: null,
          end_reason: null,
        });
      }
      activationsLeft -= count;
      rows += 2 + count;
      if (sampleKind) manifest[sampleKind].push({ entitlementId: id, key, offering: offering.code, fingerprints });

      if (ents.length >= BATCH) {
        await flush();
        if (performance.now() - lastLog > 10_000) {
          lastLog = performance.now();
          const s = (performance.now() - started) / 1000;
          log(`entitlements: ${n + 1} / ${opts.entitlements} (${s.toFixed(0)} s, ${Math.round(rows / s)} rows/s)`);
        }
      }
    }
    await flush();
    if (opts.store === 'postgres') await sql`ANALYZE`.execute(db);
    const seconds = (performance.now() - started) / 1000;
    const result: Manifest = {
      store: opts.store,
      location,
      masterKey,
      adminKey,
      product: 'studio',
      counts: { customers: opts.customers, entitlements: opts.entitlements, activations: opts.activations - activationsLeft },
      build: { seconds: Math.round(seconds * 10) / 10, rowsPerSecond: Math.round(rows / seconds), rows },
      ...manifest,
      createdAt: new Date().toISOString(),
    };
    const path = manifestPath(opts.store, opts.out);
    mkdirSync(resolve(path, '..'), { recursive: true });
    // Formatted as the repository's Prettier settings want, so `npm run lint` passes with datasets in bench/.data.
    const options = (await prettier.resolveConfig(path)) ?? {};
    writeFileSync(path, await prettier.format(JSON.stringify(result), { ...options, parser: 'json' }));
    log(
      `dataset (${opts.store}): ${result.counts.entitlements} entitlements, ${result.counts.activations} activations, ` +
        `${result.counts.customers} customers; ${rows} rows in ${seconds.toFixed(1)} s (${result.build.rowsPerSecond} rows/s); manifest ${path}`,
    );
    return result;
  } finally {
    await opened.close();
  }
}

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive whole number`);
  return n;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      store: { type: 'string', default: 'sqlite' },
      entitlements: { type: 'string' },
      activations: { type: 'string' },
      customers: { type: 'string' },
      out: { type: 'string' },
      samples: { type: 'string' },
    },
  });
  const store = values.store === 'postgres' ? 'postgres' : values.store === 'sqlite' ? 'sqlite' : null;
  if (!store) throw new Error('--store is sqlite or postgres');
  const entitlements = positive('entitlements', values.entitlements, 1_000_000);
  const out = values.out ?? (store === 'sqlite' ? join(BENCH_DIR, '.data', `sqlite-${entitlements}`) : `leasehold_bench_${entitlements}`);
  await buildDataset({
    store,
    entitlements,
    activations: values.activations === undefined ? entitlements * 2 : Number(values.activations.replace(/_/g, '')),
    customers: positive('customers', values.customers, Math.min(10_000, Math.max(10, Math.floor(entitlements / 100)))),
    out,
    samples: values.samples === undefined ? undefined : positive('samples', values.samples, 200),
  });
}
