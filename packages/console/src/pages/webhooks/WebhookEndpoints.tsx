import { Alert, Badge, Button, Code, Group, Modal, MultiSelect, Select, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import type { Product, WebhookEndpoint, WebhookEndpointWithSecret } from '@leasehold/contract';
import { all, patch, post } from '../../api';
import { fmtDate, PagedTable, PageHeader, useFormErrors, useLoad } from '../../ui';
import { EVENT_TYPE_CHOICES } from './event-types';

/** The state badge of an endpoint, and what it means for its deliveries. */
export function EndpointState({ endpoint }: { endpoint: WebhookEndpoint }) {
  const color = endpoint.state === 'active' ? 'teal' : endpoint.state === 'parked' ? 'orange' : 'gray';
  return (
    <Group gap={4} wrap="nowrap">
      <Badge color={color} variant="light">
        {endpoint.state === 'disabled' && endpoint.disabledReason === 'gone' ? 'disabled (410 Gone)' : endpoint.state}
      </Badge>
      {endpoint.failingSince && (
        <Badge color="red" variant="filled">
          failing
        </Badge>
      )}
    </Group>
  );
}

/** Endpoints whose deliveries failed after their last attempt: the banner an admin sees. */
export function FailingBanner({ endpoints }: { endpoints: WebhookEndpoint[] }) {
  const failing = endpoints.filter((e) => e.failingSince);
  if (failing.length === 0) return null;
  return (
    <Alert color="red" mb="md" title="Webhook deliveries are failing" role="alert" data-testid="webhook-failing-banner">
      {failing.map((e) => (
        <Text key={e.id} size="sm">
          {e.url}: a delivery failed after its last attempt ({fmtDate(e.failingSince)}). Open the endpoint to see the log and retry.
        </Text>
      ))}
    </Alert>
  );
}

export function WebhookEndpoints() {
  const [open, setOpen] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const endpoints = useLoad(() => all<WebhookEndpoint>('/v1/webhook-endpoints'), [version]);
  return (
    <>
      <PageHeader
        title="Webhooks"
        subtitle="Events sent to your other systems, signed per Standard Webhooks"
        actions={<Button onClick={() => setOpen(true)}>New endpoint</Button>}
      />
      <FailingBanner endpoints={endpoints.data ?? []} />
      {secret && <SecretOnce secret={secret} onClose={() => setSecret(null)} />}
      <PagedTable<WebhookEndpoint>
        label="Webhook endpoints"
        path="/v1/webhook-endpoints"
        version={version}
        href={(e) => `/webhooks/${e.id}`}
        empty="No endpoints yet: add one to send events to your CRM, billing or ERP system."
        columns={[
          { label: 'URL', render: (e) => <code>{e.url}</code> },
          { label: 'Events', render: (e) => (e.events.includes('*') ? 'all' : e.events.join(', ')) },
          { label: 'State', render: (e) => <EndpointState endpoint={e} /> },
          { label: 'Waiting', render: (e) => e.backlog },
          { label: 'Description', render: (e) => e.description ?? '' },
        ]}
      />
      <EndpointForm
        opened={open}
        onClose={() => setOpen(false)}
        onSaved={(created) => {
          setOpen(false);
          if (created) setSecret(created.secret);
          setVersion((v) => v + 1);
        }}
      />
    </>
  );
}

/** The signing secret, shown once after creation or rotation. */
export function SecretOnce({ secret, onClose }: { secret: string; onClose: () => void }) {
  return (
    <Alert color="teal" mb="md" title="Copy the signing secret now — it is not shown again" withCloseButton onClose={onClose}>
      <Code block data-testid="webhook-secret">
        {secret}
      </Code>
      <Text size="xs" mt="xs">
        Verify each delivery with it (docs/webhooks.md shows how, in Node and Python).
      </Text>
    </Alert>
  );
}

/** Create (no `endpoint`) or edit an endpoint. */
export function EndpointForm(props: {
  opened: boolean;
  endpoint?: WebhookEndpoint;
  onClose: () => void;
  onSaved: (created: WebhookEndpointWithSecret | null) => void;
}) {
  const e = props.endpoint;
  const [url, setUrl] = useState(e?.url ?? '');
  const [events, setEvents] = useState<string[]>(e && !e.events.includes('*') ? e.events : []);
  const [productId, setProductId] = useState<string | null>(e?.productId ?? null);
  const [description, setDescription] = useState(e?.description ?? '');
  const products = useLoad(() => all<Product>('/v1/products'), []);
  const form = useFormErrors();
  return (
    <Modal opened={props.opened} onClose={props.onClose} title={e ? 'Edit endpoint' : 'New webhook endpoint'}>
      <form
        onSubmit={(ev) => {
          ev.preventDefault();
          void form.submit(async () => {
            const body = { url, events: events.length ? events : ['*'], productId, description: description || null };
            if (e) {
              await patch(`/v1/webhook-endpoints/${e.id}`, body);
              props.onSaved(null);
            } else {
              props.onSaved(await post<WebhookEndpointWithSecret>('/v1/webhook-endpoints', body));
              setUrl('');
              setEvents([]);
            }
          });
        }}
      >
        <Stack>
          <TextInput
            label="URL"
            required
            data-autofocus
            placeholder="https://crm.example.com/hooks/leasehold"
            value={url}
            onChange={(ev) => setUrl(ev.currentTarget.value)}
            error={form.fields['url']}
          />
          <MultiSelect
            label="Event types"
            placeholder={events.length ? undefined : 'All event types'}
            searchable
            clearable
            data={EVENT_TYPE_CHOICES}
            value={events}
            onChange={setEvents}
            error={form.fields['events']}
          />
          <Select
            label="Only the events of product"
            clearable
            placeholder="All products"
            data={(products.data ?? []).map((p) => ({ value: p.id, label: p.name }))}
            value={productId}
            onChange={setProductId}
            error={form.fields['productId']}
          />
          <TextInput label="Description" value={description} onChange={(ev) => setDescription(ev.currentTarget.value)} />
          <form.FormError />
          <Group justify="flex-end">
            <Button type="submit" loading={form.busy}>
              {e ? 'Save' : 'Create endpoint'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** Shared by the endpoint page: enable/disable, test, rotate. */
export async function endpointAction(id: string, action: 'enable' | 'disable' | 'test' | 'rotate'): Promise<string | null> {
  if (action === 'enable' || action === 'disable') {
    await patch(`/v1/webhook-endpoints/${id}`, { enabled: action === 'enable' });
    return null;
  }
  if (action === 'test') {
    await post(`/v1/webhook-endpoints/${id}/test`);
    return null;
  }
  return (await post<WebhookEndpointWithSecret>(`/v1/webhook-endpoints/${id}/rotate-secret`, {})).secret;
}
