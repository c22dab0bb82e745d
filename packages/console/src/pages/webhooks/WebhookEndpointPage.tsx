import { Alert, Badge, Button, Code, Group, Modal, Stack, Table, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import type { WebhookDelivery, WebhookEndpoint } from '@leasehold/contract';
import { del, get, post } from '../../api';
import { fmtDate, Loaded, message, PagedTable, PageHeader, useLoad } from '../../ui';
import { EndpointForm, EndpointState, endpointAction, FailingBanner, SecretOnce } from './WebhookEndpoints';

const STATUS_COLOR: Record<string, string> = { delivered: 'teal', pending: 'yellow', sending: 'blue', failed: 'red' };

/** One endpoint: its settings and actions, and its delivery log with attempt detail, retry and replay. */
export function WebhookEndpointPage() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const [version, setVersion] = useState(0);
  const [editing, setEditing] = useState(false);
  const [replaying, setReplaying] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const state = useLoad(() => get<WebhookEndpoint>(`/v1/webhook-endpoints/${id}`), [id, version]);
  const act = (action: Parameters<typeof endpointAction>[1], done: string) => {
    setError(null);
    endpointAction(id, action).then(
      (s) => {
        if (s) setSecret(s);
        setNotice(done);
        setVersion((v) => v + 1);
      },
      (e: unknown) => setError(message(e)),
    );
  };
  return (
    <Loaded state={state}>
      {(e) => (
        <>
          <PageHeader
            title={<code>{e.url}</code>}
            subtitle={e.description ?? undefined}
            actions={
              <Group gap="xs">
                <Button variant="default" onClick={() => setEditing(true)}>
                  Edit
                </Button>
                <Button
                  variant="default"
                  onClick={() => act(e.enabled ? 'disable' : 'enable', e.enabled ? 'Disabled.' : 'Enabled: the backlog resumes in order.')}
                >
                  {e.enabled ? 'Disable' : 'Enable'}
                </Button>
                <Button variant="default" onClick={() => act('test', 'A webhook.test event is on its way.')}>
                  Send test event
                </Button>
                <Button
                  variant="default"
                  onClick={() =>
                    window.confirm(
                      'Rotate the signing secret? For a day, deliveries carry signatures with both the old and the new secret.',
                    ) && act('rotate', 'Secret rotated.')
                  }
                >
                  Rotate secret
                </Button>
                <Button variant="default" onClick={() => setReplaying(true)}>
                  Replay…
                </Button>
                <Button
                  color="red"
                  variant="light"
                  onClick={() =>
                    window.confirm('Delete this endpoint with its queued deliveries and its log?') &&
                    del(`/v1/webhook-endpoints/${id}`).then(
                      () => navigate('/webhooks'),
                      (x: unknown) => setError(message(x)),
                    )
                  }
                >
                  Delete
                </Button>
              </Group>
            }
          />
          <FailingBanner endpoints={[e]} />
          {secret && <SecretOnce secret={secret} onClose={() => setSecret(null)} />}
          {notice && (
            <Alert color="teal" mb="md" withCloseButton onClose={() => setNotice(null)}>
              {notice}
            </Alert>
          )}
          {error && (
            <Alert color="red" mb="md" role="alert">
              {error}
            </Alert>
          )}
          <Group gap="lg" mb="md">
            <EndpointState endpoint={e} />
            <Text size="sm">Events: {e.events.includes('*') ? 'all' : e.events.join(', ')}</Text>
            <Text size="sm">Waiting: {e.backlog}</Text>
            {e.parkedUntil && <Text size="sm">Parked until {fmtDate(e.parkedUntil)} (then one probe at a time)</Text>}
            {e.previousSecretExpiresAt && <Text size="sm">Old secret signs too until {fmtDate(e.previousSecretExpiresAt)}</Text>}
          </Group>
          <DeliveryLog endpointId={id} version={version} onChanged={() => setVersion((v) => v + 1)} onError={setError} />
          <EndpointForm
            opened={editing}
            endpoint={e}
            onClose={() => setEditing(false)}
            onSaved={() => (setEditing(false), setVersion((v) => v + 1))}
          />
          <ReplayDialog
            opened={replaying}
            endpointId={id}
            onClose={() => setReplaying(false)}
            onQueued={(n) => {
              setReplaying(false);
              setNotice(`${n} event${n === 1 ? '' : 's'} queued again.`);
              setVersion((v) => v + 1);
            }}
          />
        </>
      )}
    </Loaded>
  );
}

