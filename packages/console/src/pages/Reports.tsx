import { Anchor, Card, Group, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { Link } from 'react-router-dom';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { get, qs } from '../api';
import { drill } from './ReportBuilder';
import { Empty, Loaded, PageHeader, useLoad } from '../ui';
import { useUrlFilters } from '../url-state';

/** The built-in reports the server answers (GET /v1/reports/{name}), as the console names them. */
const REPORTS = [
  { value: 'activations', label: 'Activations and deactivations' },
  { value: 'deployment', label: 'Seats in use (high and low marks) and purchased' },
  { value: 'adoption', label: 'Adoption by version' },
  { value: 'rehosts', label: 'Rehosts' },
  { value: 'returns', label: 'Returns' },
  { value: 'trials', label: 'Trials started, converted, expired' },
  { value: 'renewals', label: 'Renewal candidates (ends ahead)' },
  { value: 'entitlements', label: 'Entitlement changes' },
  { value: 'usage', label: 'Usage per metered feature' },
  { value: 'downloads', label: 'Downloads' },
  { value: 'events', label: 'Every event' },
  { value: 'validations', label: 'Validation outcomes (who is refused, and why)' },
  { value: 'upgrades', label: 'Upgrade eligibility (at the end of the range)' },
];
const BY = ['product', 'platform', 'version', 'customer', 'entitlement', 'none'];
/** The groupings of the validations report (by code by default). */
const VALIDATION_BY = ['code', 'product', 'customer', 'none'];
const GRANULARITIES = ['hour', 'day', 'week', 'month'];
const COLORS = ['#0ca678', '#1098ad', '#f08c00', '#7048e8', '#e03131', '#868e96'];
const DAY = 86_400_000;

interface ReportAnswer {
  report: string;
  measures: string[];
  rows: Array<Record<string, string | number | null> & { period: string; key: string | null }>;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** A measure per period: summed over keys, except levels (seats in use, devices), which add up per key already. */
function series(a: ReportAnswer): Array<Record<string, number | string>> {
  const byPeriod = new Map<string, Record<string, number | string>>();
  for (const r of a.rows) {
    const p = byPeriod.get(r.period) ?? { period: r.period.slice(0, r.period.endsWith('T00:00:00.000Z') ? 10 : 16) };
    for (const m of a.measures) if (m !== 'share') p[m] = Number(p[m] ?? 0) + Number(r[m] ?? 0);
    byPeriod.set(r.period, p);
  }
  return [...byPeriod.values()];
}

/** The reports section: a built-in report over a range, charted per period, with its rows and a CSV export. */
export function Reports() {
  const [f, set] = useUrlFilters(['report', 'from', 'to', 'granularity', 'by'] as const);
  const report = f.report || 'activations';
  const renewals = report === 'renewals';
  // Renewal candidates look ahead; every other report looks back.
  const from = f.from || day(renewals ? Date.now() : Date.now() - 30 * DAY);
  const to = f.to || day(renewals ? Date.now() + 90 * DAY : Date.now() + DAY);
  const granularity = f.granularity || 'day';
  const validations = report === 'validations';
  const grouped = report === 'activations' || report === 'deployment' || validations;
  const params = {
    from: `${from}T00:00:00Z`,
    to: `${to}T00:00:00Z`,
    granularity,
    by: grouped && f.by ? f.by : undefined,
  };
  const path = `/v1/reports/${report}${qs(params)}`;
  const state = useLoad(() => get<ReportAnswer>(path), [path]);
  return (
    <>
      <PageHeader title="Reports" subtitle="Figures from the reporting store, fed from the event log" />
      <Stack>
        <Card withBorder>
          <Group align="end" wrap="wrap">
            <Select
              label="Report"
              data={REPORTS}
              value={report}
              onChange={(v) => set({ report: v, from: null, to: null, by: null })}
              allowDeselect={false}
              w={280}
            />
            <TextInput label="From" type="date" value={from} onChange={(e) => set({ from: e.currentTarget.value })} />
            <TextInput label="To" type="date" value={to} onChange={(e) => set({ to: e.currentTarget.value })} />
            <Select
              label="Granularity"
              data={GRANULARITIES}
              value={granularity}
              onChange={(v) => set({ granularity: v })}
              allowDeselect={false}
              w={120}
            />
            {grouped && (
              <Select
                label="By"
                data={validations ? VALIDATION_BY : BY}
                value={f.by || (validations ? 'code' : 'product')}
                onChange={(v) => set({ by: v })}
                allowDeselect={false}
                w={130}
              />
            )}
            <Anchor component={Link} to="/reports/custom">
              Custom report
            </Anchor>
            <Anchor component={Link} to="/reports/exports">
              Scheduled exports
            </Anchor>
            <Anchor href={`${path}&format=csv`} download data-testid="report-csv">
              Export CSV
            </Anchor>
          </Group>
        </Card>
        <Loaded state={state}>
          {(a) =>
            a.rows.length === 0 ? (
              <Empty>Nothing to count in this range.</Empty>
            ) : (
              <>
                <Card withBorder>
                  <Title order={4} mb="sm">
                    {REPORTS.find((r) => r.value === report)?.label}
                  </Title>
                  <div style={{ height: 280 }} aria-label="Report chart">
                    <ResponsiveContainer>
                      <LineChart data={series(a)}>
                        <CartesianGrid strokeDasharray="3 3" />
                        <XAxis dataKey="period" fontSize={11} />
                        <YAxis allowDecimals={false} fontSize={11} width={40} />
                        <Tooltip />
                        <Legend />
                        {a.measures
                          .filter((m) => m !== 'share')
                          .map((m, i) => (
                            <Line
                              key={m}
                              type="monotone"
                              dataKey={m}
                              stroke={COLORS[i % COLORS.length]}
                              dot={series(a).length < 3}
                              isAnimationActive={false}
                            />
                          ))}
                      </LineChart>
                    </ResponsiveContainer>
                  </div>
                </Card>
                <Card withBorder>
                  <Text size="sm" c="dimmed" mb="xs">
                    {a.rows.length} rows: one per period and key
                  </Text>
                  <Table aria-label="Report rows" striped>
                    <Table.Thead>
                      <Table.Tr>
                        <Table.Th>Period</Table.Th>
                        <Table.Th>Key</Table.Th>
                        {a.measures.map((m) => (
                          <Table.Th key={m}>{m}</Table.Th>
                        ))}
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {a.rows.slice(0, 500).map((r) => (
                        <Table.Tr key={`${r.period}|${r.key}`}>
                          <Table.Td>{r.period.slice(0, 16).replace('T', ' ')}</Table.Td>
                          <Table.Td>{drill(grouped ? f.by || 'product' : '', r.key)}</Table.Td>
                          {a.measures.map((m) => (
                            <Table.Td key={m}>{r[m]}</Table.Td>
                          ))}
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                </Card>
              </>
            )
          }
        </Loaded>
      </Stack>
    </>
  );
}
