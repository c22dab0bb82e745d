import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, seedCatalog, type Harness, type Reply } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { eventCount } from '../support/counts.js';
import { asLicense, fp } from '../support/client.js';
import { asClient, upload } from '../releases/support.js';

type Role = 'admin' | 'support' | 'readonly';

/**
 * What a key limited to one product may reach, route by route: the whole route table, including the
 * NetLicensing face. Written out here, not derived from the server's table, so a change of policy
 * shows up as a failing row.
 *
 * - `account`: concerns the whole account; refused (403) to a product-scoped key of any role.
 * - `hidden`: the request names something of another product; the answer must not show it (404,
 *   or 422 for a reference in a body) and must change nothing.
 * - `list`: a listing; it answers but shows nothing of another product.
 * - `shared`: account-wide records every product uses (customers, the catalogue of licence types);
 *   a scoped key may reach them. A NetLicensing licensee is a customer here, so it is shared too.
 * - `inert`: refused (400) whoever asks, as the face does for writes it does not support.
 */
type Reach = 'account' | 'hidden' | 'list' | 'shared' | 'inert';

/** Which roles hold the permission a row needs, as the role matrix (roles.test.ts) states it. */
type Area = 'read' | 'customers' | 'entitlements' | 'catalog' | 'keys' | 'erase' | 'reports';
const ALLOWED: Record<Area, Role[]> = {
  read: ['admin', 'support', 'readonly'],
  customers: ['admin', 'support'],
  entitlements: ['admin', 'support'],
  catalog: ['admin'],
  keys: ['admin'],
  erase: ['admin'],
  reports: ['admin', 'support'],
};

/** Everything of the other product, made by an unscoped admin before the walk. */
interface Other {
  productId: string;
  featureId: string;
  offeringId: string;
  entitlementId: string;
  licenseKey: string;
  activationId: string;
  migrationId: string;
  keyGeneratorId: string;
  savedReportId: string;
  reportExportId: string;
  activationBatchId: string;
  releaseId: string;
  artifactId: string;
  customerRef: string;
  /** The other entitlement's creation event (a change of rights, for propagation). */
  eventId: string;
  nl: { module: string; template: string; licensee: string; license: string };
  /** Strings that must never appear in an answer to the scoped key (other than `shared` rows). */
  markers: string[];
}

interface Row {
  area: Area;
  reach: Reach;
  request: (o: Other, n: number) => { url: string; body?: unknown };
}

const NL = '/core/v2/rest';

const release = (o: Other) => `/v1/releases/${o.releaseId}`;
const artifact = (o: Other) => `/v1/artifacts/${o.artifactId}`;
const RELEASE_ROWS: Record<string, Row> = {
  'GET /v1/products/:id/releases': { area: 'read', reach: 'hidden', request: (o) => ({ url: `/v1/products/${o.productId}/releases` }) },
  'POST /v1/products/:id/releases': {
    area: 'catalog',
    reach: 'hidden',
    request: (o, n) => ({ url: `/v1/products/${o.productId}/releases`, body: { version: `9.${n}.0` } }),
  },
  'GET /v1/releases/:id': { area: 'read', reach: 'hidden', request: (o) => ({ url: release(o) }) },
  'PATCH /v1/releases/:id': { area: 'catalog', reach: 'hidden', request: (o) => ({ url: release(o), body: { notes: 'X' } }) },
  'DELETE /v1/releases/:id': { area: 'catalog', reach: 'hidden', request: (o) => ({ url: release(o) }) },
  'POST /v1/releases/:id/publish': { area: 'catalog', reach: 'hidden', request: (o) => ({ url: `${release(o)}/publish` }) },
  'POST /v1/releases/:id/yank': { area: 'catalog', reach: 'hidden', request: (o) => ({ url: `${release(o)}/yank` }) },
  'GET /v1/releases/:id/downloads': { area: 'read', reach: 'hidden', request: (o) => ({ url: `${release(o)}/downloads` }) },
  'GET /v1/releases/:id/audience': { area: 'read', reach: 'hidden', request: (o) => ({ url: `${release(o)}/audience` }) },
  'GET /v1/releases/:id/rollout': { area: 'read', reach: 'hidden', request: (o) => ({ url: `${release(o)}/rollout` }) },
  'PUT /v1/releases/:id/rollout': {
    area: 'catalog',
    reach: 'hidden',
    request: (o) => ({ url: `${release(o)}/rollout`, body: { percentage: 10 } }),
  },
  'DELETE /v1/releases/:id/rollout': { area: 'catalog', reach: 'hidden', request: (o) => ({ url: `${release(o)}/rollout` }) },
  'POST /v1/releases/:id/rollout/preview': {
    area: 'read',
    reach: 'hidden',
    request: (o) => ({ url: `${release(o)}/rollout/preview`, body: {} }),
  },
  'GET /v1/releases/:id/artifacts': { area: 'read', reach: 'hidden', request: (o) => ({ url: `${release(o)}/artifacts` }) },
  'POST /v1/releases/:id/artifacts': {
    area: 'catalog',
    reach: 'hidden',
    request: (o) => ({ url: `${release(o)}/artifacts`, body: { filename: 'x.zip', platform: 'linux', arch: 'x86_64' } }),
  },
  'GET /v1/artifacts/:id': { area: 'read', reach: 'hidden', request: (o) => ({ url: artifact(o) }) },
  'DELETE /v1/artifacts/:id': { area: 'catalog', reach: 'hidden', request: (o) => ({ url: artifact(o) }) },
  'POST /v1/artifacts/:id/complete': { area: 'catalog', reach: 'hidden', request: (o) => ({ url: `${artifact(o)}/complete` }) },
  // A scoped key re-signs its own product's artifacts only: the other product's are not touched.
  'POST /v1/artifacts/resign': { area: 'catalog', reach: 'list', request: () => ({ url: '/v1/artifacts/resign' }) },
  // The customer is shared; its download history shows only the key's product.
  'GET /v1/customers/:id/downloads': { area: 'read', reach: 'list', request: (o) => ({ url: `/v1/customers/${o.customerRef}/downloads` }) },
};

