import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp, type AppOptions } from '../../src/platform/http/app.js';
import { openServices } from '../../src/bootstrap.js';
import { ManualClock } from '../../src/foundation/clock.js';
import { UlidGenerator } from '../../src/foundation/ids.js';
import { createAccount } from '../../src/capabilities/access/accounts.js';
import type { Services } from '../../src/platform/http/services.js';
import type { App } from '../../src/platform/http/route-kit.js';
import { createPostgresDatabase, type StoreKind } from './stores.js';
import type { StorageSettings } from '../../src/capabilities/releases/storage/configure.js';

export interface Harness {
  kind: StoreKind;
  app: App;
  services: Services;
  clock: ManualClock;
  /** The first account's admin key. */
  adminKey: string;
  accountId: string;
  /** A request through the real router (no socket), as the given key (default: the admin key). */
  call(method: string, url: string, body?: unknown, opts?: { key?: string | null; headers?: Record<string, string> }): Promise<Reply>;
  /** A second account, for tenancy checks. */
  newAccount(name?: string): Promise<{ accountId: string; adminKey: string }>;
  /**
   * Another server on the same database, as a second process would be (its own connections,
   * caches and change listener; the same clock and master key), for cross-process behaviour.
   */
  peer(): Promise<Peer>;
  close(): Promise<void>;
}

export interface Peer {
  app: App;
  services: Services;
  call: Harness['call'];
  close(): Promise<void>;
}

export interface Reply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: LightMyRequestResponse['headers'];
  raw: LightMyRequestResponse;
}

/**
 * Every error answer a test provokes is held to the codes its route declares (route-kit's
 * installDeclaredErrorCheck); breaches gather here and fail the suite when its harness closes.
 */
const undeclared = new Set<string>();

/** The app as production builds it, plus the check that each error answered is one its route declares. */
export function buildCheckedApp(services: Services, options: AppOptions = {}): Promise<App> {
  return buildApp(services, { ...options, onUndeclaredError: (problem) => undeclared.add(problem) });
}

function assertOnlyDeclaredErrors(): void {
  if (undeclared.size === 0) return;
  const problems = [...undeclared].join('\n  ');
  undeclared.clear();
  throw new Error(`Routes answered error codes they do not declare:\n  ${problems}`);
}

export const T0 = Date.parse('2026-03-01T00:00:00.000Z');

/** A server on a fresh database of the given kind, with a manual clock starting at T0 (and artifact storage, if not the data directory). */
export async function createHarness(kind: StoreKind, opts: { storage?: StorageSettings } = {}): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'leasehold-test-'));
  const pgDb = kind === 'postgres' ? await createPostgresDatabase() : null;
  const clock = new ManualClock(T0);
  const adminKey = `lh_test_${randomBytes(16).toString('hex')}`;
  const config = { dataDir, databaseUrl: pgDb?.url ?? null, pgPoolSize: 5, masterKey: null, adminKey, ...opts };
  const started = await openServices(config, { clock, ids: new UlidGenerator(clock) });
  const services = started.services;
  const app = await buildCheckedApp(services);
  const accountId = started.firstAccount!.accountId;
  const call = caller(app, adminKey);
  const peers: Peer[] = [];

  return {
    kind,
    app,
    services,
    clock,
    adminKey,
    accountId,
    call,
    newAccount: async (name = 'Other vendor') => {
      const a = await createAccount(services, name);
      return { accountId: a.accountId, adminKey: a.adminKey };
    },
    peer: async () => {
      const other = await openServices(config, { clock, ids: new UlidGenerator(clock) });
      const otherApp = await buildCheckedApp(other.services);
      const peer: Peer = {
        app: otherApp,
        services: other.services,
        call: caller(otherApp, adminKey),
        close: async () => {
          await otherApp.close();
          await other.close();
        },
      };
      peers.push(peer);
      return peer;
    },
    close: async () => {
      for (const peer of peers) await peer.close();
      await app.close();
      await started.close();
      await pgDb?.drop();
      rmSync(dataDir, { recursive: true, force: true });
      assertOnlyDeclaredErrors();
    },
  };
}

function caller(app: App, adminKey: string): Harness['call'] {
  return async (method, url, body, opts = {}) => {
    const key = opts.key === undefined ? adminKey : opts.key;
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (key !== null) headers['authorization'] = `Bearer ${key}`;
    const res = await app.inject({
      method: method as 'GET',
      url,
      headers,
      ...(body === undefined ? {} : typeof body === 'string' ? { payload: body } : { payload: body as object }),
    });
    let parsed: unknown = undefined;
    if (res.body) {
      try {
        parsed = JSON.parse(res.body);
      } catch {
        parsed = res.body;
      }
    }
    return { status: res.statusCode, body: parsed, headers: res.headers, raw: res };
  };
}

/** A product with two features and a subscription offering, as most tests need. */
export async function seedCatalog(h: Harness, opts: { key?: string } = {}) {
  const k = { key: opts.key };
  const product = (await h.call('POST', '/v1/products', { code: 'studio', name: 'Studio' }, k)).body;
  await h.call('POST', `/v1/products/${product.id}/features`, { code: 'export', name: 'Export', type: 'boolean' }, k);
  await h.call('POST', `/v1/products/${product.id}/features`, { code: 'projects', name: 'Projects', type: 'numeric', unit: 'projects' }, k);
  const offering = (
    await h.call(
      'POST',
      '/v1/offerings',
      {
        productId: 'studio',
        code: 'studio-pro',
        name: 'Studio Pro',
        licenseModel: 'subscription',
        seatModel: 'node_locked',
        seats: 5,
        term: 'P1Y',
        leasePeriod: 'P7D',
        features: { export: true, projects: 10 },
      },
      k,
    )
  ).body;
  const customer = (await h.call('POST', '/v1/customers', { name: 'Acme Corp', email: 'it@acme.test', externalRef: 'crm-1' }, k)).body;
  return { product, offering, customer };
}
