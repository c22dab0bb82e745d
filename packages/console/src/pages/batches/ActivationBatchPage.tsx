import { Anchor, Button, Card, Group, Progress, SegmentedControl, Stack, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import type { ActivationBatch, ActivationBatchItem } from '@leasehold/contract';
import { get, qs, type Page } from '../../api';
import { useSession } from '../../session';
import { ErrorState, fmtDate, Loaded, PageHeader, StatusBadge, useLoad } from '../../ui';
import { useWatch } from '../../watch';
import { OutcomeBadge, resultsLine } from './ActivationBatches';

const SHOWN = 200;

/**
 * One activation batch: its progress while workers go through its devices (watched until it
 * completes), the outcomes and refusal codes counted, each device's result (the refused ones on
 * their own), and the offline lease files of the devices it activated.
 */
export function ActivationBatchPage() {
  const { id = '' } = useParams();
  const { can } = useSession();
  const state = useLoad(() => get<ActivationBatch>(`/v1/activation-batches/${id}`), [id]);
  const running = state.data?.state === 'pending' || state.data?.state === 'running';
  useWatch(running, state.reload);
  return (
    <Loaded state={state}>
      {(b) => (
        <>
          <PageHeader
            title={`Batch: ${b.action} ${b.total} devices`}
            subtitle={
              <>
                Entitlement{' '}
                <Anchor component={Link} to={`/entitlements/${b.entitlementId}`} size="sm">
                  {b.entitlementId}
                </Anchor>{' '}
                · created {fmtDate(b.createdAt)}
              </>
            }
            actions={
              can('write') &&
              b.state === 'completed' &&
              b.action !== 'deactivate' && (
                <Button component="a" href={`/v1/activation-batches/${b.id}/leases`} download={`leases-${b.id}.jsonl`}>
                  Download offline leases
                </Button>
              )
            }
          />
          <Stack>
            <Card withBorder>
              <Stack gap="xs">
                <Group justify="space-between">
                  <StatusBadge status={b.state} />
                  <Text size="sm" aria-label="Batch progress">
                    {b.done} of {b.total} devices done
                  </Text>
                </Group>
                <Progress value={b.progress * 100} aria-label="Done" />
                <Text fw={600} aria-label="Batch results">
                  {resultsLine(b)}
                </Text>
                {Object.keys(b.refusals).length > 0 && (
                  <Text size="sm" aria-label="Refusals">
                    Refused:{' '}
                    {Object.entries(b.refusals)
                      .map(([code, n]) => `${code} ${n}`)
                      .join(', ')}
                  </Text>
                )}
                {b.error && (
                  <Text size="sm" c="red">
                    {b.error}
                  </Text>
                )}
              </Stack>
            </Card>
            <Items batch={b} />
          </Stack>
        </>
      )}
    </Loaded>
  );
}

function Items({ batch }: { batch: ActivationBatch }) {
  const [only, setOnly] = useState<'all' | 'refused'>('all');
  const items = useLoad(
    () =>
      get<Page<ActivationBatchItem>>(
        `/v1/activation-batches/${batch.id}/items${qs({ limit: SHOWN, outcome: only === 'refused' && 'refused' })}`,
      ),
    [batch.id, batch.done, only],
  );
  if (items.error) return <ErrorState error={items.error} />;
  const rows = items.data?.data ?? [];
  return (
    <Card withBorder>
      <Group justify="space-between" mb="xs">
        <Text fw={600}>Devices{batch.total > SHOWN ? ` (the first ${SHOWN})` : ''}</Text>
        <SegmentedControl
          size="xs"
          value={only}
          onChange={(v) => setOnly(v as typeof only)}
          data={[
            { value: 'all', label: 'All' },
            { value: 'refused', label: `Refused (${batch.results.refused})` },
          ]}
        />
      </Group>
      <Table striped aria-label="Batch devices">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Line</Table.Th>
            <Table.Th>Fingerprint</Table.Th>
            <Table.Th>Outcome</Table.Th>
            <Table.Th>Code</Table.Th>
            <Table.Th>Why</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((i) => (
            <Table.Tr key={i.line}>
              <Table.Td>{i.line}</Table.Td>
              <Table.Td>
                <code>{i.fingerprint}</code>
              </Table.Td>
              <Table.Td>
                <OutcomeBadge outcome={i.outcome} />
              </Table.Td>
              <Table.Td>{i.code ?? ''}</Table.Td>
              <Table.Td>{i.message ?? ''}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Card>
  );
}
