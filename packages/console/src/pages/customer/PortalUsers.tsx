import { Alert, Badge, Button, Card, Code, Group, Select, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import type { PortalInvitationOut, PortalUser } from '@leasehold/contract';
import { del, post } from '../../api';
import { useSession } from '../../session';
import { fmtDate, PagedTable, useFormErrors } from '../../ui';

/** A customer's people in the customer portal: who is invited or active, when they last signed in; invite and disable. */
export function PortalUsers({ customerId }: { customerId: string }) {
  const { can } = useSession();
  const [version, setVersion] = useState(0);
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<'admin' | 'member'>('member');
  const [invited, setInvited] = useState<PortalInvitationOut | null>(null);
  const form = useFormErrors();
  const reload = () => setVersion((v) => v + 1);
  return (
    <Card withBorder>
      <Title order={4} mb="sm">
        Portal access
      </Title>
      <PagedTable<PortalUser>
        label="Portal users of the customer"
        path={`/v1/customers/${customerId}/portal-users`}
        version={version}
        empty="Nobody of this customer has portal access yet."
        columns={[
          { label: 'Name', render: (u) => u.name },
          { label: 'Email', render: (u) => (u.state === 'disabled' ? '—' : u.email) },
          { label: 'Role', render: (u) => u.role },
          { label: 'State', render: (u) => <Badge variant="light">{u.state}</Badge> },
          { label: 'Invited', render: (u) => fmtDate(u.invitedAt) },
          { label: 'Last sign-in', render: (u) => fmtDate(u.lastSignInAt) },
          {
            label: '',
            render: (u) =>
              can('write') &&
              u.state !== 'disabled' && (
                <Button size="xs" variant="light" color="red" onClick={() => void del(`/v1/portal-users/${u.id}`).then(reload)}>
                  Disable
                </Button>
              ),
          },
        ]}
      />
      {can('write') && (
        <form
          aria-label="Invite to the portal"
          onSubmit={(e) => {
            e.preventDefault();
            void form.submit(async () => {
              setInvited(await post<PortalInvitationOut>(`/v1/customers/${customerId}/portal-users`, { email, name, role }));
              setEmail('');
              setName('');
              reload();
            });
          }}
        >
          <Text size="sm" c="dimmed" mt="md" mb="xs">
            Invite someone of this customer: an admin may also invite colleagues. The single-use link is emailed when SMTP is set up.
          </Text>
          <Group align="end">
            <TextInput label="Portal user email" type="email" value={email} onChange={(e) => setEmail(e.currentTarget.value)} required />
            <TextInput label="Portal user name" value={name} onChange={(e) => setName(e.currentTarget.value)} required />
            <Select
              label="Portal role"
              data={['member', 'admin']}
              value={role}
              allowDeselect={false}
              onChange={(v) => setRole(v === 'admin' ? 'admin' : 'member')}
            />
            <Button type="submit">Invite to the portal</Button>
          </Group>
          <form.FormError />
          {Object.values(form.fields).map((text) => (
            <Alert key={text} color="red" mt="sm">
              {text}
            </Alert>
          ))}
        </form>
      )}
      {invited && (
        <Alert color={invited.emailed ? 'green' : 'blue'} mt="sm" data-testid="portal-invitation">
          {invited.emailed ? (
            `The invitation was emailed to ${invited.portalUser.email}.`
          ) : (
            <>
              Pass this single-use link on to {invited.portalUser.email}: <Code>{invited.invitationUrl}</Code>
            </>
          )}
        </Alert>
      )}
    </Card>
  );
}
