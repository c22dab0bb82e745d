import { Badge, Card, Code, Text, Title } from '@mantine/core';
import type { PortalSsoConnection } from '@leasehold/contract';
import { fmtDate, PagedTable } from '../../ui';

/**
 * The SSO connections that land this customer's people in the portal: its own, and the account's
 * whose domains name it. Set up through the API (`/v1/portal-sso-connections`, docs/portal.md).
 */
export function SsoConnections({ customerId }: { customerId: string }) {
  return (
    <Card withBorder>
      <Title order={4} mb="sm">
        Portal sign-in with SSO
      </Title>
      <PagedTable<PortalSsoConnection>
        label="SSO connections of the customer"
        path={`/v1/portal-sso-connections?customerId=${encodeURIComponent(customerId)}`}
        empty="No SSO connection lands this customer's people in the portal."
        columns={[
          { label: 'Name', render: (c) => c.name },
          { label: 'Issuer', render: (c) => <Code>{c.issuer}</Code> },
          { label: 'Of', render: (c) => (c.customerId ? 'this customer' : 'the account') },
          {
            label: 'Domains',
            render: (c) =>
              c.domains
                .filter((d) => d.customerId === customerId)
                .map((d) => d.domain)
                .join(', '),
          },
          { label: 'New people', render: (c) => (c.provisioning ? `become ${c.defaultRole}s` : 'invited only') },
          { label: 'State', render: (c) => <Badge variant="light">{c.enabled ? 'enabled' : 'disabled'}</Badge> },
          { label: 'Updated', render: (c) => fmtDate(c.updatedAt) },
        ]}
      />
      <Text size="xs" c="dimmed" mt="xs">
        Connections are set up with the API: POST /v1/portal-sso-connections.
      </Text>
    </Card>
  );
}
