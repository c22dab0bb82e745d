import { Anchor, Card, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { Link, useLocation, useNavigate, useSearchParams } from 'react-router-dom';
import type { Activation, Customer, Entitlement } from '@leasehold/contract';
import { ApiError, get, type Page } from '../api';
import { useNames } from '../names';
import { lookupPath, searchPlan, type Lookup } from '../search-plan';
import { ago, Empty, Loading, message, PageHeader, StatusBadge } from '../ui';
import { useDebounced } from '../url-state';

/**
 * The header's one search box: a license key as read out, a customer's name, email or reference, an
 * order reference or a device fingerprint. Results show on /search?q=…, updated as you type.
 */
export function HeaderSearch() {
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const [params] = useSearchParams();
  const onSearch = pathname === '/search';
  const [text, setText] = useState(onSearch ? (params.get('q') ?? '') : '');
  const settled = useDebounced(text, 300);
  // Arriving at the results (back, a link) shows their text; leaving them empties the box.
  useEffect(() => setText(onSearch ? (params.get('q') ?? '') : ''), [pathname]);
  useEffect(() => {
    const q = settled.trim();
    if (q.length < 2) return;
    if (onSearch && params.get('q') === q) return;
    navigate(`/search?q=${encodeURIComponent(q)}`, { replace: onSearch });
  }, [settled]);
  return (
    <TextInput
      type="search"
      aria-label="Search licenses, customers, orders and devices"
      placeholder="License key, customer, order or device"
      value={text}
      onChange={(e) => setText(e.currentTarget.value)}
      onKeyDown={(e) => e.key === 'Enter' && text.trim().length >= 2 && navigate(`/search?q=${encodeURIComponent(text.trim())}`)}
      w={{ base: 180, sm: 320, lg: 420 }}
      size="sm"
    />
  );
}

interface Results {
  key: Entitlement[] | null;
  keyTypo: boolean;
  customer: Customer[] | null;
  order: Entitlement[] | null;
  device: Activation[] | null;
}

async function lookUp(text: string): Promise<Results> {
  const plan = searchPlan(text);
  const out: Results = { key: null, keyTypo: false, customer: null, order: null, device: null };
  await Promise.all(
    plan.map(async (lookup: Lookup) => {
      try {
        const page = await get<Page<never>>(lookupPath(lookup, text));
        out[lookup] = page.data;
      } catch (error) {
        // A key with one wrong symbol is a typo the server can tell apart from a key nobody holds.
        if (lookup === 'key' && error instanceof ApiError && error.body.details?.['typo'] === true) out.keyTypo = true;
        else if (!(error instanceof ApiError && error.status === 400)) throw error;
      }
    }),
  );
  return out;
}

export function SearchPage() {
  const [params] = useSearchParams();
  const q = params.get('q') ?? '';
  const names = useNames();
  const [state, setState] = useState<{ q: string; results: Results | null; error: unknown }>({ q: '', results: null, error: null });
  useEffect(() => {
    let stale = false;
    setState({ q, results: null, error: null });
    lookUp(q).then(
      (results) => !stale && setState({ q, results, error: null }),
      (error: unknown) => !stale && setState({ q, results: null, error }),
    );
    return () => {
      stale = true;
    };
  }, [q]);
  const r = state.results;
  const entitlements = (list: Entitlement[] | null, label: string, testId: string) =>
    list && list.length > 0 ? (
      <Card withBorder data-testid={testId}>
        <Title order={4} mb="xs">
          {label}
        </Title>
        <Table aria-label={label}>
          <Table.Tbody>
            {list.map((e) => (
              <Table.Tr key={e.id}>
                <Table.Td>
                  <Anchor component={Link} to={`/entitlements/${e.id}`}>
                    {names.customer(e.customerId) ?? e.customerId} · {names.offering(e.offeringId) ?? e.offeringId}
                  </Anchor>
                </Table.Td>
                <Table.Td>{e.orderRef ? `order ${e.orderRef}` : ''}</Table.Td>
                <Table.Td>
                  <StatusBadge status={e.effective.status} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Card>
    ) : null;
  const nothing = r && !r.keyTypo && [r.key, r.customer, r.order, r.device].every((l) => !l || l.length === 0);
  return (
    <>
      <PageHeader title="Search" subtitle={q ? `Results for “${q}”` : 'Type a license key, a customer, an order reference or a device'} />
      {state.error ? (
        <Text c="red">{message(state.error)}</Text>
      ) : !r ? (
        q.trim().length >= 2 ? (
          <Loading />
        ) : (
          <Empty>Type at least two characters in the search box above.</Empty>
        )
      ) : (
        <Stack>
          {r.keyTypo && (
            <Text c="orange" role="alert">
              That looks like a license key with one symbol wrong: read it back to the customer.
            </Text>
          )}
          {entitlements(r.key, 'License with this key', 'found-by-key')}
          {r.customer && r.customer.length > 0 && (
            <Card withBorder data-testid="found-customers">
              <Title order={4} mb="xs">
                Customers
              </Title>
              <Table aria-label="Customers found">
                <Table.Tbody>
                  {r.customer.map((c) => (
                    <Table.Tr key={c.id}>
                      <Table.Td>
                        <Anchor component={Link} to={`/customers/${c.id}`}>
                          {c.name}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>{c.email ?? ''}</Table.Td>
                      <Table.Td>{c.externalRef ?? ''}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Card>
          )}
          {entitlements(r.order, 'Licenses on this order', 'found-by-order')}
          {r.device && r.device.length > 0 && (
            <Card withBorder data-testid="found-devices">
              <Title order={4} mb="xs">
                Devices with this fingerprint
              </Title>
              <Table aria-label="Devices found">
                <Table.Tbody>
                  {r.device.map((a) => (
                    <Table.Tr key={a.id}>
                      <Table.Td>
                        <Anchor component={Link} to={`/entitlements/${a.entitlementId}`}>
                          {a.name ?? a.hostname ?? 'Unnamed device'}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>{names.customer(a.customerId) ?? a.customerId}</Table.Td>
                      <Table.Td>{a.platform ?? '—'}</Table.Td>
                      <Table.Td>{ago(a.lastSeenAt)}</Table.Td>
                      <Table.Td>
                        <StatusBadge status={a.state} />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Card>
          )}
          {nothing && <Empty>Nothing found: no license key, customer, order reference or device fingerprint matches.</Empty>}
        </Stack>
      )}
    </>
  );
}
