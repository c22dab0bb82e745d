import { Anchor, Button, Card, Group, MultiSelect, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { del, get, patch, post, type Page } from '../api';
import { useSession } from '../session';
import { Loaded, PageHeader, useLoad } from '../ui';
import { useUrlFilters } from '../url-state';
import { BuilderChart } from './reports/BuilderChart';
import { DimensionFilter } from './reports/DimensionFilter';
import { DIMENSIONS, MEASURES } from './reports/model';

/** The dimensions filtered by a list of the values the store holds (customers and products by name, above them). */
const VALUE_FILTERS = DIMENSIONS.filter((d) => d !== 'customer' && d !== 'product');
/** A dimension's filter in the URL: `fplatform=linux,windows`. */
const FILTER_KEYS = DIMENSIONS.map((d) => `f${d}` as const);
type FilterKey = (typeof FILTER_KEYS)[number];
const GRANULARITIES = ['hour', 'day', 'week', 'month', 'none'];
const DAY = 86_400_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const list = (s: string) => (s ? s.split(',').filter(Boolean) : []);

type Row = Record<string, string | number | null>;
interface Answer {
  measures: string[];
  dimensions: string[];
  rows: Row[];
  truncated: boolean;
}
interface Query {
  measures: string[];
  dimensions: string[];
  filters: Array<{ dimension: string; values: string[] }>;
  granularity: string;
}
export interface Saved {
  id: string;
  name: string;
  query: Query;
}

/** The builder's URL parameters that open a saved report's query. */
function paramsOfSaved(s: Saved) {
  const fv = (d: string) => s.query.filters?.find((x) => x.dimension === d)?.values.join(',') ?? null;
  const filters = Object.fromEntries(DIMENSIONS.map((d) => [`f${d}`, fv(d)])) as Record<FilterKey, string | null>;
  return {
    m: s.query.measures.join(','),
    d: (s.query.dimensions ?? []).join(','),
    ...filters,
    granularity: s.query.granularity ?? 'day',
    saved: s.id,
  };
}

/** A link to the builder showing a saved report (its query over the default range). */
export function savedReportHref(s: Saved): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(paramsOfSaved(s))) if (v) q.set(k, v);
  return `/reports/custom?${q.toString()}`;
}

/** Where a dimension's value leads: a customer to its page, a product to its page, an entitlement to its page. */
export function drill(dimension: string, value: string | number | null) {
  if (value === null || value === '') return '—';
  const to = { customer: 'customers', product: 'products', entitlement: 'entitlements' }[dimension];
  return to ? <Link to={`/${to}/${String(value)}`}>{String(value)}</Link> : String(value);
}

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
function toCsv(a: Answer): string {
  const cols = ['period', ...a.dimensions, ...a.measures];
  return [cols.join(','), ...a.rows.map((r) => cols.map((c) => csvCell(r[c])).join(','))].join('\n');
}

