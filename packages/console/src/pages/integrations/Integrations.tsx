import {
  Alert,
  Badge,
  Button,
  Card,
  Code,
  Group,
  PasswordInput,
  Select,
  Stack,
  Tabs,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import type { InboundEvent, Integration, IntegrationProvider, Offering } from '@leasehold/contract';
import { all, api, get } from '../../api';
import { fmtDate, Loaded, PagedTable, PageHeader, useFormErrors, useLoad } from '../../ui';

/** The billing integrations: where each posts, its signing secret (write-only), Stripe's price mapping, and what arrived. */
export function Integrations() {
  return (
    <>
      <PageHeader
        title="Integrations"
        subtitle="Billing events in: Stripe, or any billing or CRM system that signs its webhooks (docs/billing.md)"
      />
      <Tabs defaultValue="stripe" keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="stripe">Stripe</Tabs.Tab>
          <Tabs.Tab value="generic">Other billing systems</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="stripe">
          <ProviderPanel provider="stripe" />
        </Tabs.Panel>
        <Tabs.Panel value="generic">
          <ProviderPanel provider="generic" />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}

function ProviderPanel({ provider }: { provider: IntegrationProvider }) {
  const [version, setVersion] = useState(0);
  const state = useLoad(() => get<Integration>(`/v1/integrations/${provider}`), [provider, version]);
  return (
    <Loaded state={state}>
      {(integration) => (
        <Stack>
          <Card withBorder>
            <Title order={4} mb="xs">
              Endpoint
            </Title>
            <Text size="sm" mb="xs">
              {provider === 'stripe'
                ? 'In Stripe: Developers → Webhooks → Add endpoint, with this URL and the events checkout.session.completed, customer.subscription.created, .updated, .deleted and invoice.paid.'
                : 'Your system posts signed messages (Standard Webhooks) here.'}
            </Text>
            <Code block data-testid={`${provider}-webhook-url`}>
              {`${window.location.origin}${integration.webhookPath}`}
            </Code>
            <Group mt="sm" gap="xs">
              <Text size="sm">Signing secret:</Text>
              <Badge color={integration.secretSet ? 'teal' : 'orange'} data-testid={`${provider}-secret-state`}>
                {integration.secretSet ? 'set' : 'not set'}
              </Badge>
              <Text size="xs" c="dimmed">
                Last changed {fmtDate(integration.updatedAt)}
              </Text>
            </Group>
          </Card>
          <SettingsForm integration={integration} onSaved={() => setVersion((v) => v + 1)} />
          <Card withBorder>
            <Title order={4} mb="xs">
              Events received
            </Title>
            <PagedTable<InboundEvent>
              label={`${provider} events`}
              path={`/v1/integrations/${provider}/events`}
              version={version}
              pageSize={10}
              columns={[
                { label: 'Received', render: (e) => fmtDate(e.receivedAt) },
                { label: 'Event', render: (e) => e.type },
                { label: 'Subscription', render: (e) => e.subject ?? '—' },
                { label: 'Outcome', render: (e) => <Badge color={OUTCOME_COLORS[e.outcome]}>{e.outcome}</Badge> },
                { label: 'Detail', render: (e) => e.detail ?? '' },
              ]}
            />
          </Card>
        </Stack>
      )}
    </Loaded>
  );
}

const OUTCOME_COLORS: Record<InboundEvent['outcome'], string> = {
  applied: 'teal',
  unchanged: 'gray',
  stale: 'yellow',
  ignored: 'gray',
  failed: 'red',
};

/** A Standard Webhooks secret made in the browser: `whsec_` + base64 of 32 random bytes. */
function newSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `whsec_${btoa(String.fromCharCode(...bytes))}`;
}

/** `price_… = offering-code` lines, one a line, to and from the mapping object. */
const pricesText = (prices: Record<string, string>) =>
  Object.entries(prices)
    .map(([price, offering]) => `${price} = ${offering}`)
    .join('\n');
function pricesFrom(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const [price, offering] = line.split('=').map((s) => s.trim());
    if (price && offering) out[price] = offering;
  }
  return out;
}

