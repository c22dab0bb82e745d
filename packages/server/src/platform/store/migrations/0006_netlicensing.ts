import type { Kysely } from 'kysely';

/**
 * State the NetLicensing face needs and Leasehold's own tables do not hold. Products, licensees
 * and licenses themselves stay Leasehold products, customers and entitlements; these tables keep
 * what the NetLicensing model adds on top of them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per face entity: `ref_id` is the Leasehold record it dresses (product, feature,
  // offering, customer, entitlement, api key) or, for transactions, the transaction number.
  // `props` holds the NetLicensing-only properties: licensing-model parameters, custom properties,
  // PayPerUse consumption, node secrets.
  await db.schema
    .createTable('nl_objects')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('ref_id', 'text', (c) => c.notNull())
    .addColumn('product_id', 'text')
    .addColumn('parent_id', 'text')
    .addColumn('props', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('nl_objects_pk', ['account_id', 'kind', 'ref_id'])
    .execute();
  await db.schema.createIndex('nl_objects_parent').on('nl_objects').columns(['account_id', 'kind', 'parent_id']).execute();
  await db.schema.createIndex('nl_objects_product').on('nl_objects').columns(['account_id', 'kind', 'product_id']).execute();

  // Floating: one row per checked-out session of a licensee on a product module.
  await db.schema
    .createTable('nl_sessions')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('feature_id', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('checked_out_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('nl_sessions_pk', ['account_id', 'customer_id', 'feature_id', 'session_id'])
    .execute();

  // Automatic licenses (TryAndBuy trials, free plans) are granted once per licensee and template,
  // even if the vendor later deletes the license: deleting a trial must not restart it.
  await db.schema
    .createTable('nl_auto_grants')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('offering_id', 'text', (c) => c.notNull())
    .addColumn('granted_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('nl_auto_grants_pk', ['account_id', 'customer_id', 'offering_id'])
    .execute();
}
