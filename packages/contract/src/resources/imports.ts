import { Type, type Static } from 'typebox';
import { Code, Metadata, Name } from '../common.js';
import { FeatureCreate } from './features.js';
import { OfferingCreate } from './offerings.js';

/** What a CSV import holds: one kind of record per file. */
export const IMPORT_KINDS = ['customers', 'entitlements', 'activations'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

/** A row's outcome: what the import did (or, in a dry run, would do) with it. */
export const IMPORT_OUTCOMES = ['created', 'updated', 'unchanged', 'refused'] as const;
export type ImportOutcome = (typeof IMPORT_OUTCOMES)[number];

export const ImportQuery = Type.Object({
  kind: Type.Enum(IMPORT_KINDS, { description: 'What the file holds: customers, entitlements or activations' }),
  dryRun: Type.Optional(Type.Boolean({ default: false, description: 'Say what would happen, change nothing' })),
});
export type ImportQuery = Static<typeof ImportQuery>;

export const ImportRowResult = Type.Object({
  line: Type.Integer({ description: 'The line of the row in the file (the header is line 1)' }),
  outcome: Type.Enum(IMPORT_OUTCOMES),
  ref: Type.Union([Type.String(), Type.Null()], { description: 'The row’s externalRef (a fingerprint for an activation)' }),
  id: Type.Union([Type.String(), Type.Null()], {
    description: 'The record created or updated (null when refused; in a dry run, the id it would have)',
  }),
  code: Type.Union([Type.String(), Type.Null()], { description: 'Why the row was refused: a stable error code' }),
  message: Type.Union([Type.String(), Type.Null()]),
  field: Type.Union([Type.String(), Type.Null()], { description: 'The column at fault, when one is' }),
  changes: Type.Optional(Type.Array(Type.String(), { description: 'The columns an update changes' })),
});
export type ImportRowResult = Static<typeof ImportRowResult>;

export const ImportCounts = Type.Object({
  rows: Type.Integer(),
  created: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  refused: Type.Integer(),
});
export type ImportCounts = Static<typeof ImportCounts>;

export const ImportReport = Type.Object({
  kind: Type.String(),
  dryRun: Type.Boolean(),
  counts: ImportCounts,
  /** Refused rows first in mind: every refused row is listed (up to 10,000), the others up to 1,000. */
  results: Type.Array(ImportRowResult),
  truncated: Type.Boolean({ description: 'True when rows were left out of `results` (the counts still count them)' }),
});
export type ImportReport = Static<typeof ImportReport>;

/** A Keygen export: JSON:API resources of the types products, policies, users, licenses, machines. */
const KeygenResource = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 200 }),
  type: Type.String({ maxLength: 50 }),
  attributes: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  relationships: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  links: Type.Optional(Type.Unknown()),
  meta: Type.Optional(Type.Unknown()),
});
export type KeygenResource = Static<typeof KeygenResource>;

export const KeygenImport = Type.Object(
  {
    documents: Type.Array(
      Type.Object({
        data: Type.Union([Type.Array(KeygenResource, { maxItems: 100_000 }), KeygenResource]),
        included: Type.Optional(Type.Array(KeygenResource)),
        links: Type.Optional(Type.Unknown()),
        meta: Type.Optional(Type.Unknown()),
      }),
      {
        minItems: 1,
        maxItems: 1000,
        description: 'JSON:API documents as Keygen’s list endpoints answer them (GET /v1/accounts/<a>/products, …)',
      },
    ),
    dryRun: Type.Optional(Type.Boolean({ default: false })),
    publicKeys: Type.Optional(
      Type.Object(
        {
          ed25519: Type.Optional(
            Type.String({ maxLength: 200, description: 'The Keygen account’s Ed25519 public key, hex as Keygen shows it' }),
          ),
          rsa: Type.Optional(Type.String({ maxLength: 4000, description: 'Its RSA-2048 public key, PEM' })),
          ecdsa: Type.Optional(Type.String({ maxLength: 4000, description: 'Its ECDSA P-256 public key, PEM' })),
        },
        {
          additionalProperties: false,
          description:
            'The Keygen account’s public keys (its meta.keys): a license of a policy with a signed scheme (ED25519_SIGN, RSA_2048_PKCS1_SIGN_V2, …) is imported only if its key verifies against the key of its algorithm',
        },
      ),
    ),
  },
  { additionalProperties: false },
);
export type KeygenImport = Static<typeof KeygenImport>;

export const KeygenImportReport = Type.Object({
  dryRun: Type.Boolean(),
  counts: Type.Record(Type.String(), ImportCounts, { description: 'By Keygen type: products, policies, users, licenses, machines' }),
  results: Type.Array(
    Type.Object({
      type: Type.String(),
      keygenId: Type.String(),
      outcome: Type.Enum(IMPORT_OUTCOMES),
      id: Type.Union([Type.String(), Type.Null()]),
      code: Type.Union([Type.String(), Type.Null()]),
      message: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
});
export type KeygenImportReport = Static<typeof KeygenImportReport>;

/** An offering as a catalog file describes it: its product is the one it is listed under. */
export const CatalogOffering = Type.Omit(OfferingCreate, ['productId'], { additionalProperties: false });
export type CatalogOffering = Static<typeof CatalogOffering>;

export const CatalogProduct = Type.Object(
  {
    code: Code,
    name: Name,
    metadata: Type.Optional(Metadata),
    features: Type.Optional(Type.Array(FeatureCreate, { maxItems: 500 })),
    offerings: Type.Optional(Type.Array(CatalogOffering, { maxItems: 500 })),
  },
  { additionalProperties: false },
);
export type CatalogProduct = Static<typeof CatalogProduct>;

/**
 * A reviewed catalog (catalog.yaml as JSON): the products it lists are managed by it — their
 * features and offerings are exactly those listed; products it does not list are left alone.
 */
export const CatalogFile = Type.Object({ products: Type.Array(CatalogProduct, { maxItems: 200 }) }, { additionalProperties: false });
export type CatalogFile = Static<typeof CatalogFile>;

export const CATALOG_ACTIONS = ['create', 'change', 'remove'] as const;

export const CatalogChange = Type.Object({
  action: Type.Enum(CATALOG_ACTIONS),
  resource: Type.Enum(['product', 'feature', 'offering']),
  product: Type.String({ description: 'The product’s code' }),
  code: Type.String(),
  fields: Type.Record(Type.String(), Type.Object({ from: Type.Unknown(), to: Type.Unknown() }), {
    description: 'For a change: each field that differs, from the server’s value to the file’s',
  }),
  entitlements: Type.Integer({ description: 'Entitlements the change reaches (of the offering, or of the product’s offerings)' }),
});
export type CatalogChange = Static<typeof CatalogChange>;

export const CatalogPlan = Type.Object({
  changes: Type.Array(CatalogChange),
  applied: Type.Boolean({ description: 'False for a plan; true once apply committed every change' }),
});
export type CatalogPlan = Static<typeof CatalogPlan>;
