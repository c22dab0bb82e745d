import { Alert, Badge, Button, Group, Modal, Stack, Table, Text } from '@mantine/core';
import { useState } from 'react';
import type { Activation, ActivationPatch } from '@leasehold/contract';
import { del, patch } from '../../api';
import { ago, fmtDate, message, StatusBadge } from '../../ui';

/** The devices holding seats, with pinning (safe from seat cuts) and deactivation (frees the seat now). */
export function Activations({ activations, reload, writable }: { activations: Activation[]; reload: () => void; writable: boolean }) {
  const [error, setError] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<Activation | null>(null);
  const run = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      setConfirm(null);
      reload();
    } catch (err) {
      setError(message(err));
    }
  };
  if (activations.length === 0) return <Text c="dimmed">No device has activated this license yet.</Text>;
  return (
    <>
      {error && (
        <Alert color="red" role="alert" mb="xs">
          {error}
        </Alert>
      )}
      <Table.ScrollContainer minWidth={600}>
        <Table aria-label="Activations">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Device</Table.Th>
              <Table.Th>Platform</Table.Th>
              <Table.Th>Last seen</Table.Th>
              <Table.Th>State</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {activations.map((a) => (
              <Table.Tr key={a.id}>
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {a.name ?? a.hostname ?? 'Unnamed device'} {a.pinned && <Badge size="xs">pinned</Badge>}
                  </Text>
                  <Text size="xs" c="dimmed" title={a.fingerprint}>
                    {a.fingerprint.slice(0, 16)}… {a.user ? `· ${a.user}` : ''}
                  </Text>
                </Table.Td>
                <Table.Td>
                  {a.platform ?? '—'}
                  {a.version ? ` · v${a.version}` : ''}
                </Table.Td>
                <Table.Td title={fmtDate(a.lastSeenAt)}>{ago(a.lastSeenAt)}</Table.Td>
                <Table.Td>
                  <StatusBadge status={a.state} />
                </Table.Td>
                <Table.Td>
                  {writable && a.state === 'active' && (
                    <Group gap={4} wrap="nowrap">
                      <Button
                        size="compact-xs"
                        variant="default"
                        onClick={() => void run(() => patch(`/v1/activations/${a.id}`, { pinned: !a.pinned } satisfies ActivationPatch))}
                      >
                        {a.pinned ? 'Unpin' : 'Pin'}
                      </Button>
                      <Button size="compact-xs" variant="light" color="red" onClick={() => setConfirm(a)}>
                        Deactivate
                      </Button>
                    </Group>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Modal opened={!!confirm} onClose={() => setConfirm(null)} title="Deactivate this device?">
        <Stack>
          <Text size="sm">
            {confirm?.name ?? confirm?.fingerprint} loses its seat now; its current lease still works offline until it expires.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirm(null)}>
              Cancel
            </Button>
            <Button color="red" onClick={() => confirm && void run(() => del(`/v1/activations/${confirm.id}`))}>
              Deactivate
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
