import { Anchor, Card, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { Link } from 'react-router-dom';
import type { Customer, Entitlement, Event as EventRecord, Offering, Product } from '@leasehold/contract';
import { all, get, post, qs, type Page } from '../api';
import { Empty, fmtDay, Loaded, PageHeader, StatusBadge, useLoad } from '../ui';
import { EventTable } from './Events';
import { GettingStarted, type Progress } from './GettingStarted';

const DAY = 86_400_000;
const YEAR = 365 * DAY;

type Rows<K extends string> = { rows: Array<Record<K, number>> };
const sum = <K extends string>(a: Rows<K>, m: K) => a.rows.reduce((n, r) => n + Number(r[m] ?? 0), 0);
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Monday 00:00 UTC of the current ISO week: the reports' weeks start there. */
function weekStart(now: number): number {
  const day = Math.floor(now / DAY) * DAY;
  return day - ((new Date(day).getUTCDay() + 6) % 7) * DAY;
}

/**
 * The dashboard's headline figures, each the answer of a built-in report of the reporting store
 * (so a figure and the report it links to agree): devices in use now, activations of the last 30
 * days and of this week, validations refused in the last 30 days.
 */
async function storeFigures(now: number) {
  const since = now - 30 * DAY;
  const tomorrow = Math.floor(now / DAY) * DAY + DAY;
  const monday = weekStart(now);
  // Seats in use carry over from the first event on; a level with no change in the range shows no row,
  // so look back as far as the reports allow (three years) and take the latest period's closing level.
  const deployFrom = Math.floor((now - 3 * YEAR + DAY) / DAY) * DAY;
  const range = (from: number, to: number) => ({ from: new Date(from).toISOString(), to: new Date(to).toISOString() });
  const [activations30, thisWeek, deployment, validations] = await Promise.all([
    post<Rows<'activations'>>('/v1/reports/query', { measures: ['activations'], granularity: 'none', ...range(since, tomorrow) }),
    get<Rows<'activations'>>(`/v1/reports/activations${qs({ by: 'none', granularity: 'week', ...range(monday, monday + 7 * DAY) })}`),
    get<Rows<'end'>>(`/v1/reports/deployment${qs({ by: 'none', granularity: 'month', ...range(deployFrom, tomorrow) })}`),
    get<Rows<'refused'>>(`/v1/reports/validations${qs({ by: 'none', ...range(since, tomorrow) })}`),
  ]);
  return {
    activations30: sum(activations30, 'activations'),
    activationsWeek: sum(thisWeek, 'activations'),
    devicesNow: Number(deployment.rows.at(-1)?.end ?? 0),
    refused30: sum(validations, 'refused'),
    // Where each figure's report lives in the console, over the same range.
    links: {
      activations30: `/reports${qs({ report: 'activations', from: dayOf(since), to: dayOf(tomorrow) })}`,
      activationsWeek: `/reports${qs({ report: 'activations', granularity: 'week', from: dayOf(monday), to: dayOf(monday + 7 * DAY) })}`,
      devicesNow: `/reports${qs({ report: 'deployment', by: 'none', granularity: 'month', from: dayOf(deployFrom), to: dayOf(tomorrow) })}`,
      refused30: `/reports${qs({ report: 'validations', by: 'code', from: dayOf(since), to: dayOf(tomorrow) })}`,
    },
  };
}

async function loadDashboard() {
  const since = new Date(Date.now() - 30 * DAY).toISOString();
  const [products, entitlements, activationEvents, recent, customers, offerings, everActivated] = await Promise.all([
    all<Product>('/v1/products'),
    all<Entitlement>('/v1/entitlements'),
    all<EventRecord>(`/v1/events${qs({ type: 'activation.*', from: since })}`, 5000),
    get<Page<EventRecord>>('/v1/events?limit=8'),
    all<Customer>('/v1/customers'),
    all<Offering>('/v1/offerings'),
    get<Page<EventRecord>>('/v1/events?type=activation.created&limit=1'),
  ]);
  // The headline figures come from the reporting store (the lists above still feed the chart and tables).
  const [store, status] = await Promise.all([storeFigures(Date.now()), get<{ lagMs: number }>('/v1/reports/status')]);
  const offeringName = new Map(offerings.map((o) => [o.id, o.name]));
  const progress: Progress = {
    productCode: products[0]?.code ?? null,
    products: products.length,
    offerings: offerings.length,
    customers: customers.length,
    entitlements: entitlements.length,
    activations: everActivated.data.length,
    firstEntitlementId: entitlements[0]?.id ?? null,
    firstCustomerId: customers[0]?.id ?? null,
  };
  const productName = new Map(products.map((p) => [p.id, p.name]));
  const customerName = new Map(customers.map((c) => [c.id, c.name]));

  const byProduct = new Map<string, { product: string; entitlements: number; activations: number }>();
  const row = (id: string | null) => {
    const key = id ?? 'none';
    let r = byProduct.get(key);
    if (!r) byProduct.set(key, (r = { product: productName.get(key) ?? key, entitlements: 0, activations: 0 }));
    return r;
  };
  for (const e of entitlements) if (e.effective.status === 'active') row(e.productId).entitlements++;
  for (const ev of activationEvents) if (ev.type === 'activation.created') row(ev.productId).activations++;

  const days: { day: string; activations: number; deactivations: number }[] = [];
  const start = Math.floor((Date.now() - 29 * DAY) / DAY) * DAY;
  for (let t = start; t <= Date.now(); t += DAY)
    days.push({ day: new Date(t).toISOString().slice(5, 10), activations: 0, deactivations: 0 });
  for (const ev of activationEvents) {
    const i = Math.floor((Date.parse(ev.at) - start) / DAY);
    const d = days[i];
    if (!d) continue;
    if (ev.type === 'activation.created') d.activations++;
    if (ev.type === 'activation.deactivated' || ev.type === 'activation.released') d.deactivations++;
  }

  const soon = Date.now() + 30 * DAY;
  const ending = entitlements
    .filter((e) => e.effective.status === 'active' && e.effective.endsAt && Date.parse(e.effective.endsAt) < soon)
    .sort((a, b) => Date.parse(a.effective.endsAt!) - Date.parse(b.effective.endsAt!))
    .slice(0, 10);

  return {
    byProduct: [...byProduct.values()],
    days,
    ending,
    recent: recent.data,
    customerName,
    offeringName,
    progress,
    store,
    totals: {
      products: products.length,
      customers: customers.length,
      entitlements: entitlements.filter((e) => e.effective.status === 'active').length,
      lagMs: status.lagMs,
    },
  };
}

export function Dashboard() {
  const state = useLoad(loadDashboard, []);
  return (
    <>
      <PageHeader title="Dashboard" subtitle="Rights held, devices in use and what changed lately" />
      <Loaded state={state}>
        {(d) => (
          <Stack>
            {d.progress.activations === 0 && <GettingStarted p={d.progress} />}
            {d.totals.lagMs > 0 && (
              <Text size="sm" c="dimmed" data-testid="reporting-lag">
                Reporting store {Math.round(d.totals.lagMs / 1000)} s behind the event log
              </Text>
            )}
            <SimpleGrid cols={{ base: 2, md: 4 }}>
              {(
                [
                  ['Products', d.totals.products, '/products'],
                  ['Customers', d.totals.customers, '/customers'],
                  ['Active entitlements', d.totals.entitlements, '/entitlements'],
                  ['Devices in use now', d.store.devicesNow, d.store.links.devicesNow],
                  ['Activations (30 days)', d.store.activations30, d.store.links.activations30],
                  ['Activations this week', d.store.activationsWeek, d.store.links.activationsWeek],
                  ['Validations refused (30 days)', d.store.refused30, d.store.links.refused30],
                ] as const
              ).map(([label, value, to]) => (
                <Card withBorder key={label} component={Link} to={to} data-figure={label} style={{ textDecoration: 'none' }}>
                  <Text size="sm" c="dimmed">
                    {label}
                  </Text>
                  <Text fw={700} size="xl">
                    {value}
                  </Text>
                </Card>
              ))}
            </SimpleGrid>
            <SimpleGrid cols={{ base: 1, lg: 2 }}>
              <Card withBorder>
                <Title order={4} mb="sm">
                  Activations over 30 days
                </Title>
                <div style={{ height: 240 }} aria-label="Activations per day chart">
                  <ResponsiveContainer>
                    <LineChart data={d.days}>
                      <CartesianGrid strokeDasharray="3 3" />
                      <XAxis dataKey="day" fontSize={11} />
                      <YAxis allowDecimals={false} fontSize={11} width={30} />
                      <Tooltip />
                      <Legend />
                      <Line type="monotone" dataKey="activations" stroke="#0ca678" strokeWidth={2} dot={false} isAnimationActive={false} />
                      <Line type="monotone" dataKey="deactivations" stroke="#868e96" dot={false} isAnimationActive={false} />
                    </LineChart>
                  </ResponsiveContainer>
                </div>
              </Card>
              <Card withBorder>
                <Title order={4} mb="sm">
                  By product
                </Title>
                {d.byProduct.length === 0 ? (
                  <Empty>No products with entitlements yet.</Empty>
                ) : (
                  <div style={{ height: 240 }} aria-label="Entitlements and activations by product chart">
                    <ResponsiveContainer>
                      <BarChart data={d.byProduct}>
                        <CartesianGrid strokeDasharray="3 3" />
                        <XAxis dataKey="product" fontSize={11} />
                        <YAxis allowDecimals={false} fontSize={11} width={30} />
                        <Tooltip />
                        <Legend />
                        <Bar dataKey="entitlements" name="active entitlements" fill="#1098ad" isAnimationActive={false} />
                        <Bar dataKey="activations" name="activations (30 d)" fill="#0ca678" isAnimationActive={false} />
                      </BarChart>
                    </ResponsiveContainer>
                  </div>
                )}
              </Card>
            </SimpleGrid>
            <Card withBorder>
              <Title order={4} mb="sm">
                Terms ending in the next 30 days
              </Title>
              {d.ending.length === 0 ? (
                <Empty>No active entitlement ends in the next 30 days.</Empty>
              ) : (
                <Table aria-label="Terms ending">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Customer</Table.Th>
                      <Table.Th>Offering</Table.Th>
                      <Table.Th>Order</Table.Th>
                      <Table.Th>Ends</Table.Th>
                      <Table.Th>Status</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {d.ending.map((e) => (
                      <Table.Tr key={e.id}>
                        <Table.Td>
                          <Anchor component={Link} to={`/entitlements/${e.id}`}>
                            {d.customerName.get(e.customerId) ?? e.customerId}
                          </Anchor>
                        </Table.Td>
                        <Table.Td>{d.offeringName.get(e.offeringId) ?? e.offeringId}</Table.Td>
                        <Table.Td>{e.orderRef ?? '—'}</Table.Td>
                        <Table.Td>{fmtDay(e.effective.endsAt)}</Table.Td>
                        <Table.Td>
                          <StatusBadge status={e.effective.status} />
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              )}
            </Card>
            <Card withBorder>
              <Group justify="space-between" mb="sm">
                <Title order={4}>Recent events</Title>
                <Anchor component={Link} to="/events" size="sm">
                  All events
                </Anchor>
              </Group>
              <EventTable events={d.recent} />
            </Card>
          </Stack>
        )}
      </Loaded>
    </>
  );
}
