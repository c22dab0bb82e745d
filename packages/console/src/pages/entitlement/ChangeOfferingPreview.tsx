import { Card, List, Table, Text, Title } from '@mantine/core';
import type { ChangeOfferingResult, EffectiveRights } from '@leasehold/contract';
import { featureValueText } from '../../naming';
import { useNames } from '../../names';
import { fmtDate, show } from '../../ui';

/** What a dry run of the change says: rights now and after (changed rows bold), devices that lose their seat, overrides, warnings. */
export function ChangeOfferingPreview({ before, preview }: { before: EffectiveRights; preview: ChangeOfferingResult }) {
  const names = useNames();
  const after = preview.entitlement.effective;
  const rows: (readonly [string, unknown, unknown])[] = [
    ['Seats', before.seats, after.seats],
    ['Seat model', before.seatModel, after.seatModel],
    ['Lease period', before.leasePeriod, after.leasePeriod],
    ['Ends', fmtDate(before.endsAt), fmtDate(after.endsAt)],
    ...[...new Set([...Object.keys(before.features), ...Object.keys(after.features)])].map(
      (c) =>
        [
          `${names.feature(preview.entitlement.productId, c) ?? 'Feature'} (${c})`,
          featureValueText(before.features[c]),
          featureValueText(after.features[c]),
        ] as const,
    ),
  ];
  return (
    <Card withBorder bg="gray.0" aria-label="Impact preview">
      <Title order={5} mb="xs">
        Impact preview
      </Title>
      <Table>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Right</Table.Th>
            <Table.Th>Now</Table.Th>
            <Table.Th>After</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map(([label, now, then]) => (
            <Table.Tr key={label} fw={show(now) !== show(then) ? 600 : undefined}>
              <Table.Td>{label}</Table.Td>
              <Table.Td>{show(now)}</Table.Td>
              <Table.Td>{show(then)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <List size="sm" mt="sm" spacing={4}>
        <List.Item>
          Devices losing their seat:{' '}
          {preview.removedActivations.length === 0
            ? 'none'
            : preview.removedActivations.map((a) => a.name ?? a.fingerprint.slice(0, 12)).join(', ')}
        </List.Item>
        <List.Item>Overrides kept: {preview.keptOverrides.length ? preview.keptOverrides.join(', ') : 'none'}</List.Item>
        {preview.droppedOverrides.length > 0 && <List.Item>Overrides dropped: {preview.droppedOverrides.join(', ')}</List.Item>}
        {preview.datesChanged && <List.Item>The term restarts (the license model changes).</List.Item>}
        {preview.warnings.map((w) => (
          <List.Item key={w.code}>
            <Text c="orange" size="sm" span>
              {w.message}
            </Text>
          </List.Item>
        ))}
      </List>
    </Card>
  );
}
