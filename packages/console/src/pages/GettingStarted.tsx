import { Anchor, Card, Code, List, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { Link } from 'react-router-dom';
import { get } from '../api';
import { useSession } from '../session';
import { useLoad } from '../ui';
import { sdkSnippet } from '../sdk-snippet';

export interface Progress {
  productCode: string | null;
  products: number;
  offerings: number;
  customers: number;
  entitlements: number;
  activations: number;
  /** An entitlement to open for its key, once there is one. */
  firstEntitlementId: string | null;
  firstCustomerId: string | null;
}

/** An empty server's first steps, each ticked when done: product, offering, customer, entitlement, an application. */
export function GettingStarted({ p }: { p: Progress }) {
  const { session } = useSession();
  const jwksUrl = `${window.location.origin}/.well-known/accounts/${session.accountId}/jwks.json`;
  const keys = useLoad(() => get<{ keys: Array<{ kid: string }> }>(jwksUrl), [jwksUrl]);
  const steps: Array<{ done: boolean; label: string; to: string; hint: string }> = [
    { done: p.products > 0, label: 'Create a product', to: '/products', hint: 'What you sell, with its features (export, projects…).' },
    {
      done: p.offerings > 0,
      label: 'Create an offering',
      to: '/offerings/new',
      hint: 'A plan of that product: seats, term, lease period and feature values.',
    },
    { done: p.customers > 0, label: 'Add a customer', to: '/customers', hint: 'Who buys it; your CRM id goes in the external reference.' },
    {
      done: p.entitlements > 0,
      label: 'Give the customer an entitlement',
      to: p.firstCustomerId ? `/customers/${p.firstCustomerId}` : '/customers',
      hint: 'The offering granted to the customer: this makes the license key.',
    },
    {
      done: p.activations > 0,
      label: 'Activate from your application',
      to: p.firstEntitlementId ? `/entitlements/${p.firstEntitlementId}` : '/entitlements',
      hint: 'Put the SDK in your application with the code below and activate with the key.',
    },
  ];
  return (
    <Card withBorder aria-label="Getting started" data-testid="getting-started">
      <Title order={4}>Getting started</Title>
      <Text size="sm" c="dimmed" mb="sm">
        Five steps from an empty server to a licensed application.
      </Text>
      <List spacing="sm" center>
        {steps.map((s, i) => (
          <List.Item
            key={s.label}
            data-done={s.done}
            icon={
              <ThemeIcon color={s.done ? 'teal' : 'gray'} variant={s.done ? 'filled' : 'light'} size={24} radius="xl">
                {s.done ? '✓' : i + 1}
              </ThemeIcon>
            }
          >
            <Anchor component={Link} to={s.to} fw={500} td={s.done ? 'line-through' : undefined}>
              {s.label}
            </Anchor>
            <Text size="xs" c="dimmed">
              {s.hint}
            </Text>
          </List.Item>
        ))}
      </List>
      <Stack gap={4} mt="md">
        <Text size="sm" fw={500}>
          In your application (Node, <Code>npm install @leasehold/sdk</Code>):
        </Text>
        <Code block data-testid="sdk-snippet">
          {sdkSnippet({
            serverUrl: window.location.origin,
            accountId: session.accountId,
            productCode: p.productCode ?? 'your-product-code',
            keyIds: keys.data?.keys.map((k) => k.kid) ?? [],
            jwksUrl,
          })}
        </Code>
      </Stack>
    </Card>
  );
}