const ROWS: Record<string, Row> = {
  'GET /v1/products': { area: 'read', reach: 'list', request: () => ({ url: '/v1/products' }) },
  'POST /v1/products': {
    area: 'catalog',
    reach: 'account',
    request: (_o, n) => ({ url: '/v1/products', body: { code: `p${n}`, name: 'P' } }),
  },
  'GET /v1/products/:id': { area: 'read', reach: 'hidden', request: (o) => ({ url: `/v1/products/${o.productId}` }) },
  'PATCH /v1/products/:id': {
    area: 'catalog',
    reach: 'hidden',
    request: (o) => ({ url: `/v1/products/${o.productId}`, body: { name: 'X' } }),
  },
  'DELETE /v1/products/:id': { area: 'catalog', reach: 'hidden', request: (o) => ({ url: `/v1/products/${o.productId}` }) },
  'GET /v1/products/:id/features': { area: 'read', reach: 'hidden', request: (o) => ({ url: `/v1/products/${o.productId}/features` }) },
  'POST /v1/products/:id/features': {
    area: 'catalog',
    reach: 'hidden',
    request: (o, n) => ({ url: `/v1/products/${o.productId}/features`, body: { code: `f${n}`, name: 'F', type: 'boolean' } }),
  },
  'GET /v1/products/:id/features/:feature': {
    area: 'read',
    reach: 'hidden',
    request: (o) => ({ url: `/v1/products/${o.productId}/features/${o.featureId}` }),
  },
  'PATCH /v1/products/:id/features/:feature': {
    area: 'catalog',
    reach: 'hidden',
    request: (o) => ({ url: `/v1/products/${o.productId}/features/${o.featureId}`, body: { name: 'X' } }),
  },
  'DELETE /v1/products/:id/features/:feature': {
    area: 'catalog',
    reach: 'hidden',
    request: (o) => ({ url: `/v1/products/${o.productId}/features/${o.featureId}` }),
  },
  'GET /v1/offerings': { area: 'read', reach: 'list', request: () => ({ url: '/v1/offerings' }) },
  'POST /v1/offerings': {
    area: 'catalog',
    reach: 'hidden',
    request: (o, n) => ({
      url: '/v1/offerings',
      body: {
        productId: o.productId,
        code: `o${n}`,
        name: 'O',
        licenseModel: 'subscription',
        seatModel: 'node_locked',
        seats: 1,
        term: 'P1Y',
        leasePeriod: 'P7D',
      },
    }),
  },
  'GET /v1/offerings/:id': { area: 'read', reach: 'hidden', request: (o) => ({ url: `/v1/offerings/${o.offeringId}` }) },
  'PATCH /v1/offerings/:id': {
    area: 'catalog',
    reach: 'hidden',
    request: (o) => ({ url: `/v1/offerings/${o.offeringId}`, body: { name: 'X' } }),
  },
  'DELETE /v1/offerings/:id': { area: 'catalog', reach: 'hidden', request: (o) => ({ url: `/v1/offerings/${o.offeringId}` }) },
  'GET /v1/customers': { area: 'read', reach: 'shared', request: () => ({ url: '/v1/customers' }) },
  'POST /v1/customers': { area: 'customers', reach: 'shared', request: (_o, n) => ({ url: '/v1/customers', body: { name: `C${n}` } }) },
  'GET /v1/customers/:id': { area: 'read', reach: 'shared', request: (o) => ({ url: `/v1/customers/${o.customerRef}` }) },
  'PATCH /v1/customers/:id': {
    area: 'customers',
    reach: 'shared',
    request: (o) => ({ url: `/v1/customers/${o.customerRef}`, body: { name: 'Acme' } }),
  },
  // Refused as IN_USE whoever asks; what matters is that a scoped key is not refused for its scope.
  'DELETE /v1/customers/:id': { area: 'customers', reach: 'shared', request: (o) => ({ url: `/v1/customers/${o.customerRef}` }) },
  // A wrong confirmation: whoever may erase gets 400 and nothing is erased.
  'POST /v1/customers/:id/erase': {
    area: 'erase',
    reach: 'account',
    request: (o) => ({ url: `/v1/customers/${o.customerRef}/erase`, body: { confirm: 'not-this-customer' } }),
  },
  'GET /v1/entitlements': { area: 'read', reach: 'list', request: () => ({ url: '/v1/entitlements' }) },
  'POST /v1/entitlements': {
    area: 'entitlements',
    reach: 'hidden',
    request: (o) => ({ url: '/v1/entitlements', body: { customerId: o.customerRef, offeringId: o.offeringId } }),
  },
  'GET /v1/entitlements/:id': { area: 'read', reach: 'hidden', request: (o) => ({ url: `/v1/entitlements/${o.entitlementId}` }) },
  'PATCH /v1/entitlements/:id': {
    area: 'entitlements',
    reach: 'hidden',
    request: (o) => ({ url: `/v1/entitlements/${o.entitlementId}`, body: { orderRef: 'X' } }),
  },
  ...Object.fromEntries(
    ['suspend', 'resume', 'renew', 'revoke', 'return', 'rekey'].map((action) => [
      `POST /v1/entitlements/:id/${action}`,
      {
        area: 'entitlements',
        reach: 'hidden',
        request: (o: Other) => ({ url: `/v1/entitlements/${o.entitlementId}/${action}`, body: {} }),
      } as Row,
    ]),
  ),
  'GET /v1/events': { area: 'read', reach: 'list', request: () => ({ url: '/v1/events?limit=500' }) },
  'GET /v1/events/export': { area: 'read', reach: 'list', request: () => ({ url: '/v1/events/export' }) },
  'GET /v1/reports/status': { area: 'read', reach: 'list', request: () => ({ url: '/v1/reports/status' }) },
  'GET /v1/reports/:name': {
    area: 'read',
    reach: 'list',
    request: (o) => ({
      url: `/v1/reports/activations?by=customer&product=${o.productId}&from=2000-01-01T00:00:00Z&to=2002-01-01T00:00:00Z`,
    }),
  },
  'POST /v1/reports/query': {
    area: 'read',
    reach: 'list',
    request: (o) => ({
      url: '/v1/reports/query',
      body: {
        measures: ['activations', 'events'],
        dimensions: ['product', 'entitlement', 'offering'],
        filters: [{ dimension: 'product', values: [o.productId] }],
        from: '2025-06-01T00:00:00Z',
        to: '2027-06-01T00:00:00Z',
        granularity: 'none',
      },
    }),
  },
  'POST /v1/saved-reports': {
    area: 'reports',
    reach: 'list',
    request: (_o, n) => ({ url: '/v1/saved-reports', body: { name: `r${n}`, query: { measures: ['events'] } } }),
  },
  'GET /v1/saved-reports': { area: 'read', reach: 'list', request: () => ({ url: '/v1/saved-reports' }) },
  'GET /v1/saved-reports/:id': { area: 'read', reach: 'hidden', request: (o) => ({ url: `/v1/saved-reports/${o.savedReportId}` }) },
  'PATCH /v1/saved-reports/:id': {
    area: 'reports',
    reach: 'hidden',
    request: (o) => ({ url: `/v1/saved-reports/${o.savedReportId}`, body: { name: 'X' } }),
  },
  'DELETE /v1/saved-reports/:id': { area: 'reports', reach: 'hidden', request: (o) => ({ url: `/v1/saved-reports/${o.savedReportId}` }) },
  'GET /v1/saved-reports/:id/run': { area: 'read', reach: 'hidden', request: (o) => ({ url: `/v1/saved-reports/${o.savedReportId}/run` }) },
  'POST /v1/report-exports': {
    area: 'reports',
    reach: 'hidden',
    request: (o) => ({
      url: '/v1/report-exports',
      body: { savedReportId: o.savedReportId, cadence: 'daily', hour: 1, destination: { kind: 'url', url: 'https://93.184.215.14/x' } },
    }),
  },
  'GET /v1/report-exports': { area: 'read', reach: 'list', request: () => ({ url: '/v1/report-exports' }) },
  'GET /v1/report-exports/:id': { area: 'read', reach: 'hidden', request: (o) => ({ url: `/v1/report-exports/${o.reportExportId}` }) },
  'PATCH /v1/report-exports/:id': {
    area: 'reports',
    reach: 'hidden',
    request: (o) => ({ url: `/v1/report-exports/${o.reportExportId}`, body: { hour: 2 } }),
  },
  'DELETE /v1/report-exports/:id': {
    area: 'reports',
    reach: 'hidden',
    request: (o) => ({ url: `/v1/report-exports/${o.reportExportId}` }),
  },
  'POST /v1/report-exports/:id/run': {
    area: 'reports',
    reach: 'hidden',
    request: (o) => ({ url: `/v1/report-exports/${o.reportExportId}/run` }),
  },
  'GET /v1/report-exports/:id/runs': {
    area: 'read',
    reach: 'hidden',
    request: (o) => ({ url: `/v1/report-exports/${o.reportExportId}/runs` }),
  },
  'GET /v1/api-keys': { area: 'keys', reach: 'account', request: () => ({ url: '/v1/api-keys' }) },
  'POST /v1/api-keys': { area: 'keys', reach: 'account', request: () => ({ url: '/v1/api-keys', body: { name: 'k', role: 'admin' } }) },
  'DELETE /v1/api-keys/:id': { area: 'keys', reach: 'account', request: () => ({ url: '/v1/api-keys/key_unknown' }) },
  'GET /v1/integrations/stripe': { area: 'keys', reach: 'account', request: () => ({ url: '/v1/integrations/stripe' }) },
  'PUT /v1/integrations/stripe': {
    area: 'keys',
    reach: 'account',
    request: () => ({ url: '/v1/integrations/stripe', body: { renewalGrace: 'P2D' } }),
  },
  'GET /v1/integrations/stripe/events': { area: 'keys', reach: 'account', request: () => ({ url: '/v1/integrations/stripe/events' }) },
  'GET /v1/integrations/generic': { area: 'keys', reach: 'account', request: () => ({ url: '/v1/integrations/generic' }) },
  'PUT /v1/integrations/generic': {
    area: 'keys',
    reach: 'account',
    request: () => ({ url: '/v1/integrations/generic', body: { renewalGrace: 'P2D' } }),
  },
  'GET /v1/integrations/generic/events': { area: 'keys', reach: 'account', request: () => ({ url: '/v1/integrations/generic/events' }) },
  'GET /v1/entitlements/:id/activations': {
    area: 'read',
    reach: 'hidden',
    request: (o) => ({ url: `/v1/entitlements/${o.entitlementId}/activations` }),
  },
  'GET /v1/actors': { area: 'read', reach: 'shared', request: () => ({ url: '/v1/actors' }) },
  'GET /v1/activations': { area: 'read', reach: 'list', request: () => ({ url: `/v1/activations?fingerprint=${fp('other-device')}` }) },
  'GET /v1/activations/:id': { area: 'read', reach: 'hidden', request: (o) => ({ url: `/v1/activations/${o.activationId}` }) },
  'PATCH /v1/activations/:id': {
    area: 'entitlements',
    reach: 'hidden',
    request: (o) => ({ url: `/v1/activations/${o.activationId}`, body: { pinned: true } }),
  },
  'DELETE /v1/activations/:id': { area: 'entitlements', reach: 'hidden', request: (o) => ({ url: `/v1/activations/${o.activationId}` }) },
  'GET /v1/entitlements/:id/leases': {
    area: 'read',
    reach: 'hidden',
    request: (o) => ({ url: `/v1/entitlements/${o.entitlementId}/leases` }),
  },
  'GET /v1/entitlements/:id/propagation': {
    area: 'read',
    reach: 'hidden',
    request: (o) => ({ url: `/v1/entitlements/${o.entitlementId}/propagation` }),
  },
  'GET /v1/reports/propagation': { area: 'read', reach: 'hidden', request: (o) => ({ url: `/v1/reports/propagation?event=${o.eventId}` }) },
  'GET /v1/signing-keys': { area: 'keys', reach: 'account', request: () => ({ url: '/v1/signing-keys' }) },
  'POST /v1/signing-keys/rotate': { area: 'keys', reach: 'account', request: () => ({ url: '/v1/signing-keys/rotate' }) },
  // Webhook endpoints receive the whole account's events: account-wide, admins only.
  'GET /v1/webhook-endpoints': { area: 'keys', reach: 'account', request: () => ({ url: '/v1/webhook-endpoints' }) },
  'POST /v1/webhook-endpoints': {
    area: 'keys',
    reach: 'account',
    request: () => ({ url: '/v1/webhook-endpoints', body: { url: 'https://93.184.216.34/hook', enabled: false } }),
  },
  'GET /v1/webhook-endpoints/:id': { area: 'keys', reach: 'account', request: () => ({ url: '/v1/webhook-endpoints/whk_unknown' }) },
  'PATCH /v1/webhook-endpoints/:id': {
    area: 'keys',
    reach: 'account',
    request: () => ({ url: '/v1/webhook-endpoints/whk_unknown', body: { enabled: false } }),
  },
  'DELETE /v1/webhook-endpoints/:id': { area: 'keys', reach: 'account', request: () => ({ url: '/v1/webhook-endpoints/whk_unknown' }) },
  'POST /v1/webhook-endpoints/:id/rotate-secret': {
    area: 'keys',
    reach: 'account',
    request: () => ({ url: '/v1/webhook-endpoints/whk_unknown/rotate-secret' }),
  },
  'POST /v1/webhook-endpoints/:id/test': {
    area: 'keys',
    reach: 'account',
    request: () => ({ url: '/v1/webhook-endpoints/whk_unknown/test' }),
  },
  'POST /v1/webhook-endpoints/:id/replay': {
    area: 'keys',
    reach: 'account',
    request: () => ({
      url: '/v1/webhook-endpoints/whk_unknown/replay',
      body: { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' },
    }),
  },
  'GET /v1/webhook-endpoints/:id/deliveries': {
    area: 'keys',
    reach: 'account',
    request: () => ({ url: '/v1/webhook-endpoints/whk_unknown/deliveries' }),
  },
  'POST /v1/webhook-deliveries/:id/retry': {
    area: 'keys',
    reach: 'account',
    request: () => ({ url: '/v1/webhook-deliveries/whd_unknown/retry' }),
  },
  'POST /v1/entitlements/:id/change-offering': {
    area: 'entitlements',
    reach: 'hidden',
    request: (o) => ({ url: `/v1/entitlements/${o.entitlementId}/change-offering`, body: { offeringId: o.offeringId } }),
  },
  'GET /v1/entitlements/:id/history': {
    area: 'read',
    reach: 'hidden',
    request: (o) => ({ url: `/v1/entitlements/${o.entitlementId}/history` }),
  },
  'POST /v1/entitlements/:id/revert': {
    area: 'entitlements',
    reach: 'hidden',
    request: (o) => ({ url: `/v1/entitlements/${o.entitlementId}/revert`, body: { version: 1 } }),
  },
  'POST /v1/migrations': {
    area: 'entitlements',
    reach: 'hidden',
    request: (o) => ({ url: '/v1/migrations', body: { sourceOfferingId: o.offeringId, targetOfferingId: o.offeringId, dryRun: true } }),
  },
  'GET /v1/migrations': { area: 'read', reach: 'list', request: () => ({ url: '/v1/migrations' }) },
  'GET /v1/migrations/:id': { area: 'read', reach: 'hidden', request: (o) => ({ url: `/v1/migrations/${o.migrationId}` }) },
  'POST /v1/key-generators': {
    area: 'catalog',
    reach: 'hidden',
    request: (o) => ({ url: '/v1/key-generators', body: { offeringId: o.offeringId, kind: 'random' } }),
  },
  'GET /v1/key-generators': { area: 'read', reach: 'list', request: () => ({ url: '/v1/key-generators' }) },
  'GET /v1/key-generators/:id': { area: 'read', reach: 'hidden', request: (o) => ({ url: `/v1/key-generators/${o.keyGeneratorId}` }) },
  'PATCH /v1/key-generators/:id': {
    area: 'catalog',
    reach: 'hidden',
    request: (o) => ({ url: `/v1/key-generators/${o.keyGeneratorId}`, body: { pattern: { pattern: 'XXXXXXXX' } } }),
  },
  'DELETE /v1/key-generators/:id': {
    area: 'catalog',
    reach: 'hidden',
    request: (o) => ({ url: `/v1/key-generators/${o.keyGeneratorId}` }),
  },
  'GET /v1/pending-keys': { area: 'read', reach: 'list', request: () => ({ url: '/v1/pending-keys' }) },
  'POST /v1/partners': { area: 'keys', reach: 'account', request: (_o, n) => ({ url: '/v1/partners', body: { name: `P${n}` } }) },
  'GET /v1/partners': { area: 'read', reach: 'account', request: () => ({ url: '/v1/partners' }) },
  'GET /v1/partners/:id': { area: 'read', reach: 'account', request: () => ({ url: '/v1/partners/par_01jd3x0000000000000000000' }) },
  'PATCH /v1/partners/:id': {
    area: 'keys',
    reach: 'account',
    request: () => ({ url: '/v1/partners/par_01jd3x0000000000000000000', body: { name: 'X' } }),
  },
  'DELETE /v1/partners/:id': { area: 'keys', reach: 'account', request: () => ({ url: '/v1/partners/par_01jd3x0000000000000000000' }) },
  'POST /v1/code-batches': {
    area: 'keys',
    reach: 'account',
    request: (o) => ({ url: '/v1/code-batches', body: { offeringId: o.offeringId, partnerId: 'nobody', quantity: 1 } }),
  },
  'GET /v1/code-batches': { area: 'read', reach: 'account', request: () => ({ url: '/v1/code-batches' }) },
  'GET /v1/code-batches/:id': {
    area: 'read',
    reach: 'account',
    request: () => ({ url: '/v1/code-batches/cbt_01jd3x0000000000000000000' }),
  },
  'GET /v1/code-batches/:id/codes': {
    area: 'keys',
    reach: 'account',
    request: () => ({ url: '/v1/code-batches/cbt_01jd3x0000000000000000000/codes' }),
  },
  'POST /v1/code-batches/:id/void': {
    area: 'keys',
    reach: 'account',
    request: () => ({ url: '/v1/code-batches/cbt_01jd3x0000000000000000000/void', body: {} }),
  },
  'POST /v1/codes/void': {
    area: 'keys',
    reach: 'account',
    request: () => ({ url: '/v1/codes/void', body: { code: 'AAAAA-AAAAA-AAAAA-AAAAA' } }),
  },
  'GET /v1/codes/check': { area: 'read', reach: 'account', request: () => ({ url: '/v1/codes/check?code=AAAAA' }) },
  'POST /v1/activation-batches': {
    area: 'entitlements',
    reach: 'hidden',
    request: (o) => ({
      url: '/v1/activation-batches',
      body: { entitlementId: o.entitlementId, devices: [{ fingerprint: 'scoped-device' }] },
    }),
  },
  'GET /v1/activation-batches': { area: 'read', reach: 'list', request: () => ({ url: '/v1/activation-batches' }) },
  'GET /v1/activation-batches/:id': {
    area: 'read',
    reach: 'hidden',
    request: (o) => ({ url: `/v1/activation-batches/${o.activationBatchId}` }),
  },
  'GET /v1/activation-batches/:id/items': {
    area: 'read',
    reach: 'hidden',
    request: (o) => ({ url: `/v1/activation-batches/${o.activationBatchId}/items` }),
  },
  'GET /v1/activation-batches/:id/leases': {
    area: 'entitlements',
    reach: 'hidden',
    request: (o) => ({ url: `/v1/activation-batches/${o.activationBatchId}/leases` }),
  },
  'GET /v1/usage': { area: 'read', reach: 'list', request: () => ({ url: '/v1/usage' }) },
  // A CSV import answers per row; sent as JSON (not text/csv) it is refused whoever asks. A scoped
  // key's rows naming another product's records are refused rows (imports-csv.test.ts).
  'POST /v1/imports': {
    area: 'entitlements',
    reach: 'inert',
    request: () => ({ url: '/v1/imports?kind=activations', body: { csv: 'x' } }),
  },
  'POST /v1/imports/keygen': {
    area: 'catalog',
    reach: 'account',
    request: () => ({ url: '/v1/imports/keygen', body: { documents: [{ data: [] }] } }),
  },
  'POST /v1/catalog/plan': {
    area: 'read',
    reach: 'list',
    request: () => ({ url: '/v1/catalog/plan', body: { catalog: { products: [] } } }),
  },
  'POST /v1/catalog/apply': {
    area: 'catalog',
    reach: 'account',
    request: () => ({ url: '/v1/catalog/apply', body: { catalog: { products: [] } } }),
  },
  'GET /v1/entitlements/:id/usage': {
    area: 'read',
    reach: 'hidden',
    request: (o) => ({ url: `/v1/entitlements/${o.entitlementId}/usage` }),
  },
  'GET /v1/usage/statements': { area: 'read', reach: 'list', request: () => ({ url: '/v1/usage/statements' }) },
  'POST /v1/offline/activations': {
    area: 'entitlements',
    reach: 'hidden',
    request: (o) => ({
      url: '/v1/offline/activations',
      body: {
        format: 'leasehold-offline-request',
        v: 1,
        product: 'other',
        fingerprint: fp('offline-other'),
        licenseKey: o.licenseKey,
        nonce: 'n'.repeat(20),
        createdAt: '2026-03-01T00:00:00Z',
      },
    }),
  },
  'GET /v1/staff-users': { area: 'keys', reach: 'account', request: () => ({ url: '/v1/staff-users' }) },
  'POST /v1/staff-users': {
    area: 'keys',
    reach: 'account',
    request: (_o, n) => ({
      url: '/v1/staff-users',
      body: { email: `esc${n}@vendor.test`, name: 'E', role: 'admin', password: 'a long password 1' },
    }),
  },
  'PATCH /v1/staff-users/:id': {
    area: 'keys',
    reach: 'account',
    request: () => ({ url: '/v1/staff-users/usr_unknown', body: { name: 'X' } }),
  },
  'DELETE /v1/staff-users/:id': { area: 'keys', reach: 'account', request: () => ({ url: '/v1/staff-users/usr_unknown' }) },

  // The NetLicensing face, with its own credentials and envelope, under the same table.
  [`GET ${NL}/product`]: { area: 'read', reach: 'list', request: () => ({ url: `${NL}/product` }) },
  [`GET ${NL}/product/:number`]: { area: 'read', reach: 'hidden', request: () => ({ url: `${NL}/product/other` }) },
  [`POST ${NL}/product`]: {
    area: 'catalog',
    reach: 'account',
    request: (_o, n) => ({ url: `${NL}/product`, body: { number: `NP${n}`, name: 'N' } }),
  },
  [`POST ${NL}/product/:number`]: {
    area: 'catalog',
    reach: 'hidden',
    request: () => ({ url: `${NL}/product/other`, body: { name: 'X' } }),
  },
  [`DELETE ${NL}/product/:number`]: { area: 'catalog', reach: 'hidden', request: () => ({ url: `${NL}/product/other` }) },
  [`GET ${NL}/productmodule`]: { area: 'read', reach: 'list', request: () => ({ url: `${NL}/productmodule` }) },
  [`GET ${NL}/productmodule/:number`]: { area: 'read', reach: 'hidden', request: (o) => ({ url: `${NL}/productmodule/${o.nl.module}` }) },
  [`POST ${NL}/productmodule`]: {
    area: 'catalog',
    reach: 'hidden',
    request: (_o, n) => ({
      url: `${NL}/productmodule`,
      body: { productNumber: 'other', number: `NM${n}`, name: 'M', licensingModel: 'TryAndBuy' },
    }),
  },
  [`POST ${NL}/productmodule/:number`]: {
    area: 'catalog',
    reach: 'hidden',
    request: (o) => ({ url: `${NL}/productmodule/${o.nl.module}`, body: { name: 'X' } }),
  },
  [`DELETE ${NL}/productmodule/:number`]: {
    area: 'catalog',
    reach: 'hidden',
    request: (o) => ({ url: `${NL}/productmodule/${o.nl.module}` }),
  },
  [`GET ${NL}/licensetemplate`]: { area: 'read', reach: 'list', request: () => ({ url: `${NL}/licensetemplate` }) },
  [`GET ${NL}/licensetemplate/:number`]: {
    area: 'read',
    reach: 'hidden',
    request: (o) => ({ url: `${NL}/licensetemplate/${o.nl.template}` }),
  },
  [`POST ${NL}/licensetemplate`]: {
    area: 'catalog',
    reach: 'hidden',
    request: (o, n) => ({
      url: `${NL}/licensetemplate`,
      body: { productModuleNumber: o.nl.module, number: `NT${n}`, name: 'T', licenseType: 'FEATURE', price: '0', currency: 'EUR' },
    }),
  },
  [`POST ${NL}/licensetemplate/:number`]: {
    area: 'catalog',
    reach: 'hidden',
    request: (o) => ({ url: `${NL}/licensetemplate/${o.nl.template}`, body: { name: 'X' } }),
  },
  [`DELETE ${NL}/licensetemplate/:number`]: {
    area: 'catalog',
    reach: 'hidden',
    request: (o) => ({ url: `${NL}/licensetemplate/${o.nl.template}` }),
  },
  [`GET ${NL}/licensee`]: { area: 'read', reach: 'list', request: () => ({ url: `${NL}/licensee` }) },
  [`GET ${NL}/licensee/:number`]: { area: 'read', reach: 'shared', request: (o) => ({ url: `${NL}/licensee/${o.nl.licensee}` }) },
  [`POST ${NL}/licensee`]: {
    area: 'customers',
    reach: 'hidden',
    request: (_o, n) => ({ url: `${NL}/licensee`, body: { productNumber: 'other', number: `NL${n}` } }),
  },
  [`POST ${NL}/licensee/:number`]: {
    area: 'customers',
    reach: 'shared',
    request: (o) => ({ url: `${NL}/licensee/${o.nl.licensee}`, body: { name: 'X' } }),
  },
  [`DELETE ${NL}/licensee/:number`]: { area: 'customers', reach: 'shared', request: (o) => ({ url: `${NL}/licensee/${o.nl.licensee}` }) },
  [`POST ${NL}/licensee/:number/validate`]: {
    area: 'read',
    reach: 'hidden',
    request: (o) => ({ url: `${NL}/licensee/${o.nl.licensee}/validate`, body: {} }),
  },
  [`GET ${NL}/licensee/:number/validate`]: {
    area: 'read',
    reach: 'hidden',
    request: (o) => ({ url: `${NL}/licensee/${o.nl.licensee}/validate` }),
  },
  [`POST ${NL}/licensee/:number/transfer`]: {
    area: 'entitlements',
    reach: 'hidden',
    request: (o) => ({ url: `${NL}/licensee/${o.nl.licensee}/transfer`, body: { sourceLicenseeNumber: o.nl.licensee } }),
  },
  [`GET ${NL}/license`]: { area: 'read', reach: 'list', request: () => ({ url: `${NL}/license` }) },
  [`GET ${NL}/license/:number`]: { area: 'read', reach: 'hidden', request: (o) => ({ url: `${NL}/license/${o.nl.license}` }) },
  [`POST ${NL}/license`]: {
    area: 'entitlements',
    reach: 'hidden',
    request: (o) => ({
      url: `${NL}/license`,
      body: { licenseeNumber: o.nl.licensee, licenseTemplateNumber: o.nl.template, active: 'true' },
    }),
  },
  [`POST ${NL}/license/:number`]: {
    area: 'entitlements',
    reach: 'hidden',
    request: (o) => ({ url: `${NL}/license/${o.nl.license}`, body: { active: 'false' } }),
  },
  [`DELETE ${NL}/license/:number`]: { area: 'entitlements', reach: 'hidden', request: (o) => ({ url: `${NL}/license/${o.nl.license}` }) },
  [`GET ${NL}/token`]: { area: 'keys', reach: 'account', request: () => ({ url: `${NL}/token` }) },
  [`GET ${NL}/token/:number`]: { area: 'keys', reach: 'account', request: () => ({ url: `${NL}/token/unknown` }) },
  [`POST ${NL}/token`]: { area: 'keys', reach: 'account', request: () => ({ url: `${NL}/token`, body: { tokenType: 'APIKEY' } }) },
  [`DELETE ${NL}/token/:number`]: { area: 'keys', reach: 'account', request: () => ({ url: `${NL}/token/unknown` }) },
  [`GET ${NL}/transaction`]: { area: 'read', reach: 'list', request: () => ({ url: `${NL}/transaction` }) },
  // Transactions are read-only on this server: refused (or 404) whoever asks; never a scope escape.
  [`GET ${NL}/transaction/:number`]: { area: 'read', reach: 'hidden', request: () => ({ url: `${NL}/transaction/unknown` }) },
  [`POST ${NL}/transaction`]: { area: 'entitlements', reach: 'inert', request: () => ({ url: `${NL}/transaction`, body: {} }) },
  [`POST ${NL}/transaction/:number`]: {
    area: 'entitlements',
    reach: 'inert',
    request: () => ({ url: `${NL}/transaction/unknown`, body: {} }),
  },
  [`GET ${NL}/utility/licenseTypes`]: { area: 'read', reach: 'shared', request: () => ({ url: `${NL}/utility/licenseTypes` }) },
  [`GET ${NL}/utility/licensingModels`]: { area: 'read', reach: 'shared', request: () => ({ url: `${NL}/utility/licensingModels` }) },
  [`GET ${NL}/utility/countries`]: { area: 'read', reach: 'shared', request: () => ({ url: `${NL}/utility/countries` }) },
  [`GET ${NL}/paymentmethod`]: { area: 'read', reach: 'shared', request: () => ({ url: `${NL}/paymentmethod` }) },
  ...RELEASE_ROWS,
  // Portal users see every product of their customer: account-wide, whatever the role.
  'POST /v1/customers/:id/portal-users': {
    area: 'customers',
    reach: 'account',
    request: (o, n) => ({
      url: `/v1/customers/${o.customerRef}/portal-users`,
      body: { email: `p${n}@acme.test`, name: 'P', role: 'member' },
    }),
  },
  'GET /v1/customers/:id/portal-users': {
    area: 'read',
    reach: 'account',
    request: (o) => ({ url: `/v1/customers/${o.customerRef}/portal-users` }),
  },
  'GET /v1/portal-users/:id': { area: 'read', reach: 'account', request: () => ({ url: '/v1/portal-users/pu_unknown' }) },
  'PATCH /v1/portal-users/:id': {
    area: 'customers',
    reach: 'account',
    request: () => ({ url: '/v1/portal-users/pu_unknown', body: { name: 'X' } }),
  },
  'DELETE /v1/portal-users/:id': { area: 'customers', reach: 'account', request: () => ({ url: '/v1/portal-users/pu_unknown' }) },
  'POST /v1/portal-users/:id/invitation': {
    area: 'customers',
    reach: 'account',
    request: () => ({ url: '/v1/portal-users/pu_unknown/invitation' }),
  },
  // The portal's branding is the account's: how all its customers see the portal.
  'GET /v1/portal-branding': { area: 'read', reach: 'account', request: () => ({ url: '/v1/portal-branding' }) },
  'PATCH /v1/portal-branding': {
    area: 'keys',
    reach: 'account',
    request: () => ({ url: '/v1/portal-branding', body: { accentColor: '#123456' } }),
  },
  // Portal SSO connections admit people to customers' portals and hold a client secret: admins set them up.
  'POST /v1/portal-sso-connections': {
    area: 'keys',
    reach: 'account',
    request: (o, n) => ({
      url: '/v1/portal-sso-connections',
      body: {
        name: 'SSO',
        issuer: 'https://127.0.0.1/never-asked',
        clientId: 'c',
        clientSecret: 's',
        customerId: o.customerRef,
        domains: [{ domain: `d${n}.acme.test` }],
      },
    }),
  },
  'GET /v1/portal-sso-connections': { area: 'read', reach: 'account', request: () => ({ url: '/v1/portal-sso-connections' }) },
  'GET /v1/portal-sso-connections/:id': {
    area: 'read',
    reach: 'account',
    request: () => ({ url: '/v1/portal-sso-connections/pss_unknown' }),
  },
  'PATCH /v1/portal-sso-connections/:id': {
    area: 'keys',
    reach: 'account',
    request: () => ({ url: '/v1/portal-sso-connections/pss_unknown', body: { name: 'X' } }),
  },
  'DELETE /v1/portal-sso-connections/:id': {
    area: 'keys',
    reach: 'account',
    request: () => ({ url: '/v1/portal-sso-connections/pss_unknown' }),
  },
};

const ok = async (res: Promise<Reply>, what: string) => {
  const r = await res;
  if (r.status >= 300) throw new Error(`fixture ${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
};

describe.each(await storeKinds())('what a product-scoped key reaches (%s)', (kind) => {
  let h: Harness;
  let other: Other;
  const keys = {} as Record<Role, string>;

  /** A request as `key`: Bearer on /v1, HTTP Basic as NetLicensing clients send it on the face. */
  const send = async (key: string, method: string, url: string, body?: unknown): Promise<Reply> => {
    if (!url.startsWith(NL)) return h.call(method, url, body, { key });
    const res = await h.app.inject({
      method: method as 'GET',
      url,
      headers: {
        authorization: `Basic ${Buffer.from(`apiKey:${key}`).toString('base64')}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      ...(body === undefined ? {} : { payload: new URLSearchParams(body as Record<string, string>).toString() }),
    });
    let parsed: unknown = res.body;
    try {
      parsed = JSON.parse(res.body);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.statusCode, body: parsed, headers: res.headers, raw: res };
  };
  const nlAdmin = (method: string, url: string, body: Record<string, string>) => ok(send(h.adminKey, method, `${NL}${url}`, body), url);

  beforeAll(async () => {
    h = await createHarness(kind);
    await seedCatalog(h);
    const product = await ok(h.call('POST', '/v1/products', { code: 'other', name: 'Other' }), 'product');
    const feature = await ok(h.call('POST', '/v1/products/other/features', { code: 'render', name: 'Render', type: 'boolean' }), 'feature');
    const offeringBody = {
      productId: 'other',
      licenseModel: 'subscription',
      seatModel: 'node_locked',
      seats: 3,
      term: 'P1Y',
      leasePeriod: 'P7D',
    };
    const offering = await ok(h.call('POST', '/v1/offerings', { ...offeringBody, code: 'other-pro', name: 'Other Pro' }), 'offering');
    await ok(h.call('POST', '/v1/offerings', { ...offeringBody, code: 'other-plus', name: 'Other Plus', seats: 5 }), 'offering 2');
    const entitlement = await ok(
      h.call('POST', '/v1/entitlements', { customerId: 'crm-1', offeringId: 'other-pro', orderRef: 'SO-OTHER' }),
      'entitlement',
    );
    const activated = await asLicense(h, entitlement.key)('activate', { fingerprint: fp('other-device') });
    if (activated.status !== 201) throw new Error(`fixture activation: ${activated.status}`);
    // A second entitlement for the migration, so the one under test keeps its offering.
    await ok(h.call('POST', '/v1/entitlements', { customerId: 'crm-1', offeringId: 'other-plus' }), 'entitlement 2');
    const migration = await ok(
      h.call('POST', '/v1/migrations', { sourceOfferingId: 'other-plus', targetOfferingId: 'other-pro' }),
      'migration',
    );
    const generator = await ok(h.call('POST', '/v1/key-generators', { offeringId: 'other-plus', kind: 'random' }), 'key generator');
    // A saved report of the other product: saved by a key limited to it.
    const otherKey = (await ok(h.call('POST', '/v1/api-keys', { name: 'other saver', role: 'support', productId: 'other' }), 'key')).key;
    const saved = await ok(
      h.call('POST', '/v1/saved-reports', { name: 'Other seats', query: { measures: ['activations'] } }, { key: otherKey }),
      'saved report',
    );
    // Its scheduled export (to a public address: nothing is sent during the walk).
    const exported = await ok(
      h.call(
        'POST',
        '/v1/report-exports',
        { savedReportId: saved.id, cadence: 'daily', hour: 1, destination: { kind: 'url', url: 'https://93.184.215.14/x' } },
        { key: otherKey },
      ),
      'report export',
    );
    const batch = await ok(
      h.call('POST', '/v1/activation-batches', { entitlementId: entitlement.id, devices: [{ fingerprint: fp('other-batch') }] }),
      'activation batch',
    );
    const rel = await ok(h.call('POST', '/v1/products/other/releases', { version: '1.0.0' }), 'release');
    const ticket = await ok(
      h.call('POST', `/v1/releases/${rel.id}/artifacts`, { filename: 'o.zip', platform: 'linux', arch: 'x86_64' }),
      'artifact',
    );
    await ok(upload(h, ticket, Buffer.from('other bytes')), 'upload');
    await ok(h.call('POST', `/v1/releases/${rel.id}/publish`), 'publish');
    const downloaded = await asClient(h, entitlement.key)(`/v1/client/artifacts/${ticket.artifact.id}`);
    if (downloaded.status !== 303) throw new Error(`fixture download: ${downloaded.status}`);
    await nlAdmin('POST', '/productmodule', { productNumber: 'other', number: 'OM1', name: 'Other module', licensingModel: 'TryAndBuy' });
    await nlAdmin('POST', '/licensetemplate', {
      productModuleNumber: 'OM1',
      number: 'OT1',
      name: 'Other template',
      licenseType: 'FEATURE',
      price: '0',
      currency: 'EUR',
    });
    await nlAdmin('POST', '/licensee', { productNumber: 'other', number: 'OL1', name: 'Other licensee' });
    await nlAdmin('POST', '/license', { licenseeNumber: 'OL1', licenseTemplateNumber: 'OT1', number: 'OLIC1', active: 'true' });
    other = {
      productId: product.id,
      featureId: feature.id,
      offeringId: offering.id,
      entitlementId: entitlement.id,
      licenseKey: entitlement.key,
      activationId: activated.body.activation.id,
      migrationId: migration.migration.id,
      keyGeneratorId: generator.id,
      savedReportId: saved.id,
      reportExportId: exported.export.id,
      activationBatchId: batch.id,
      releaseId: rel.id,
      artifactId: ticket.artifact.id,
      customerRef: 'crm-1',
      eventId: (await ok(h.call('GET', `/v1/events?entitlement=${entitlement.id}&type=entitlement.created`), 'event')).data[0].id,
      nl: { module: 'OM1', template: 'OT1', licensee: 'OL1', license: 'OLIC1' },
      markers: [
        product.id,
        feature.id,
        offering.id,
        entitlement.id,
        entitlement.key,
        activated.body.activation.id,
        migration.migration.id,
        generator.id,
        saved.id,
        exported.export.id,
        batch.id,
        rel.id,
        ticket.artifact.id,
        'SO-OTHER',
        'OM1',
        'OT1',
        'OL1',
        'OLIC1',
      ],
    };
    for (const role of ['admin', 'support', 'readonly'] as Role[]) {
      keys[role] = (await ok(h.call('POST', '/v1/api-keys', { name: `studio ${role}`, role, productId: 'studio' }), 'key')).key;
    }
  });
  afterAll(() => h?.close());

  it('every route that needs a permission has a row here, and every row is a route', () => {
    const routes = h.app.routeTable.filter((r) => r.permission !== null).map((r) => `${r.method} ${r.url}`);
    expect([...new Set(routes)].sort()).toEqual(Object.keys(ROWS).sort());
    // Routes with no permission: the client API (licence-key auth), public sign-in, health, the API
    // reference, the JWKS and the console's static files. Anything else must declare one.
    const open =
      /^(\/v1\/client\/|\/v1\/files\/|\/v1\/session|\/v1\/portal\/|\/healthz$|\/readyz$|\/metrics$|\/openapi\.json$|\/docs|\/\.well-known\/(accounts\/:account\/)?jwks\.json$|\/v1\/integrations\/(stripe|generic)\/webhook$|\/console|\/portal|\/$)/;
    for (const r of h.app.routeTable.filter((r) => r.permission === null)) {
      expect(open.test(r.url), `${r.method} ${r.url} declares no permission`).toBe(true);
      if (r.url.startsWith('/v1/session')) expect(r.public).toBe(true);
    }
  });

  let n = 0;
  for (const [route, row] of Object.entries(ROWS)) {
    it(`${route}: ${row.reach}`, async () => {
      const [method] = route.split(' ');
      for (const role of ['admin', 'support', 'readonly'] as Role[]) {
        const { url, body } = row.request(other, ++n);
        const before = await eventCount(h);
        const res = await send(keys[role], method!, url, body);
        const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
        const where = `${role} ${method} ${url}: ${res.status} ${text.slice(0, 300)}`;
        expect(res.status, where).toBeLessThan(500);
        if (!ALLOWED[row.area].includes(role) || row.reach === 'account') {
          expect(res.status, where).toBe(403);
        } else if (row.reach === 'hidden') {
          expect([404, 422], where).toContain(res.status);
        } else if (row.reach === 'inert') {
          expect(res.status, where).toBe(400);
        } else {
          expect(res.status, where).not.toBe(403);
          expect(res.status, where).not.toBe(401);
        }
        // A refusal may quote what the caller sent; anything else of the other product must not show.
        const sent = url + JSON.stringify(body ?? null);
        if (row.reach !== 'shared') for (const m of other.markers.filter((m) => !sent.includes(m))) expect(text, where).not.toContain(m);
        if (row.reach !== 'shared') expect(await eventCount(h), where).toBe(before);
      }
    });
  }

  it('the other product is untouched after the walk', async () => {
    const res = await h.call('GET', `/v1/entitlements/${other.entitlementId}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const e = res.body;
    expect(e.state).toBe('active');
    expect(e.orderRef).toBe('SO-OTHER');
    expect((await h.call('GET', '/v1/products/other')).body.name).toBe('Other');
  });
});
