import { Anchor, Badge, Button, Group, Stack, Table, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import type { Event as EventRecord } from '@leasehold/contract';
import { qs } from '../api';
import { fmtDate, PagedTable, PageHeader } from '../ui';

/** What changed, in a few words: the fields of the diff, or the subject. */
function summary(e: EventRecord): string {
  const keys = Object.keys(e.after ?? e.before ?? {}).filter((k) => !['id', 'updatedAt', 'createdAt'].includes(k));
  if (e.before && e.after) return keys.map((k) => `${k}: ${short(e.before![k])} → ${short(e.after![k])}`).join('; ');
  const a = e.after as Record<string, unknown> | null;
  return String(a?.['name'] ?? a?.['code'] ?? a?.['reason'] ?? '');
}
const short = (v: unknown) => {
  const s = v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
};

const subjectLink = (e: EventRecord) =>
  e.entitlementId ? `/entitlements/${e.entitlementId}` : e.customerId && e.subjectType === 'customer' ? `/customers/${e.customerId}` : null;

export function EventTable({ events, compact = false }: { events: EventRecord[]; compact?: boolean }) {
  if (events.length === 0) return <Text c="dimmed">No events.</Text>;
  return (
    <Table.ScrollContainer minWidth={compact ? 300 : 700}>
      <Table aria-label="Events" verticalSpacing={4}>
        <Table.Tbody>
          {events.map((e) => (
            <EventRow key={e.id} e={e} compact={compact} />
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function EventRow({ e, compact }: { e: EventRecord; compact: boolean }) {
  const link = subjectLink(e);
  return (
    <Table.Tr data-event-type={e.type}>
      <Table.Td style={{ whiteSpace: 'nowrap', verticalAlign: 'top' }}>
        <Badge variant="light" size="sm" style={{ textTransform: 'none', overflow: 'visible' }}>
          {e.type}
        </Badge>
        <Text size="xs" c="dimmed">
          {fmtDate(e.at)}
        </Text>
      </Table.Td>
      {!compact && (
        <Table.Td>
          {link ? (
            <Anchor component={Link} to={link} size="sm">
              {e.subjectId}
            </Anchor>
          ) : (
            <Text size="sm">{e.subjectId}</Text>
          )}
        </Table.Td>
      )}
      <Table.Td>
        <Text size="xs">{summary(e)}</Text>
        <Text size="xs" c="dimmed">
          by {e.actor.type}
          {e.actor.id ? ` ${e.actor.id}` : ''}
        </Text>
      </Table.Td>
    </Table.Tr>
  );
}

export function Events() {
  const [draft, setDraft] = useState({ type: '', subject: '', customer: '', entitlement: '', from: '', to: '' });
  const [filters, setFilters] = useState(draft);
  const query = {
    type: filters.type,
    subject: filters.subject,
    customer: filters.customer,
    entitlement: filters.entitlement,
    from: filters.from && new Date(`${filters.from}T00:00:00Z`).toISOString(),
    to: filters.to && new Date(`${filters.to}T23:59:59Z`).toISOString(),
  };
  const field = (k: keyof typeof draft, label: string, props: Record<string, unknown> = {}) => (
    <TextInput label={label} size="xs" value={draft[k]} onChange={(e) => setDraft({ ...draft, [k]: e.currentTarget.value })} {...props} />
  );
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
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setFilters(draft);
          }}
        >
          <Group align="flex-end" gap="xs" wrap="wrap">
            {field('type', 'Type', { placeholder: 'entitlement.*' })}
            {field('subject', 'Subject', { placeholder: 'id or code' })}
            {field('customer', 'Customer', { placeholder: 'id or reference' })}
            {field('entitlement', 'Entitlement', { placeholder: 'ent_…' })}
            {field('from', 'From', { type: 'date' })}
            {field('to', 'To', { type: 'date' })}
            <Button type="submit" size="xs">
              Filter
            </Button>
          </Group>
        </form>
        <PagedTable<EventRecord>
          label="Event log"
          path={`/v1/events${qs(query)}`}
          pageSize={50}
          empty="No events match."
          columns={[
            { label: 'When', render: (e) => fmtDate(e.at) },
            {
              label: 'Type',
              render: (e) => (
                <Badge variant="light" size="sm" style={{ textTransform: 'none' }} data-event-type={e.type}>
                  {e.type}
                </Badge>
              ),
            },
            {
              label: 'Subject',
              render: (e) => {
                const link = subjectLink(e);
                return link ? (
                  <Anchor component={Link} to={link} size="sm">
                    {e.subjectId}
                  </Anchor>
                ) : (
                  e.subjectId
                );
              },
            },
            { label: 'Change', render: (e) => <Text size="xs">{summary(e)}</Text> },
            { label: 'By', render: (e) => `${e.actor.type}${e.actor.id ? ` ${e.actor.id}` : ''}` },
          ]}
        />
      </Stack>
    </>
  );
}
