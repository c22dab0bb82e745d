import { Stack, Table, Text } from '@mantine/core';
import type { EntitlementPropagationOut } from '@leasehold/contract';
import { fmtDate, fmtWeekdayTime } from '../../ui';

/**
 * How far the entitlement's latest change (its own, or its offering's) has reached its devices:
 * "reached 7 of 12 devices; all by Fri 10:00 at the latest". Devices counted are those running on
 * an unexpired lease; stopped ones (no unexpired lease) grant nothing and are named apart.
 */
export function propagationSentence(p: EntitlementPropagationOut): string {
  const running = p.held + p.behind;
  const n = (x: number) => x.toLocaleString();
  let sentence =
    running === 0
      ? 'No device is running on a lease'
      : p.behind === 0
        ? `Reached all ${n(running)} ${running === 1 ? 'device' : 'devices'}`
        : `Reached ${n(p.held)} of ${n(running)} devices; all by ${fmtWeekdayTime(p.allBy)} at the latest`;
  if (p.stopped > 0) sentence += ` (${n(p.stopped)} stopped: no unexpired lease)`;
  return `${sentence}.`;
}

const STANDING: Record<string, string> = { held: 'Holds the change', behind: 'Behind', stopped: 'Stopped' };

export function Propagation({ p }: { p: EntitlementPropagationOut | null }) {
  if (p === null) return <Text c="dimmed">Propagation is not available to this key.</Text>;
  if (p.devices === 0) return <Text c="dimmed">No devices yet.</Text>;
  const version = (d: EntitlementPropagationOut['items'][number]) =>
    d.rightsVersion ? `v${d.rightsVersion.entitlementVersion} · offering v${d.rightsVersion.offeringVersion}` : '—';
  return (
    <Stack gap="xs">
      <Text data-testid="propagation-sentence">{propagationSentence(p)}</Text>
      <Table.ScrollContainer minWidth={560}>
        <Table aria-label="Propagation">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Device</Table.Th>
              <Table.Th>Rights version</Table.Th>
              <Table.Th>Last seen</Table.Th>
              <Table.Th>Lease expires</Table.Th>
              <Table.Th>Standing</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {p.items.map((d) => (
              <Table.Tr key={d.activationId}>
                <Table.Td>{d.name ?? d.fingerprint.slice(0, 12)}</Table.Td>
                <Table.Td>{version(d)}</Table.Td>
                <Table.Td>{fmtDate(d.lastSeenAt)}</Table.Td>
                <Table.Td>{fmtDate(d.leaseExpiresAt)}</Table.Td>
                <Table.Td>{STANDING[d.standing]}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}
