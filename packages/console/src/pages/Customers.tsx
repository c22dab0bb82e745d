import { Button, Card, Group, Modal, Select, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import type { Customer, Entitlement, Offering } from '@leasehold/contract';
import { all, get, patch, post } from '../api';
import { useSession } from '../session';
import { useNames } from '../names';
import { EraseCustomer } from './customer/EraseCustomer';
import { PortalUsers } from './customer/PortalUsers';
import { SsoConnections } from './customer/SsoConnections';
import { DeleteDialog, fmtDay, Loaded, PagedTable, PageHeader, StatusBadge, useFormErrors, useLoad } from '../ui';

export function Customers() {
  const { can } = useSession();
  const [open, setOpen] = useState(false);
  return (
    <>
      <PageHeader
        title="Customers"
        subtitle="Who holds your licenses"
        actions={can('write') && <Button onClick={() => setOpen(true)}>New customer</Button>}
      />
      <PagedTable<Customer>
        label="Customers"
        path="/v1/customers"
        searchParam="q"
        searchLabel="Search name, email or reference"
        href={(c) => `/customers/${c.id}`}
        empty="No customers found."
        columns={[
          { label: 'Name', render: (c) => c.name },
          { label: 'Email', render: (c) => c.email ?? '—' },
          { label: 'Reference', render: (c) => c.externalRef ?? '—' },
          { label: 'Since', render: (c) => fmtDay(c.createdAt) },
        ]}
      />
      <CustomerForm opened={open} onClose={() => setOpen(false)} />
    </>
  );
}

/** Creates a customer, or with `customer` edits it (an emptied email or reference is removed). */
function CustomerForm(props: { opened: boolean; onClose: () => void; customer?: Customer; onSaved?: () => void }) {
  const { opened, onClose, customer } = props;
  const navigate = useNavigate();
  const names = useNames();
  const [name, setName] = useState(customer?.name ?? '');
  const [email, setEmail] = useState(customer?.email ?? '');
  const [externalRef, setExternalRef] = useState(customer?.externalRef ?? '');
  const form = useFormErrors();
  return (
    <Modal opened={opened} onClose={onClose} title={customer ? 'Edit customer' : 'New customer'}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void form.submit(async () => {
            if (customer) {
              await patch(`/v1/customers/${customer.id}`, { name, email: email.trim() || null, externalRef: externalRef.trim() || null });
              names.refresh();
              props.onSaved?.();
              return;
            }
            const c = await post<Customer>('/v1/customers', {
              name,
              ...(email ? { email } : {}),
              ...(externalRef ? { externalRef } : {}),
            });
            names.refresh();
            onClose();
            navigate(`/customers/${c.id}`);
          });
        }}
      >
        <Stack>
          <TextInput
            label="Name"
            required
            data-autofocus
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={form.fields['name']}
          />
          <TextInput label="Email" value={email} onChange={(e) => setEmail(e.currentTarget.value)} error={form.fields['email']} />
          <TextInput
            label="External reference"
            description="The customer's id in your CRM or billing system"
            value={externalRef}
            onChange={(e) => setExternalRef(e.currentTarget.value)}
            error={form.fields['externalRef']}
          />
          <form.FormError />
          <Group justify="flex-end">
            <Button type="submit" loading={form.busy}>
              {customer ? 'Save customer' : 'Create customer'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export function CustomerPage() {
  const { id } = useParams();
  const { can } = useSession();
  const navigate = useNavigate();
  const [version, setVersion] = useState(0);
  const [dialog, setDialog] = useState<null | 'edit' | 'delete'>(null);
  const state = useLoad(async () => {
    const [customer, offerings] = await Promise.all([get<Customer>(`/v1/customers/${id}`), all<Offering>('/v1/offerings')]);
    return { customer, offerings };
  }, [id]);
  return (
    <Loaded state={state}>
      {({ customer, offerings }) => {
        const offeringName = new Map(offerings.map((o) => [o.id, o.name]));
        return (
          <>
            <PageHeader
              title={customer.name}
              subtitle={[customer.email, customer.externalRef].filter(Boolean).join(' · ') || 'Customer'}
              actions={
                can('write') && (
                  <>
                    <Button variant="light" onClick={() => setDialog('edit')}>
                      Edit customer
                    </Button>
                    <Button variant="light" color="red" onClick={() => setDialog('delete')}>
                      Delete customer
                    </Button>
                    <EraseCustomer customer={customer} onErased={() => state.reload()} />
                  </>
                )
              }
            />
            {dialog === 'edit' && (
              <CustomerForm opened customer={customer} onClose={() => setDialog(null)} onSaved={() => (setDialog(null), state.reload())} />
            )}
            <DeleteDialog
              opened={dialog === 'delete'}
              title={`Delete ${customer.name}?`}
              path={`/v1/customers/${customer.id}`}
              onClose={() => setDialog(null)}
              onDeleted={() => navigate('/customers')}
            >
              <Text size="sm">Only a customer holding no entitlements can be deleted.</Text>
            </DeleteDialog>
            <Stack>
              <Card withBorder>
                <Title order={4} mb="sm">
                  Entitlements
                </Title>
                <PagedTable<Entitlement>
                  label="Entitlements of the customer"
                  path={`/v1/entitlements?customer=${customer.id}`}
                  version={version}
                  href={(e) => `/entitlements/${e.id}`}
                  empty="This customer holds no entitlements yet."
                  columns={[
                    { label: 'Offering', render: (e) => offeringName.get(e.offeringId) ?? e.offeringId },
                    { label: 'Order', render: (e) => e.orderRef ?? '—' },
                    { label: 'Status', render: (e) => <StatusBadge status={e.effective.status} /> },
                    { label: 'Seats', render: (e) => e.effective.seats },
                    { label: 'Ends', render: (e) => fmtDay(e.effective.endsAt) },
                  ]}
                />
              </Card>
              {can('write') && (
                <EntitlementForm customerId={customer.id} offerings={offerings} onCreated={() => setVersion((v) => v + 1)} />
              )}
              <PortalUsers customerId={customer.id} />
              <SsoConnections customerId={customer.id} />
            </Stack>
          </>
        );
      }}
    </Loaded>
  );
}

function EntitlementForm({ customerId, offerings, onCreated }: { customerId: string; offerings: Offering[]; onCreated: () => void }) {
  const navigate = useNavigate();
  const [offeringId, setOfferingId] = useState<string | null>(null);
  const [orderRef, setOrderRef] = useState('');
  const form = useFormErrors();
  return (
    <Card withBorder>
      <form
        aria-label="New entitlement"
        onSubmit={(e) => {
          e.preventDefault();
          void form.submit(async () => {
            const ent = await post<Entitlement>('/v1/entitlements', { customerId, offeringId, ...(orderRef ? { orderRef } : {}) });
            onCreated();
            navigate(`/entitlements/${ent.id}`);
          });
        }}
      >
        <Title order={4} mb="xs">
          New entitlement
        </Title>
        <Text size="sm" c="dimmed" mb="sm">
          Grants the offering's rights and issues a license key.
        </Text>
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <Select
            label="Offering"
            required
            searchable
            data={offerings.map((o) => ({ value: o.id, label: `${o.name} (${o.code})` }))}
            value={offeringId}
            onChange={setOfferingId}
            error={form.fields['offeringId']}
          />
          <TextInput
            label="Order reference"
            value={orderRef}
            onChange={(e) => setOrderRef(e.currentTarget.value)}
            error={form.fields['orderRef']}
          />
          <Button type="submit" mt={{ sm: 25 }} loading={form.busy}>
            Create entitlement
          </Button>
        </SimpleGrid>
        <form.FormError />
      </form>
    </Card>
  );
}
