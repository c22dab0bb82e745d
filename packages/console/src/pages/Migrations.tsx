import { Button, Card, Checkbox, Group, Progress, Select, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { Migration, MigrationAnswer, Offering } from '@leasehold/contract';
import { all, get, post } from '../api';
import { useSession } from '../session';
import { fmtDate, Loaded, PagedTable, PageHeader, StatusBadge, useFormErrors, useLoad } from '../ui';

const IMPACT_LABELS: Record<string, string> = {
  entitlements: 'Entitlements moved',
  customers: 'Customers',
  activations: 'Devices affected',
  seatsRemoved: 'Seats removed',
  poolsOverLimit: 'Pools over the new limit',
  overridesKept: 'Overrides kept',
};

function Counts({ counts }: { counts: Record<string, number> }) {
  return (
    <SimpleGrid cols={{ base: 2, sm: 3 }}>
      {Object.entries(counts).map(([k, v]) => (
        <div key={k}>
          <Text size="xs" c="dimmed">
            {IMPACT_LABELS[k] ?? k}
          </Text>
          <Text fw={700}>{v}</Text>
        </div>
      ))}
    </SimpleGrid>
  );
}

/** A migration's live progress: polls until it completes or fails. */
function Running({ id, onFinished }: { id: string; onFinished: () => void }) {
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

export function Migrations() {
  const { can } = useSession();
  const offerings = useLoad(() => all<Offering>('/v1/offerings'), []);
  const [source, setSource] = useState<string | null>(null);
  const [target, setTarget] = useState<string | null>(null);
  const [removeSeats, setRemoveSeats] = useState(false);
  const [preview, setPreview] = useState<MigrationAnswer | null>(null);
  const [running, setRunning] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const form = useFormErrors();
  const body = (dryRun: boolean) => ({ sourceOfferingId: source, targetOfferingId: target, removeSeats, dryRun });
  return (
    <>
      <PageHeader title="Migrations" subtitle="Move every entitlement of one offering to another, with a dry run first" />
      <Loaded state={offerings}>
        {(list) => {
          const name = new Map(list.map((o) => [o.id, o.name]));
          const data = list.map((o) => ({ value: o.id, label: `${o.name} (${o.code})` }));
          return (
            <Stack>
              {can('write') && (
                <Card withBorder>
                  <SimpleGrid cols={{ base: 1, sm: 2 }}>
                    <Select
                      label="From offering"
                      data={data}
                      value={source}
                      onChange={(v) => (setSource(v), setPreview(null))}
                      error={form.fields['sourceOfferingId']}
                    />
                    <Select
                      label="To offering"
                      data={data}
                      value={target}
                      onChange={(v) => (setTarget(v), setPreview(null))}
                      error={form.fields['targetOfferingId']}
                    />
                  </SimpleGrid>
                  <Checkbox
                    mt="sm"
                    label="Remove all seats"
                    checked={removeSeats}
                    onChange={(e) => (setRemoveSeats(e.currentTarget.checked), setPreview(null))}
                  />
                  <form.FormError />
                  {preview && (
                    <Card withBorder mt="sm" bg="gray.0" aria-label="Migration preview">
                      <Title order={5} mb="xs">
                        Dry run: what would change
                      </Title>
                      <Counts counts={preview.impact} />
                    </Card>
                  )}
                  <Group justify="flex-end" mt="sm">
                    <Button
                      variant="light"
                      disabled={!source || !target}
                      loading={form.busy && !preview}
                      onClick={() => void form.submit(async () => setPreview(await post<MigrationAnswer>('/v1/migrations', body(true))))}
                    >
                      Preview
                    </Button>
                    <Button
                      disabled={!preview || !!running}
                      onClick={() =>
                        void form.submit(async () => {
                          const answer = await post<MigrationAnswer>('/v1/migrations', body(false));
                          setRunning(answer.migration?.id ?? null);
                          setPreview(null);
                        })
                      }
                    >
                      Run migration
                    </Button>
                  </Group>
                  {running && (
                    <Card withBorder mt="sm">
                      <Running id={running} onFinished={() => setVersion((v) => v + 1)} />
                    </Card>
                  )}
                </Card>
              )}
              <Card withBorder>
                <Title order={4} mb="sm">
                  History
                </Title>
                <PagedTable<Migration>
                  label="Migrations"
                  path="/v1/migrations"
                  version={version}
                  empty="No migrations yet."
                  columns={[
                    { label: 'Started', render: (m) => fmtDate(m.createdAt) },
                    { label: 'From', render: (m) => name.get(m.sourceOfferingId) ?? m.sourceOfferingId },
                    { label: 'To', render: (m) => name.get(m.targetOfferingId) ?? m.targetOfferingId },
                    { label: 'State', render: (m) => <StatusBadge status={m.state} /> },
                    { label: 'Progress', render: (m) => `${m.done}/${m.total}` },
                    { label: 'Finished', render: (m) => fmtDate(m.finishedAt) },
                  ]}
                />
              </Card>
            </Stack>
          );
        }}
      </Loaded>
    </>
  );
}
