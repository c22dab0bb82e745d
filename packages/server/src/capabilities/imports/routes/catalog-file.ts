import { CatalogFile, CatalogPlan } from '@leasehold/contract';
import { Type } from 'typebox';
import { contextOf } from '../../access/routes/auth.js';
import { answers, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { applyCatalog, planCatalog } from '../catalog-file.js';

const tags = ['imports'];
const Body = Type.Object({ catalog: CatalogFile }, { additionalProperties: false });
const REFUSALS = [
  'INVALID_REQUEST',
  'DUPLICATE_CODE',
  'PRODUCT_MISMATCH',
  'CHANGE_NOT_ALLOWED',
  'UNKNOWN_FEATURE',
  'INVALID_FEATURE_VALUE',
  'UNKNOWN_REFERENCE',
  'IN_USE',
] as const;

/** The catalog as code: a reviewed file of products, features and offerings, planned and applied. */
export function catalogFileRoutes(app: App, services: Services): void {
  app.post('/v1/catalog/plan', {
    config: { permission: 'catalog:read' },
    schema: {
      tags,
      operationId: 'planCatalog',
      summary: 'What applying a catalog file would create, change and remove (changes nothing)',
      description:
        'Send `catalog` (catalog.yaml as JSON: `products` with their `features` and `offerings`). The products it lists are managed by it: what is missing is created, what differs changed (each field from → to), and their features and offerings the file leaves out removed (deleted, or retired when entitlements hold them). Products it does not list are left alone. Each change counts the entitlements it reaches. The plan is tried in a transaction that is rolled back, so a file apply would refuse is refused here with the same error.',
      body: Body,
      response: answers(200, CatalogPlan, [...REFUSALS]),
    },
    handler: async (req) => planCatalog(contextOf(services, req), req.body.catalog),
  });

  app.post('/v1/catalog/apply', {
    // It may create products: account-wide work.
    config: { permission: 'products:create' },
    schema: {
      tags,
      operationId: 'applyCatalog',
      summary: 'Apply a catalog file in one transaction: every change, or none',
      description:
        'The changes `POST /v1/catalog/plan` lists, made in one transaction with their events; if one is refused, nothing is changed and the error says which. Answers the changes made (`applied: true`); a second apply of the same file changes nothing.',
      body: Body,
      response: answers(200, CatalogPlan, [...REFUSALS]),
    },
    handler: async (req) => applyCatalog(contextOf(services, req), req.body.catalog),
  });
}
