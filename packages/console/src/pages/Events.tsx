import { Anchor, Button, Group, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { Link } from 'react-router-dom';
import type { Event as EventRecord } from '@leasehold/contract';
import { qs } from '../api';
import { actorLabel, changeSummary, subjectLabel, type Directory } from '../naming';
import { useNames } from '../names';
import { EventTypeBadge, fmtDate, PagedTable, PageHeader } from '../ui';
import { useTypedFilter, useUrlFilters } from '../url-state';

const subjectLink = (e: EventRecord) =>
  e.entitlementId
    ? `/entitlements/${e.entitlementId}`
    : e.subjectType === 'customer'
      ? `/customers/${e.subjectId}`
      : e.subjectType === 'offering'
        ? `/offerings/${e.subjectId}`
        : e.subjectType === 'product'
          ? `/products/${e.subjectId}`
          : null;

function Subject({ e, names }: { e: EventRecord; names: Directory }) {
  const link = subjectLink(e);
  const label = subjectLabel(e, names);
  return link ? (
    <Anchor component={Link} to={link} size="sm" title={e.subjectId}>
      {label}
    </Anchor>
  ) : (
    <Text size="sm" title={e.subjectId}>
      {label}
    </Text>
  );
}

/** Events in a compact list (the dashboard, an entitlement's timeline): what, when, to what, by whom — by name. */
export function EventTable({ events, compact = false }: { events: EventRecord[]; compact?: boolean }) {
  const names = useNames();
  if (events.length === 0) return <Text c="dimmed">No events.</Text>;
  return (
    <Table.ScrollContainer minWidth={compact ? 300 : 700}>
      <Table aria-label="Events" verticalSpacing={4}>
        <Table.Tbody>
          {events.map((e) => (
            <Table.Tr key={e.id} data-event-type={e.type}>
              <Table.Td style={{ whiteSpace: 'nowrap', verticalAlign: 'top', width: '1%' }}>
                <EventTypeBadge type={e.type} />
                <Text size="xs" c="dimmed">
                  {fmtDate(e.at)}
                </Text>
              </Table.Td>
              {!compact && (
                <Table.Td style={{ verticalAlign: 'top' }}>
                  <Subject e={e} names={names} />
                </Table.Td>
              )}
              <Table.Td style={{ verticalAlign: 'top' }}>
                <Text size="xs" style={{ wordBreak: 'break-word' }}>
                  {changeSummary(e, names)}
                </Text>
                <Text size="xs" c="dimmed">
                  by {actorLabel(e.actor, names)}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

const FILTERS = ['type', 'subject', 'customer', 'entitlement', 'from', 'to'] as const;

export function Events() {
  const names = useNames();
  const [f, set] = useUrlFilters(FILTERS);
  const [type, setType] = useTypedFilter(f.type, (v) => set({ type: v }), 400);
  const [subject, setSubject] = useTypedFilter(f.subject, (v) => set({ subject: v }), 400);
  const [entitlement, setEntitlement] = useTypedFilter(f.entitlement, (v) => set({ entitlement: v }), 400);
  const query = {
    type: f.type,
    subject: f.subject,
    customer: f.customer,
    entitlement: f.entitlement,
    from: f.from && new Date(`${f.from}T00:00:00Z`).toISOString(),
    to: f.to && new Date(`${f.to}T23:59:59Z`).toISOString(),
  };
  return (
    <>
      <PageHeader
        title="Event log"
        subtitle="Every change and every significant client action, newest first"
        actions={
          <Button component="a" href={`/v1/events/export${qs(query)}`} variant="default" download>
            Export CSV
          </Button>
        }
      />
      <Stack>
        <Group align="flex-end" gap="xs" wrap="wrap">
          <TextInput label="Type" size="xs" placeholder="entitlement.*" value={type} onChange={(e) => setType(e.currentTarget.value)} />
          <TextInput
            label="Subject"
            size="xs"
            placeholder="id or code"
            value={subject}
            onChange={(e) => setSubject(e.currentTarget.value)}
          />
          <CustomerFilter value={f.customer} onChange={(v) => set({ customer: v })} />
          <TextInput
            label="Entitlement"
            size="xs"
            placeholder="ent_…"
            value={entitlement}
            onChange={(e) => setEntitlement(e.currentTarget.value)}
          />
          <TextInput label="From" size="xs" type="date" value={f.from} onChange={(e) => set({ from: e.currentTarget.value })} />
          <TextInput label="To" size="xs" type="date" value={f.to} onChange={(e) => set({ to: e.currentTarget.value })} />
          {FILTERS.some((k) => f[k]) && (
            <Button size="xs" variant="subtle" onClick={() => set(Object.fromEntries(FILTERS.map((k) => [k, null])))}>
              Clear filters
            </Button>
          )}
        </Group>
        <PagedTable<EventRecord>
          label="Event log"
          path={`/v1/events${qs(query)}`}
          pageSize={50}
          empty="No events match."
          columns={[
            { label: 'When', render: (e) => <span style={{ whiteSpace: 'nowrap' }}>{fmtDate(e.at)}</span> },
            { label: 'Type', render: (e) => <EventTypeBadge type={e.type} /> },
            { label: 'Subject', render: (e) => <Subject e={e} names={names} /> },
            {
              label: 'Change',
              render: (e) => (
                <Text size="xs" style={{ wordBreak: 'break-word' }}>
                  {changeSummary(e, names)}
                </Text>
              ),
            },
            {
              label: 'By',
              render: (e) => (
                <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                  {actorLabel(e.actor, names)}
                </Text>
              ),
            },
          ]}
        />
      </Stack>
    </>
  );
}

/** Customers are picked by name; the URL keeps the id. */
function CustomerFilter({ value, onChange }: { value: string; onChange: (v: string | null) => void }) {
  const names = useNames();
  return (
    <Select
      label="Customer"
      size="xs"
      placeholder="any"
      clearable
      searchable
      data={names.customerList().map((c) => ({ value: c.id, label: c.name }))}
      value={value || null}
      onChange={onChange}
      w={200}
    />
  );
}
