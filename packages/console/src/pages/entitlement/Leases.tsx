import { Table, Text } from '@mantine/core';
import type { Activation, LeaseRecordOut } from '@leasehold/contract';
import { fmtDate } from '../../ui';

/** The latest leases issued, named by their device so support can see who refreshed when. */
export function Leases({ leases, activations }: { leases: LeaseRecordOut[]; activations: Activation[] }) {
  if (leases.length === 0) return <Text c="dimmed">No leases issued yet.</Text>;
  const name = new Map(activations.map((a) => [a.id, a.name ?? a.hostname ?? a.fingerprint.slice(0, 12)]));
  return (
    <Table.ScrollContainer minWidth={480}>
      <Table aria-label="Leases">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Device</Table.Th>
            <Table.Th>Issued</Table.Th>
            <Table.Th>Refresh after</Table.Th>
            <Table.Th>Expires</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {leases.map((l) => (
            <Table.Tr key={l.id}>
              <Table.Td>{name.get(l.activationId) ?? l.activationId}</Table.Td>
              <Table.Td>{fmtDate(l.issuedAt)}</Table.Td>
              <Table.Td>{fmtDate(l.refreshAfter)}</Table.Td>
              <Table.Td>{fmtDate(l.expiresAt)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