function SettingsForm({ integration, onSaved }: { integration: Integration; onSaved: () => void }) {
  const stripe = integration.provider === 'stripe';
  const offerings = useLoad(() => all<Offering>('/v1/offerings'), []);
  const [secret, setSecret] = useState('');
  const [generated, setGenerated] = useState<string | null>(null);
  const [prices, setPrices] = useState(pricesText(integration.prices));
  const [onFailure, setOnFailure] = useState<string | null>(integration.onPaymentFailure);
  const [fallback, setFallback] = useState<string | null>(integration.fallbackOffering);
  const [grace, setGrace] = useState(integration.renewalGrace);
  const [saved, setSaved] = useState(false);
  const form = useFormErrors();
  const offeringChoices = (offerings.data ?? []).map((o) => ({ value: o.code, label: `${o.name} (${o.code})` }));
  return (
    <Card withBorder>
      <Title order={4} mb="xs">
        Settings
      </Title>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setSaved(false);
          void form.submit(async () => {
            const body = {
              ...(secret ? { signingSecret: secret } : {}),
              ...(stripe
                ? {
                    prices: pricesFrom(prices),
                    onPaymentFailure: onFailure,
                    fallbackOffering: onFailure === 'fallback' ? fallback : null,
                    renewalGrace: grace,
                  }
                : {}),
            };
            await api('PUT', `/v1/integrations/${integration.provider}`, Object.keys(body).length ? body : { renewalGrace: grace });
            setSecret('');
            setSaved(true);
            onSaved();
          });
        }}
      >
        <Stack>
          {generated && (
            <Alert
              color="teal"
              title="Give this secret to your billing system now — it is not shown again"
              withCloseButton
              onClose={() => setGenerated(null)}
            >
              <Code block data-testid="generated-secret">
                {generated}
              </Code>
            </Alert>
          )}
          <Group align="flex-end">
            <PasswordInput
              style={{ flex: 1 }}
              label={stripe ? 'Stripe signing secret (whsec_…, from the endpoint’s page)' : 'Signing secret (whsec_…)'}
              description={integration.secretSet ? 'Leave empty to keep the current one' : undefined}
              value={secret}
              onChange={(e) => setSecret(e.currentTarget.value)}
              error={form.fields['signingSecret']}
            />
            {!stripe && (
              <Button
                variant="light"
                onClick={() => {
                  const s = newSecret();
                  setSecret(s);
                  setGenerated(s);
                }}
              >
                Generate
              </Button>
            )}
          </Group>
          {stripe && (
            <>
              <Textarea
                label="Prices → offerings"
                description="One a line: price_… = offering-code. Prices not listed use their metadata leasehold_offering."
                autosize
                minRows={2}
                value={prices}
                onChange={(e) => setPrices(e.currentTarget.value)}
                error={form.fields['prices']}
              />
              <Select
                label="When a subscription is unpaid (past_due, unpaid, paused)"
                data={[
                  { value: 'suspend', label: 'Suspend the entitlement' },
                  { value: 'fallback', label: 'Move it to a fallback offering' },
                ]}
                value={onFailure}
                onChange={setOnFailure}
                allowDeselect={false}
              />
              {onFailure === 'fallback' && (
                <Select
                  label="Fallback offering"
                  data={offeringChoices}
                  value={fallback}
                  onChange={setFallback}
                  error={form.fields['fallbackOffering']}
                />
              )}
              <TextInput
                label="Grace after each paid period"
                description="ISO 8601 duration, e.g. P1D; PT0S for none"
                value={grace}
                onChange={(e) => setGrace(e.currentTarget.value)}
                error={form.fields['renewalGrace']}
              />
            </>
          )}
          <form.FormError />
          {saved && <Text c="teal">Saved.</Text>}
          <Group justify="flex-end">
            <Button type="submit" loading={form.busy}>
              Save
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}