/** The custom report builder: measures × dimensions of the model, filters, a range; run, export, save. */
export function ReportBuilder() {
  const { can } = useSession();
  const [f, set] = useUrlFilters(['m', 'd', ...FILTER_KEYS, 'from', 'to', 'granularity', 'saved'] as const);
  const query: Query = {
    measures: list(f.m).length ? list(f.m) : ['activations'],
    dimensions: list(f.d),
    filters: DIMENSIONS.filter((d) => f[`f${d}`]).map((d) => ({ dimension: d, values: list(f[`f${d}`]) })),
    granularity: f.granularity || 'day',
  };
  const from = f.from || day(Date.now() - 30 * DAY);
  const to = f.to || day(Date.now() + DAY);
  const body = { ...query, from: `${from}T00:00:00Z`, to: `${to}T00:00:00Z` };
  const key = JSON.stringify(body);
  const state = useLoad(() => post<Answer>('/v1/reports/query', body), [key]);
  const customers = useLoad(() => get<Page<{ id: string; name: string }>>('/v1/customers?limit=100'), []);
  const products = useLoad(() => get<Page<{ id: string; name: string }>>('/v1/products?limit=100'), []);
  const [savedTick, setSavedTick] = useState(0);
  const saved = useLoad(() => get<Page<Saved>>('/v1/saved-reports?limit=100'), [savedTick]);
  const [name, setName] = useState('');
  const options = (s: typeof customers) => (s.data?.data ?? []).map((x) => ({ value: x.id, label: x.name }));
  const open = (s: Saved) => {
    set(paramsOfSaved(s));
  };
  return (
    <>
      <PageHeader title="Custom report" subtitle="Measures and dimensions of the reporting store's model" />
      <Stack>
        <Card withBorder>
          <Group align="end" wrap="wrap">
            <MultiSelect
              label="Measures"
              data={MEASURES}
              value={query.measures}
              onChange={(v) => set({ m: v.join(',') })}
              w={320}
              aria-label="Measures"
            />
            <MultiSelect
              label="Dimensions"
              data={[...DIMENSIONS]}
              value={query.dimensions}
              onChange={(v) => set({ d: v.join(',') })}
              w={260}
              aria-label="Dimensions"
            />
            <MultiSelect
              label="Customers"
              data={options(customers)}
              value={list(f.fcustomer)}
              onChange={(v) => set({ fcustomer: v.join(',') })}
              w={220}
              searchable
            />
            <MultiSelect
              label="Products"
              data={options(products)}
              value={list(f.fproduct)}
              onChange={(v) => set({ fproduct: v.join(',') })}
              w={220}
              searchable
            />
            <TextInput label="From" type="date" value={from} onChange={(e) => set({ from: e.currentTarget.value })} />
            <TextInput label="To" type="date" value={to} onChange={(e) => set({ to: e.currentTarget.value })} />
            <Select
              label="Granularity"
              data={GRANULARITIES}
              value={query.granularity}
              onChange={(v) => set({ granularity: v })}
              allowDeselect={false}
              w={110}
            />
            <Anchor component={Link} to="/reports/exports">
              Scheduled exports
            </Anchor>
          </Group>
          <Group align="end" wrap="wrap" mt="sm" aria-label="Filters">
            {VALUE_FILTERS.map((d) => (
              <DimensionFilter
                key={d}
                dimension={d}
                from={body.from}
                to={body.to}
                value={list(f[`f${d}`])}
                onChange={(v) => set({ [`f${d}`]: v.join(',') })}
              />
            ))}
          </Group>
          {can('write') && (
            <Group align="end" mt="sm">
              <TextInput label="Save as" value={name} onChange={(e) => setName(e.currentTarget.value)} aria-label="Report name" />
              <Button
                data-testid="save-report"
                disabled={!name.trim()}
                onClick={async () => {
                  const s = await post<Saved>('/v1/saved-reports', { name: name.trim(), query });
                  setName('');
                  setSavedTick((t) => t + 1);
                  set({ saved: s.id });
                }}
              >
                Save
              </Button>
            </Group>
          )}
        </Card>
        <Loaded state={state}>
          {(a) => (
            <BuilderChart
              rows={a.rows}
              measures={a.measures}
              dimensions={a.dimensions}
              from={Date.parse(body.from)}
              to={Date.parse(body.to)}
              granularity={query.granularity}
            />
          )}
        </Loaded>
        <Loaded state={state}>
          {(a) => (
            <Card withBorder>
              <Group justify="space-between" mb="xs">
                <Text size="sm" c="dimmed">
                  {a.rows.length} rows{a.truncated ? ' (truncated: narrow the range or the dimensions)' : ''}
                </Text>
                <Anchor
                  data-testid="builder-csv"
                  download="report.csv"
                  href={`data:text/csv;charset=utf-8,${encodeURIComponent(toCsv(a))}`}
                >
                  Export CSV
                </Anchor>
              </Group>
              <Table aria-label="Query rows" striped>
                <Table.Thead>
                  <Table.Tr>
                    {a.rows[0] && 'period' in a.rows[0] && <Table.Th>Period</Table.Th>}
                    {a.dimensions.map((d) => (
                      <Table.Th key={d}>{d}</Table.Th>
                    ))}
                    {a.measures.map((m) => (
                      <Table.Th key={m}>{m}</Table.Th>
                    ))}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {a.rows.slice(0, 500).map((r, i) => (
                    <Table.Tr key={i}>
                      {'period' in r && (
                        <Table.Td>
                          {String(r.period ?? '')
                            .slice(0, 16)
                            .replace('T', ' ')}
                        </Table.Td>
                      )}
                      {a.dimensions.map((d) => (
                        <Table.Td key={d}>{drill(d, r[d] ?? null)}</Table.Td>
                      ))}
                      {a.measures.map((m) => (
                        <Table.Td key={m}>{r[m]}</Table.Td>
                      ))}
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Card>
          )}
        </Loaded>
        <Card withBorder>
          <Text fw={600} mb="xs">
            Saved reports
          </Text>
          <Loaded state={saved}>
            {(p) => (
              <Table aria-label="Saved reports">
                <Table.Tbody>
                  {p.data.map((s) => (
                    <Table.Tr key={s.id} bg={f.saved === s.id ? 'var(--mantine-color-gray-1)' : undefined}>
                      <Table.Td>{s.name}</Table.Td>
                      <Table.Td>
                        <Group gap="xs">
                          <Button size="xs" variant="light" onClick={() => open(s)}>
                            Open
                          </Button>
                          {can('write') && (
                            <>
                              <Button
                                size="xs"
                                variant="subtle"
                                onClick={async () => {
                                  const n = window.prompt('New name', s.name);
                                  if (n?.trim()) await patch(`/v1/saved-reports/${s.id}`, { name: n.trim() });
                                  setSavedTick((t) => t + 1);
                                }}
                              >
                                Rename
                              </Button>
                              <Button
                                size="xs"
                                color="red"
                                variant="subtle"
                                onClick={async () => {
                                  await del(`/v1/saved-reports/${s.id}`);
                                  if (f.saved === s.id) set({ saved: null });
                                  setSavedTick((t) => t + 1);
                                }}
                              >
                                Delete
                              </Button>
                            </>
                          )}
                        </Group>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Loaded>
          <Text size="xs" c="dimmed" mt="xs">
            Open a saved report to run it over the range above.
          </Text>
        </Card>
      </Stack>
    </>
  );
}
