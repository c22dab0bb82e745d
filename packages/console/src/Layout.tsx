import { AppShell, Burger, Button, Group, NavLink, ScrollArea, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Link, Outlet, useLocation } from 'react-router-dom';
import { useSession } from './session';
import { NamesProvider } from './names';
import { HeaderSearch } from './pages/Search';
import { WebhookFailingNotice } from './pages/webhooks/FailingNotice';

const NAV: { to: string; label: string; admin?: boolean }[] = [
  { to: '/', label: 'Dashboard' },
  { to: '/products', label: 'Products & features' },
  { to: '/offerings', label: 'Offerings' },
  { to: '/customers', label: 'Customers' },
  { to: '/entitlements', label: 'Entitlements' },
  { to: '/migrations', label: 'Migrations' },
  { to: '/imports', label: 'Imports' },
  { to: '/key-generators', label: 'Key generators' },
  { to: '/partners', label: 'Partners & codes' },
  { to: '/activation-batches', label: 'Batch activations' },
  { to: '/releases', label: 'Releases' },
  { to: '/events', label: 'Event log' },
  { to: '/reports', label: 'Reports' },
  { to: '/api-keys', label: 'API keys', admin: true },
  { to: '/signing-keys', label: 'Signing keys' },
  { to: '/users', label: 'Console users', admin: true },
  { to: '/integrations', label: 'Integrations', admin: true },
  { to: '/webhooks', label: 'Webhooks', admin: true },
];

export function Layout() {
  const [opened, { toggle, close }] = useDisclosure();
  const { session, signOut, can } = useSession();
  const { pathname } = useLocation();
  const active = (to: string) => (to === '/' ? pathname === '/' : pathname === to || pathname.startsWith(`${to}/`));
  return (
    <NamesProvider>
      <AppShell header={{ height: 56 }} navbar={{ width: 230, breakpoint: 'md', collapsed: { mobile: !opened } }} padding="md">
        <AppShell.Header>
          <Group h="100%" px="md" justify="space-between" wrap="nowrap">
            <Group gap="sm" wrap="nowrap">
              <Burger opened={opened} onClick={toggle} hiddenFrom="md" size="sm" aria-label="Menu" />
              <Text fw={700} size="lg">
                Leasehold
              </Text>
              <HeaderSearch />
            </Group>
            <Group gap="sm" wrap="nowrap">
              <Text size="sm" c="dimmed" visibleFrom="sm" data-testid="signed-in-as">
                {session.user.name} · {session.user.role}
              </Text>
              <Button size="xs" variant="default" onClick={() => void signOut()}>
                Sign out
              </Button>
            </Group>
          </Group>
        </AppShell.Header>
        <AppShell.Navbar p="xs" aria-label="Sections">
          <ScrollArea>
            {NAV.filter((n) => !n.admin || can('keys')).map((n) => (
              <NavLink key={n.to} component={Link} to={n.to} label={n.label} active={active(n.to)} onClick={close} />
            ))}
          </ScrollArea>
        </AppShell.Navbar>
        <AppShell.Main>
          <WebhookFailingNotice />
          <Outlet />
        </AppShell.Main>
      </AppShell>
    </NamesProvider>
  );
}
