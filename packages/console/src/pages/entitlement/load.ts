import type {
  Activation,
  Customer,
  Entitlement,
  EntitlementPropagationOut,
  Event as EventRecord,
  Feature,
  LeaseRecordOut,
  Offering,
  Product,
} from '@leasehold/contract';
import { all, get, qs, type Page } from '../../api';

/** Everything the entitlement page shows, fetched at once so every panel agrees on one version. */
export async function loadEntitlement(id: string) {
  const entitlement = await get<Entitlement>(`/v1/entitlements/${id}`);
  const [offering, customer, offerings, activations, leases, events, features, product, propagation] = await Promise.all([
    get<Offering>(`/v1/offerings/${entitlement.offeringId}`),
    get<Customer>(`/v1/customers/${entitlement.customerId}`),
    all<Offering>('/v1/offerings'),
    all<Activation>(`/v1/entitlements/${id}/activations`, 500),
    get<Page<LeaseRecordOut>>(`/v1/entitlements/${id}/leases?limit=20`),
    get<Page<EventRecord>>(`/v1/events${qs({ entitlement: id, limit: 50 })}`),
    all<Feature>(`/v1/products/${entitlement.productId}/features`),
    get<Product>(`/v1/products/${entitlement.productId}`).catch(() => null),
    get<EntitlementPropagationOut>(`/v1/entitlements/${id}/propagation`).catch(() => null),
  ]);
  return {
    entitlement,
    offering,
    customer,
    offerings,
    activations,
    leases: leases.data,
    events: events.data,
    features,
    product,
    propagation,
  };
}

export type EntitlementDetail = Awaited<ReturnType<typeof loadEntitlement>>;

/** Active and suspended entitlements can still change; revoked and returned ones are history. */
export const isLive = (e: Entitlement): boolean => e.state === 'active' || e.state === 'suspended';
