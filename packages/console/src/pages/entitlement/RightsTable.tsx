import { Badge, Table } from '@mantine/core';
import { featureValueText } from '../../naming';
import { fmtDate, show } from '../../ui';
import type { EntitlementDetail } from './load';

/** Every right side by side: what the offering gives, what this entitlement overrides, what holds now. */
export function RightsTable({ d }: { d: EntitlementDetail }) {
  const { entitlement: e, offering: o } = d;
  const ov = e.overrides;
  const rows: [string, unknown, unknown, unknown][] = [
    ['Status', '', undefined, e.effective.status],
    ['Starts', '', undefined, fmtDate(e.effective.startsAt)],
    ['Ends', '', undefined, e.effective.endsAt ? fmtDate(e.effective.endsAt) : 'never'],
    ['License model', o.licenseModel, undefined, e.effective.licenseModel],
    ['Seat model', o.seatModel, undefined, e.effective.seatModel],
    ['Seats', o.seats, ov.seats, e.effective.seats],
    ['Term', o.term ?? 'perpetual', ov.term, e.effective.term ?? 'perpetual'],
    ['Lease period', o.leasePeriod, ov.leasePeriod, e.effective.leasePeriod],
    ['Rehost limit', o.rehostLimit ?? 'none', ov.rehostLimit, e.effective.rehostLimit ?? 'none'],
    [
      'Maintenance',
      o.maintenanceTerm ?? '—',
      ov.maintenanceTerm,
      e.effective.maintenanceUntil ? `until ${fmtDate(e.effective.maintenanceUntil)}` : '—',
    ],
  ];
  const codes = [...new Set([...Object.keys(o.features), ...Object.keys(ov.features ?? {}), ...Object.keys(e.effective.features)])].sort();
  const featureName = new Map(d.features.map((f) => [f.code, f.name]));
  const metered = new Set(d.features.filter((f) => f.type === 'consumption').map((f) => f.code));
  // A consumption feature's plain number is a monthly quota: say so.
  const right = (code: string, v: unknown) =>
    metered.has(code) && typeof v === 'number' ? featureValueText({ limit: v }) : featureValueText(v);
  for (const code of codes)
    rows.push([
      `${featureName.get(code) ?? 'Feature'} (${code})`,
      right(code, o.features[code]),
      ov.features?.[code] === undefined ? undefined : right(code, ov.features[code]),
      right(code, e.effective.features[code]),
    ]);
  return (
    <Table.ScrollContainer minWidth={480}>
      <Table aria-label="Rights" striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Right</Table.Th>
            <Table.Th>Offering</Table.Th>
            <Table.Th>Override</Table.Th>
            <Table.Th>Effective</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map(([label, offering, override, effective]) => (
            <Table.Tr key={label} data-right={label}>
              <Table.Td>{label}</Table.Td>
              <Table.Td c="dimmed">{show(offering)}</Table.Td>
              <Table.Td>
                {override !== undefined && (
                  <Badge
                    color="violet"
                    variant="light"
                    style={{ maxWidth: 'none', textTransform: 'none' }}
                    styles={{ label: { overflow: 'visible' } }}
                  >
                    {show(override)}
                  </Badge>
                )}
              </Table.Td>
              <Table.Td fw={600}>{show(effective)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
