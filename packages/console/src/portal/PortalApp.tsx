import {
  Alert,
  Badge,
  Button,
  Card,
  Code,
  Container,
  Group,
  PasswordInput,
  Select,
  Stack,
  Table,
  Tabs,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { PortalDevice, PortalEntitlement, PortalInvitationOut, PortalSession, PortalUser } from '@leasehold/contract';
import { PortalError, portalApi, setCsrf } from './api';
import { STRINGS as S, SELF_SERVICE } from './strings';
import { BrandFrame, SessionContext, useBranding, useSession } from './Brand';
import { Downloads, NamedSeats, OfflineActivation, RedeemCode, UsageStatement } from './SelfService';
import { SsoChoices, SsoError } from './Sso';

type Page<T> = { data: T[]; nextCursor: string | null };

/** The token a portal link carries in its fragment (`#token=…`, `#link=…`), never sent to a server. */
const fragment = (name: string): string | null => new URLSearchParams(window.location.hash.slice(1)).get(name);

function useError(): [string | null, (e: unknown) => void, () => void] {
  const [error, setError] = useState<string | null>(null);
  return [error, (e) => setError(e instanceof Error ? e.message : String(e)), () => setError(null)];
}

export function PortalApp() {
  const branding = useBranding();
  return (
    <BrandFrame branding={branding}>
      <PortalPages account={branding.account} />
    </BrandFrame>
  );
}

/** `account`: the vendor whose custom domain this is (null on the server's own host). */
function PortalPages({ account }: { account: string | null }) {
  const [session, setSession] = useState<PortalSession | null | undefined>(undefined);
  const signedIn = (s: PortalSession | null) => {
    setCsrf(s?.csrfToken ?? null);
    setSession(s);
    if (s && window.location.hash) window.history.replaceState(null, '', '/portal/');
  };
  useEffect(() => {
    const link = fragment('link');
    if (window.location.pathname.startsWith('/portal/sign-in') && link) {
      portalApi<PortalSession>('POST', '/sign-in-links/redeem', { token: link }).then(signedIn, () => signedIn(null));
      return;
    }
    portalApi<PortalSession>('GET', '/session').then(signedIn, () => setSession(null));
  }, []);

  if (session === undefined) return <Container p="xl">{S.signingIn}</Container>;
  if (!session) {
    const token = window.location.pathname.startsWith('/portal/accept') ? fragment('token') : null;
    return (
      <Container size="xs" py="xl">
        {token ? <Accept token={token} onSignedIn={signedIn} /> : <SignIn account={account} onSignedIn={signedIn} />}
      </Container>
    );
  }
  return (
    <SessionContext.Provider value={session}>
      <Home session={session} onSignedOut={() => signedIn(null)} />
    </SessionContext.Provider>
  );
}

function Accept({ token, onSignedIn }: { token: string; onSignedIn: (s: PortalSession) => void }) {
  const [password, setPassword] = useState('');
  const [error, fail] = useError();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    portalApi<PortalSession>('POST', '/invitations/accept', { token, password }).then(onSignedIn, fail);
  };
  return (
    <form onSubmit={submit}>
      <Stack>
        <Title order={2}>{S.acceptTitle}</Title>
        {error && <Alert color="red">{error}</Alert>}
        <PasswordInput label={S.newPassword} value={password} onChange={(e) => setPassword(e.currentTarget.value)} required />
        <Button type="submit">{S.acceptButton}</Button>
      </Stack>
    </form>
  );
}

type PortalChoice = { id: string; name: string; customerId: string };

/**
 * Email and password (or a link). On a vendor's custom domain the sign-in is that vendor's; on the
 * server's own host, an address and password that open several vendors' (or customers') portals
 * get the choice the server answers with (ACCOUNT_REQUIRED), and the pick is sent with them.
 */
