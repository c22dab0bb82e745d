import { Button, Group, Progress, Stack, Table, Text, Title } from '@mantine/core';
import type { Activation, Entitlement, EntitlementUsageOut, Feature, QuotaStatusOut, UsageGroupOut } from '@leasehold/contract';
import { get, qs, type Page } from '../../api';
import { Empty, fmtDate, Loaded, useLoad } from '../../ui';

const overageText = (o: QuotaStatusOut['overage']): string =>
  o === 'block' ? 'blocks at the limit' : o === 'bill' ? 'bills beyond the limit' : `allows ${o.allowPercent} % more, then blocks`;

/**
 * The entitlement's usage now, as its devices see it: each consumption feature's quota in the running
 * period (used, limit, remaining, period end) with the total since the start, and each pool's size,
 * how many elements are checked out and by which devices.
 */
export function UsagePanel({ e, features, activations }: { e: Entitlement; features: Feature[]; activations: Activation[] }) {
  const state = useLoad(async () => {
    const from = new Date(Math.min(Date.parse(e.startsAt), Date.parse(e.createdAt))).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const [now, totals] = await Promise.all([
      get<EntitlementUsageOut>(`/v1/entitlements/${e.id}/usage`),
      get<Page<UsageGroupOut>>(`/v1/usage${qs({ entitlement: e.id, from, to, groupBy: 'feature' })}`),
    ]);
    return { now, totals: new Map(totals.data.map((g) => [g.feature, g])) };
  }, [e.id, e.version]);
  const feature = new Map(features.map((f) => [f.code, f]));
  const device = new Map(activations.map((a) => [a.id, a.name ?? a.hostname ?? a.fingerprint.slice(0, 12)]));
  return (
    <Stack gap="xs">
      <Group justify="space-between">
        <Title order={4}>Usage</Title>
        <Button size="compact-xs" variant="subtle" onClick={state.reload} loading={state.loading && state.data !== null}>
          Refresh
        </Button>
      </Group>
      <Loaded state={state}>
        {({ now, totals }) => {
          const quotas = Object.entries(now.quotas).sort(([a], [b]) => a.localeCompare(b));
          if (quotas.length === 0 && now.pools.length === 0)
            return <Empty>This license has no metered (consumption) or pool features.</Empty>;
          return (
            <Stack gap="sm">
              {quotas.length > 0 && (
                <Table.ScrollContainer minWidth={560}>
                  <Table aria-label="Quotas this period">
                    <Table.Thead>
                      <Table.Tr>
                        <Table.Th>Feature</Table.Th>
                        <Table.Th>Used this period</Table.Th>
                        <Table.Th>Remaining</Table.Th>
                        <Table.Th>Period ends</Table.Th>
                        <Table.Th>Since start</Table.Th>
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {quotas.map(([code, q]) => {
                        const unit = feature.get(code)?.unit ?? '';
                        const pct = q.limit > 0 ? Math.min(100, (q.used / q.limit) * 100) : q.used > 0 ? 100 : 0;
                        return (
                          <Table.Tr key={code} data-quota={code}>
                            <Table.Td>
                              <Text size="sm" fw={500}>
                                {feature.get(code)?.name ?? code}
                              </Text>
                              <Text size="xs" c="dimmed">
                                {overageText(q.overage)}
                              </Text>
                            </Table.Td>
                            <Table.Td miw={160}>
                              <Text size="sm" data-testid={`quota-${code}`}>
                                {q.used} / {q.limit} {unit}
                              </Text>
                              <Progress
                                value={pct}
                                color={pct >= 100 ? 'red' : pct >= 80 ? 'orange' : 'teal'}
                                size="sm"
                                aria-label={`${code}: ${q.used} of ${q.limit} used`}
                              />
                            </Table.Td>
                            <Table.Td>{q.remaining}</Table.Td>
                            <Table.Td>{fmtDate(q.periodEndsAt)}</Table.Td>
                            <Table.Td>
                              {totals.get(code)?.quantity ?? 0} {unit}
                              <Text size="xs" c="dimmed" span>
                                {' '}
                                ({totals.get(code)?.records ?? 0} records)
                              </Text>
                            </Table.Td>
                          </Table.Tr>
                        );
                      })}
                    </Table.Tbody>
                  </Table>
                </Table.ScrollContainer>
              )}
              {now.pools.length > 0 && (
                <Table.ScrollContainer minWidth={480}>
                  <Table aria-label="Pools">
                    <Table.Thead>
                      <Table.Tr>
                        <Table.Th>Pool</Table.Th>
                        <Table.Th>In use</Table.Th>
                        <Table.Th>Held by</Table.Th>
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {now.pools.map((p) => (
                        <Table.Tr key={p.feature} data-pool={p.feature}>
                          <Table.Td>{feature.get(p.feature)?.name ?? p.feature}</Table.Td>
                          <Table.Td>
                            <Text size="sm" c={p.inUse > p.limit ? 'red' : undefined}>
                              {p.inUse} / {p.limit} {feature.get(p.feature)?.unit ?? ''}
                              {p.inUse > p.limit ? ' (over the limit: only check-ins are accepted)' : ''}
                            </Text>
                          </Table.Td>
                          <Table.Td>
                            {p.holders.length === 0
                              ? '—'
                              : p.holders.map((h) => `${device.get(h.activationId) ?? h.fingerprint.slice(0, 12)} × ${h.count}`).join(', ')}
                          </Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                </Table.ScrollContainer>
              )}
            </Stack>
          );
        }}
      </Loaded>
    </Stack>
  );
}
