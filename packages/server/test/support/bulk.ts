import { randomBytes } from 'node:crypto';
import type { Services } from '../../src/platform/http/services.js';

/**
 * Inserts `count` entitlements straight into the store, in batches, for tests and benchmarks that
 * need many of them fast. They are ordinary rows (with a version each, as the API writes them);
 * their license keys are random and unknown, which is fine where nothing activates them.
 */
export async function seedEntitlements(
  services: Services,
  accountId: string,
  offering: { id: string; productId: string },
  customerIds: string[],
  count: number,
  at: number,
): Promise<void> {
  const db = services.store.database.db;
  const sealed = services.secrets.encrypt('license-key', 'SEEDED-KEY-NOT-FOR-USE');
  for (let start = 0; start < count; start += 200) {
    const n = Math.min(200, count - start);
    const rows = Array.from({ length: n }, () => {
      const id = services.ids.next('entitlement');
      return {
        account_id: accountId,
        id,
        customer_id: customerIds[Math.floor(Math.random() * customerIds.length)]!,
        offering_id: offering.id,
        product_id: offering.productId,
        order_ref: null,
        external_ref: null,
        state: 'active',
        starts_at: at,
        ends_at: null,
        maintenance_until: null,
        overrides: '{}',
        metadata: '{}',
        key_hash: randomBytes(32).toString('hex'),
        key_sealed: sealed,
        version: 1,
        created_at: at,
        updated_at: at,
      };
    });
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('entitlements').values(rows).execute();
      await trx
        .insertInto('entitlement_versions')
        .values(
          rows.map((r) => ({
            account_id: accountId,
            entitlement_id: r.id,
            version: 1,
            snapshot: JSON.stringify({
              id: r.id,
              customerId: r.customer_id,
              offeringId: r.offering_id,
              productId: r.product_id,
              orderRef: null,
              externalRef: null,
              state: 'active',
              startsAt: at,
              endsAt: null,
              maintenanceUntil: null,
              overrides: {},
              metadata: {},
              version: 1,
              createdAt: at,
              updatedAt: at,
            }),
            change: 'entitlement.created',
            actor_type: 'system',
            actor_id: 'seed',
            request_id: null,
            at,
          })),
        )
        .execute();
    });
  }
}