function SignIn({ account, onSignedIn }: { account: string | null; onSignedIn: (s: PortalSession) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [sent, setSent] = useState(false);
  const [choices, setChoices] = useState<PortalChoice[]>([]);
  const [error, fail, clear] = useError();
  const signIn = (pick?: PortalChoice) => {
    const body = pick
      ? { email, password, account: pick.id, customer: pick.customerId }
      : { email, password, ...(account ? { account } : {}) };
    portalApi<PortalSession>('POST', '/session', body).then(onSignedIn, (e: unknown) => {
      const offered =
        e instanceof PortalError && e.code === 'ACCOUNT_REQUIRED' ? (e.details['accounts'] as PortalChoice[] | undefined) : undefined;
      if (offered?.length) {
        clear();
        setChoices(offered);
      } else fail(e);
    });
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setChoices([]);
    signIn();
  };
  return (
    <form onSubmit={submit}>
      <Stack>
        <Title order={2}>{S.title}</Title>
        {error && <Alert color="red">{error}</Alert>}
        {sent && <Alert color="blue">{S.linkSent}</Alert>}
        {choices.length > 0 && (
          <Alert color="blue" title={S.choosePortal}>
            <Stack gap="xs">
              {choices.map((c) => (
                <Button key={`${c.id}/${c.customerId}`} variant="light" onClick={() => signIn(c)}>
                  {S.signInTo(choices.filter((o) => o.id === c.id).length > 1 ? `${c.name} (${c.customerId})` : c.name)}
                </Button>
              ))}
            </Stack>
          </Alert>
        )}
        <SsoError />
        <TextInput label={S.email} type="email" value={email} onChange={(e) => setEmail(e.currentTarget.value)} required />
        <SsoChoices email={email} />
        <PasswordInput label={S.password} value={password} onChange={(e) => setPassword(e.currentTarget.value)} />
        <Group>
          <Button type="submit">{S.signIn}</Button>
          <Button variant="subtle" onClick={() => portalApi('POST', '/sign-in-links', { email }).then(() => setSent(true), fail)}>
            {S.emailLink}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function Home({ session, onSignedOut }: { session: PortalSession; onSignedOut: () => void }) {
  const signOut = () => portalApi('DELETE', '/session').finally(onSignedOut);
  return (
    <Container size="lg" py="md">
      <Group justify="space-between" mb="md">
        <Title order={2}>{S.title}</Title>
        <Group>
          <Text data-testid="signed-in-as">{S.signedInAs(session.user.name, session.customer.name)}</Text>
          <Button variant="default" onClick={signOut}>
            {S.signOut}
          </Button>
        </Group>
      </Group>
      <Tabs defaultValue="licenses" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="licenses">{S.entitlements}</Tabs.Tab>
          <Tabs.Tab value="colleagues">{S.colleagues}</Tabs.Tab>
          <Tabs.Tab value="history">{S.history}</Tabs.Tab>
          <Tabs.Tab value="downloads">{SELF_SERVICE.downloads}</Tabs.Tab>
          <Tabs.Tab value="usage">{SELF_SERVICE.usage}</Tabs.Tab>
          <Tabs.Tab value="offline">{SELF_SERVICE.offline}</Tabs.Tab>
          {session.user.role === 'admin' && <Tabs.Tab value="redeem">{SELF_SERVICE.redeem}</Tabs.Tab>}
        </Tabs.List>
        <Tabs.Panel value="licenses" pt="md">
          <Licenses />
        </Tabs.Panel>
        <Tabs.Panel value="colleagues" pt="md">
          <Colleagues admin={session.user.role === 'admin'} />
        </Tabs.Panel>
        <Tabs.Panel value="history" pt="md">
          <History />
        </Tabs.Panel>
        <Tabs.Panel value="downloads" pt="md">
          <Downloads />
        </Tabs.Panel>
        <Tabs.Panel value="usage" pt="md">
          <UsageStatement />
        </Tabs.Panel>
        <Tabs.Panel value="offline" pt="md">
          <OfflineActivation />
        </Tabs.Panel>
        <Tabs.Panel value="redeem" pt="md">
          <RedeemCode onRedeemed={() => undefined} />
        </Tabs.Panel>
      </Tabs>
    </Container>
  );
}

function Licenses() {
  const [list, setList] = useState<PortalEntitlement[]>([]);
  const [error, fail] = useError();
  const load = useCallback(() => portalApi<Page<PortalEntitlement>>('GET', '/entitlements').then((p) => setList(p.data), fail), []);
  useEffect(() => void load(), [load]);
  return (
    <Stack>
      {error && <Alert color="red">{error}</Alert>}
      {list.map((e) => (
        <License key={e.id} entitlement={e} onChange={load} />
      ))}
    </Stack>
  );
}

function License({ entitlement: e, onChange }: { entitlement: PortalEntitlement; onChange: () => void }) {
  const session = useSession();
  const [key, setKey] = useState<string | null>(null);
  const [devices, setDevices] = useState<PortalDevice[]>([]);
  const [error, fail, clear] = useError();
  const loadDevices = useCallback(
    () => portalApi<Page<PortalDevice>>('GET', `/entitlements/${e.id}/devices?state=active`).then((p) => setDevices(p.data), fail),
    [e.id],
  );
  useEffect(() => void loadDevices(), [loadDevices, e.seats.used]);
  const deactivate = (id: string) => {
    clear();
    portalApi('DELETE', `/devices/${id}`).then(() => {
      void loadDevices();
      onChange();
    }, fail);
  };
  return (
    <Card withBorder data-testid={`license-${e.id}`}>
      <Group justify="space-between">
        <Title order={4}>
          {e.product.name} · {e.offering.name}
        </Title>
        <Badge color={e.effective.status === 'active' ? 'green' : 'gray'}>{e.effective.status}</Badge>
      </Group>
      <Text size="sm" c="dimmed">
        {e.orderRef ? `${e.orderRef} · ` : ''}
        {S.validUntil(e.effective.endsAt)} · {S.maintenanceUntil(e.effective.maintenanceUntil)}
      </Text>
      <Text data-testid="seats">{S.seats(e.seats.used, e.seats.bought)}</Text>
      <Group my="xs">
        {key ? (
          <Code data-testid="license-key">{key}</Code>
        ) : (
          <Button
            size="xs"
            variant="light"
            onClick={() => portalApi<{ key: string }>('POST', `/entitlements/${e.id}/key`).then((k) => setKey(k.key), fail)}
          >
            {S.showKey}
          </Button>
        )}
      </Group>
      {error && <Alert color="red">{error}</Alert>}
      {devices.length === 0 ? (
        <Text size="sm">{S.noDevices}</Text>
      ) : (
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{S.device}</Table.Th>
              <Table.Th>{S.version}</Table.Th>
              <Table.Th>{S.lastSeen}</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {devices.map((d) => (
              <Table.Tr key={d.id}>
                <Table.Td>{d.name ?? d.hostname ?? d.id}</Table.Td>
                <Table.Td>{d.version ?? '—'}</Table.Td>
                <Table.Td>{d.lastSeenAt.slice(0, 16).replace('T', ' ')}</Table.Td>
                <Table.Td>
                  <Button size="xs" color="red" variant="light" onClick={() => deactivate(d.id)}>
                    {S.deactivate}
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {session && e.effective.seatModel === 'named_user' && <NamedSeats entitlement={e} session={session} onChange={onChange} />}
    </Card>
  );
}

function Colleagues({ admin }: { admin: boolean }) {
  const [people, setPeople] = useState<PortalUser[]>([]);
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<'admin' | 'member'>('member');
  const [invited, setInvited] = useState<PortalInvitationOut | null>(null);
  const [error, fail] = useError();
  const load = useCallback(() => portalApi<Page<PortalUser>>('GET', '/users').then((p) => setPeople(p.data), fail), []);
  useEffect(() => void load(), [load]);
  const invite = (e: FormEvent) => {
    e.preventDefault();
    portalApi<PortalInvitationOut>('POST', '/users', { email, name, role }).then((i) => {
      setInvited(i);
      void load();
    }, fail);
  };
  return (
    <Stack>
      {error && <Alert color="red">{error}</Alert>}
      <Table>
        <Table.Tbody>
          {people.map((p) => (
            <Table.Tr key={p.id}>
              <Table.Td>{p.name}</Table.Td>
              <Table.Td>{p.email}</Table.Td>
              <Table.Td>{p.role}</Table.Td>
              <Table.Td>
                <Badge variant="light">{p.state}</Badge>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {admin && (
        <form onSubmit={invite}>
          <Title order={4}>{S.inviteTitle}</Title>
          <Group align="end">
            <TextInput label={S.email} type="email" value={email} onChange={(e) => setEmail(e.currentTarget.value)} required />
            <TextInput label={S.name} value={name} onChange={(e) => setName(e.currentTarget.value)} required />
            <Select
              label={S.role}
              data={['member', 'admin']}
              value={role}
              onChange={(v) => setRole(v === 'admin' ? 'admin' : 'member')}
              allowDeselect={false}
            />
            <Button type="submit">{S.invite}</Button>
          </Group>
        </form>
      )}
      {invited &&
        (invited.invitationUrl ? (
          <Alert color="blue">
            {S.invitationLink} <Code data-testid="invitation-url">{invited.invitationUrl}</Code>
          </Alert>
        ) : (
          <Alert color="green">{S.invitationSent}</Alert>
        ))}
    </Stack>
  );
}

function History() {
  const [events, setEvents] = useState<Array<{ id: string; type: string; at: string }>>([]);
  const [error, fail] = useError();
  useEffect(
    () => void portalApi<Page<{ id: string; type: string; at: string }>>('GET', '/history').then((p) => setEvents(p.data), fail),
    [],
  );
  return (
    <Stack>
      {error && <Alert color="red">{error}</Alert>}
      <Table>
        <Table.Tbody>
          {events.map((e) => (
            <Table.Tr key={e.id}>
              <Table.Td>{e.at.slice(0, 16).replace('T', ' ')}</Table.Td>
              <Table.Td>{e.type}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
