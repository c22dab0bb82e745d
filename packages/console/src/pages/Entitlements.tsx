import { Group, Select } from '@mantine/core';
import type { Customer, Entitlement, Offering } from '@leasehold/contract';
import { all, qs } from '../api';
import { fmtDay, Loaded, PagedTable, PageHeader, StatusBadge, useLoad } from '../ui';
import { choices, ENTITLEMENT_STATE_LABELS } from '../vocabulary';
import { useUrlFilters } from '../url-state';

export function Entitlements() {
  // Kept in the URL: a reload or the back button shows the same list.
  const [f, set] = useUrlFilters(['state', 'offering'] as const);
  const state = f.state || null;
  const offeringId = f.offering || null;
  const names = useLoad(async () => {
    const [offerings, customers] = await Promise.all([all<Offering>('/v1/offerings'), all<Customer>('/v1/customers')]);
    return { offerings, offering: new Map(offerings.map((o) => [o.id, o.name])), customer: new Map(customers.map((c) => [c.id, c.name])) };
  }, []);
  return (
    <>
      <PageHeader title="Entitlements" subtitle="What each customer holds" />
      <Loaded state={names}>
        {(n) => (
          <>
            <Group mb="sm" gap="xs">
              <Select
                aria-label="Filter by state"
                placeholder="Any state"
                clearable
                data={choices(ENTITLEMENT_STATE_LABELS)}
                value={state}
                onChange={(v) => set({ state: v })}
                w={160}
              />
              <Select
                aria-label="Filter by offering"
                placeholder="Any offering"
                clearable
                searchable
                data={n.offerings.map((o) => ({ value: o.id, label: o.name }))}
                value={offeringId}
                onChange={(v) => set({ offering: v })}
                w={240}
              />
            </Group>
            <PagedTable<Entitlement>
              label="Entitlements"
              path={`/v1/entitlements${qs({ state, offering: offeringId })}`}
              href={(e) => `/entitlements/${e.id}`}
              empty="No entitlements match."
              columns={[
                { label: 'Customer', render: (e) => n.customer.get(e.customerId) ?? e.customerId },
                { label: 'Offering', render: (e) => n.offering.get(e.offeringId) ?? e.offeringId },
                { label: 'Order', render: (e) => e.orderRef ?? '—' },
                { label: 'Status', render: (e) => <StatusBadge status={e.effective.status} /> },
                { label: 'Seats', render: (e) => e.effective.seats },
                { label: 'Ends', render: (e) => fmtDay(e.effective.endsAt) },
              ]}
            />
          </>
        )}
      </Loaded>
    </>
  );
}