function DeliveryLog(props: { endpointId: string; version: number; onChanged: () => void; onError: (m: string) => void }) {
  const [open, setOpen] = useState<WebhookDelivery | null>(null);
  return (
    <>
      <PagedTable<WebhookDelivery>
        label="Delivery log"
        path={`/v1/webhook-endpoints/${props.endpointId}/deliveries`}
        version={props.version}
        empty="No deliveries yet."
        columns={[
          { label: 'Event', render: (d) => d.eventType },
          { label: 'Subject', render: (d) => <code>{d.subjectId}</code> },
          {
            label: 'Status',
            render: (d) => (
              <Badge color={STATUS_COLOR[d.status] ?? 'gray'} variant="light">
                {d.status}
              </Badge>
            ),
          },
          { label: 'Attempts', render: (d) => d.attempts },
          { label: 'Last answer', render: (d) => lastAnswer(d) },
          { label: 'Next attempt', render: (d) => fmtDate(d.nextAttemptAt) },
          { label: 'Queued', render: (d) => fmtDate(d.createdAt) },
          {
            label: '',
            render: (d) => (
              <Group gap={4} wrap="nowrap">
                <Button size="compact-xs" variant="default" onClick={() => setOpen(d)}>
                  Attempts
                </Button>
                {(d.status === 'failed' || d.status === 'delivered') && (
                  <Button
                    size="compact-xs"
                    variant="light"
                    onClick={() =>
                      post(`/v1/webhook-deliveries/${d.id}/retry`).then(props.onChanged, (e: unknown) => props.onError(message(e)))
                    }
                  >
                    Retry
                  </Button>
                )}
              </Group>
            ),
          },
        ]}
      />
      <Modal opened={open !== null} onClose={() => setOpen(null)} title={`Attempts of ${open?.eventType ?? ''}`} size="lg">
        {open && <Attempts delivery={open} />}
      </Modal>
    </>
  );
}

const lastAnswer = (d: WebhookDelivery): string => {
  const a = d.attemptLog[d.attemptLog.length - 1];
  if (!a) return '—';
  return a.status !== null ? String(a.status) : (a.error ?? 'no answer');
};

function Attempts({ delivery }: { delivery: WebhookDelivery }) {
  return (
    <Stack gap="xs">
      <Text size="sm">
        webhook-id <code>{delivery.eventId}</code> (the same on every attempt)
      </Text>
      <Table aria-label="Attempts">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>#</Table.Th>
            <Table.Th>At</Table.Th>
            <Table.Th>Answer</Table.Th>
            <Table.Th>Duration</Table.Th>
            <Table.Th>Body (first 1 KB)</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {delivery.attemptLog.map((a) => (
            <Table.Tr key={a.n}>
              <Table.Td>{a.n}</Table.Td>
              <Table.Td>{fmtDate(a.at)}</Table.Td>
              <Table.Td>{a.status ?? a.error}</Table.Td>
              <Table.Td>{a.durationMs} ms</Table.Td>
              <Table.Td>{a.responseExcerpt ? <Code>{a.responseExcerpt.slice(0, 200)}</Code> : '—'}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

function ReplayDialog(props: { opened: boolean; endpointId: string; onClose: () => void; onQueued: (n: number) => void }) {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <Modal opened={props.opened} onClose={props.onClose} title="Send a time range of events again">
      <form
        onSubmit={(ev) => {
          ev.preventDefault();
          setError(null);
          const iso = (v: string) => new Date(v).toISOString();
          post<{ queued: number }>(`/v1/webhook-endpoints/${props.endpointId}/replay`, { from: iso(from), to: iso(to) }).then(
            (r) => props.onQueued(r.queued),
            (e: unknown) => setError(message(e)),
          );
        }}
      >
        <Stack>
          <TextInput type="datetime-local" label="From" required value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
          <TextInput type="datetime-local" label="To" required value={to} onChange={(e) => setTo(e.currentTarget.value)} />
          <Text size="xs" c="dimmed">
            Each event keeps its webhook-id: a receiver that still has it skips it.
          </Text>
          {error && (
            <Alert color="red" role="alert">
              {error}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button type="submit">Replay</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
