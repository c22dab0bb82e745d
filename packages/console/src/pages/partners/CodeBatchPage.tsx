import { Anchor, Button, Card, Group, Modal, Progress, SimpleGrid, Stack, Table, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import type { CodeBatch, IssuedCode, Partner } from '@leasehold/contract';
import { get, post, type Page } from '../../api';
import { useNames } from '../../names';
import { useSession } from '../../session';
import { ErrorState, fmtDate, Loaded, PageHeader, StatusBadge, useFormErrors, useLoad } from '../../ui';
import { useWatch } from '../../watch';
import { CodeBatchState } from './Partners';

const SHOWN = 25;

/**
 * One code batch: its progress while the background job generates it (watched until it is
 * ready), its redemption figures, the download of every code as CSV, the first codes with their
 * state, and voiding (what is not redeemed yet can no longer be).
 */
export function CodeBatchPage() {
  const { id = '' } = useParams();
  const { can } = useSession();
  const names = useNames();
  const [voiding, setVoiding] = useState(false);
  const state = useLoad(async () => {
    const batch = await get<CodeBatch>(`/v1/code-batches/${id}`);
    const partner = await get<Partner>(`/v1/partners/${batch.partnerId}`);
    return { batch, partner };
  }, [id]);
  const batch = state.data?.batch;
  useWatch(batch?.state === 'pending' || batch?.state === 'generating', state.reload);
  const writer = can('write');
  return (
    <Loaded state={state}>
      {({ batch: b, partner }) => (
        <>
          <PageHeader
            title={`Codes for ${partner.name}`}
            subtitle={
              <>
                {names.offering(b.offeringId) ?? b.offeringId} · ordered {fmtDate(b.createdAt)} ·{' '}
                <Anchor component={Link} to="/partners" size="sm">
                  all partners
                </Anchor>
              </>
            }
            actions={
              writer && (
                <>
                  {b.state === 'ready' && (
                    <Button component="a" href={`/v1/code-batches/${b.id}/codes?format=csv`} download={`codes-${b.id}.csv`}>
                      Download CSV
                    </Button>
                  )}
                  {b.state !== 'voided' && (
                    <Button color="red" variant="light" onClick={() => setVoiding(true)}>
                      Void batch
                    </Button>
                  )}
                </>
              )
            }
          />
          <Stack>
            <Card withBorder>
              <Stack gap="xs">
                <Group justify="space-between">
                  <CodeBatchState batch={b} />
                  <Text size="sm" aria-label="Batch progress">
                    {b.generated} of {b.quantity} codes generated
                  </Text>
                </Group>
                <Progress value={b.progress * 100} aria-label="Generated" />
                <SimpleGrid cols={4} aria-label="Batch figures">
                  <Figure label="Issued" value={b.stats.issued} />
                  <Figure label="Redeemed" value={b.stats.redeemed} />
                  <Figure label="Outstanding" value={b.stats.outstanding} />
                  <Figure label="Voided" value={b.stats.voided} />
                </SimpleGrid>
                <Text size="sm" c="dimmed">
                  {b.expiresAt ? `The codes expire ${fmtDate(b.expiresAt)}.` : 'The codes never expire.'}
                  {Object.keys(b.overrides).length > 0 && ` Each entitlement gets ${JSON.stringify(b.overrides)}.`}
                </Text>
              </Stack>
            </Card>
            {writer && b.state !== 'pending' && <FirstCodes batch={b} />}
          </Stack>
          <VoidBatch opened={voiding} batch={b} onClose={() => setVoiding(false)} onVoided={() => (setVoiding(false), state.reload())} />
        </>
      )}
    </Loaded>
  );
}

function Figure({ label, value }: { label: string; value: number }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={600} data-figure={label.toLowerCase()}>
        {value}
      </Text>
    </div>
  );
}

/** The first codes of the batch, in serial order (the CSV has them all); reading them needs partners:write. */
function FirstCodes({ batch }: { batch: CodeBatch }) {
  const codes = useLoad(
    () => get<Page<IssuedCode>>(`/v1/code-batches/${batch.id}/codes?limit=${SHOWN}`),
    [batch.id, batch.generated, batch.state],
  );
  if (codes.error) return <ErrorState error={codes.error} />;
  const rows = codes.data?.data ?? [];
  return (
    <Card withBorder>
      <Text fw={600} mb="xs">
        First codes {batch.quantity > SHOWN ? `(${SHOWN} of ${batch.quantity}; the CSV has them all)` : ''}
      </Text>
      <Table striped aria-label="Codes">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Serial</Table.Th>
            <Table.Th>Code</Table.Th>
            <Table.Th>State</Table.Th>
            <Table.Th>Redeemed</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((c) => (
            <Table.Tr key={c.serial}>
              <Table.Td>{c.serial}</Table.Td>
              <Table.Td>
                <code>{c.code}</code>
              </Table.Td>
              <Table.Td>
                <StatusBadge status={c.state} />
              </Table.Td>
              <Table.Td>{fmtDate(c.redeemedAt)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Card>
  );
}

function VoidBatch(props: { opened: boolean; batch: CodeBatch; onClose: () => void; onVoided: () => void }) {
  const [reason, setReason] = useState('');
  const form = useFormErrors();
  return (
    <Modal opened={props.opened} onClose={props.onClose} title="Void the batch?">
      <Stack>
        <Text size="sm">
          The {props.batch.stats.outstanding} codes not yet redeemed can no longer be. The {props.batch.stats.redeemed} redeemed keep their
          entitlements.
        </Text>
        <TextInput label="Reason" value={reason} onChange={(e) => setReason(e.currentTarget.value)} />
        <form.FormError />
        <Group justify="flex-end">
          <Button variant="default" onClick={props.onClose}>
            Cancel
          </Button>
          <Button
            color="red"
            loading={form.busy}
            onClick={() =>
              void form.submit(async () => {
                await post(`/v1/code-batches/${props.batch.id}/void`, reason ? { reason } : {});
                props.onVoided();
              })
            }
          >
            Void batch
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
