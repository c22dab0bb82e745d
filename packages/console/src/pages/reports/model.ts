/**
 * The semantic model's names, as the console offers them. The server declares the model
 * (packages/server/src/capabilities/reports/store/model.ts: MEASURES, DIMENSIONS); a test compares
 * these lists with it, so a measure added there and not here fails a test instead of going unseen.
 */
export const MEASURES = [
  'activations',
  'deactivations',
  'rehosts',
  'entitlementsGranted',
  'renewals',
  'offeringChanges',
  'entitlementsReturned',
  'revocations',
  'trialsStarted',
  'trialsConverted',
  'downloads',
  'usage',
  'customersActivating',
  'events',
  'validations',
  'validationsRefused',
];
export const DIMENSIONS = [
  'product',
  'customer',
  'entitlement',
  'offering',
  'platform',
  'version',
  'type',
  'reason',
  'feature',
  'model',
  'code',
] as const;
