import { Group, List, Progress, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { Migration, MigrationAnswer } from '@leasehold/contract';
import { get } from '../../api';
import { useNames } from '../../names';
import { StatusBadge } from '../../ui';

const IMPACT_LABELS: Record<string, string> = {
  entitlements: 'Entitlements moved',
  customers: 'Customers',
  activations: 'Devices affected',
  seatsRemoved: 'Seats removed',
  poolsOverLimit: 'Pools over the new limit',
  overridesKept: 'Overrides kept',
  rekeyed: 'New license keys',
};

export function Counts({ counts }: { counts: Record<string, number> }) {
  return (
    <SimpleGrid cols={{ base: 2, sm: 3 }}>
      {Object.entries(counts).map(([k, v]) => (
        <div key={k} data-count={k}>
          <Text size="xs" c="dimmed">
            {IMPACT_LABELS[k] ?? k}
          </Text>
          <Text fw={700}>{v}</Text>
        </div>
      ))}
    </SimpleGrid>
  );
}

/** The customers a migration touches, by name (the server lists the first 200). */
export function AffectedCustomers({ answer }: { answer: MigrationAnswer }) {
  const names = useNames();
  const ids = answer.samples.customers;
  if (ids.length === 0) return <Text size="sm">No customer is affected.</Text>;
  const more = answer.impact.customers - ids.length;
  return (
    <Stack gap={4}>
      <Title order={6}>Affected customers</Title>
      <List size="sm" data-testid="affected-customers" style={{ columns: ids.length > 6 ? 2 : 1 }}>
        {ids.map((id) => (
          <List.Item key={id}>{names.customer(id) ?? id}</List.Item>
        ))}
      </List>
      {more > 0 && (
        <Text size="xs" c="dimmed">
          and {more} more
        </Text>
      )}
    </Stack>
  );
}

/** A migration's live progress: polls until it completes or fails. */
export function Running({ id, onFinished }: { id: string; onFinished: () => void }) {
  const [m, setM] = useState<Migration | null>(null);
  useEffect(() => {
    let stop = false;
    const tick = async () => {
      try {
        const next = await get<Migration>(`/v1/migrations/${id}`);
        if (stop) return;
        setM(next);
        if (next.state === 'completed' || next.state === 'failed') return onFinished();
      } catch {
        // try again on the next tick
      }
      if (!stop) setTimeout(tick, 700);
    };
    void tick();
    return () => {
      stop = true;
    };
  }, [id]);
  if (!m) return <Text size="sm">Starting…</Text>;
  return (
    <Stack gap="xs" aria-label="Migration progress">
      <Group justify="space-between">
        <StatusBadge status={m.state} />
        <Text size="sm">
          {m.done} of {m.total} done{m.skipped ? `, ${m.skipped} skipped` : ''}
          {m.failed ? `, ${m.failed} failed` : ''}
        </Text>
      </Group>
      <Progress
        value={Math.round(m.progress * 100)}
        animated={m.state === 'running' || m.state === 'pending'}
        size="lg"
        aria-label="progress"
      />
      {m.error && <Text c="red">{m.error}</Text>}
      {m.state === 'completed' && (
        <>
          <Title order={6}>Result</Title>
          <Counts counts={m.result} />
        </>
      )}
    </Stack>
  );
}
