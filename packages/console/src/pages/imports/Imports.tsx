import { Alert, Badge, Button, Card, FileInput, Group, Select, Stack, Table, Text } from '@mantine/core';
import { useState } from 'react';
import type { ImportKind, ImportReport } from '@leasehold/contract';
import { upload, type ApiError } from '../../api';
import { useSession } from '../../session';
import { PageHeader } from '../../ui';

const KINDS: { value: ImportKind; label: string; columns: string }[] = [
  { value: 'customers', label: 'Customers', columns: 'externalRef, name, email, metadata.<key>' },
  {
    value: 'entitlements',
    label: 'Entitlements',
    columns: 'externalRef, customer, offering, key, orderRef, startsAt, endsAt, seats, metadata.<key>',
  },
  { value: 'activations', label: 'Activations (devices)', columns: 'entitlement, fingerprint, name, platform, hostname, user' },
];

const COLOR: Record<string, string> = { created: 'green', updated: 'blue', unchanged: 'gray', refused: 'red' };

/**
 * CSV imports: the file is tried first (a dry run, which changes nothing) and its rows shown as
 * they would come out — created, updated, unchanged, refused with the line, the code and the
 * column — and only then imported. Rows are matched by externalRef, so importing again is safe.
 */
export function Imports() {
  const { can } = useSession();
  const [kind, setKind] = useState<ImportKind>('customers');
  const [file, setFile] = useState<File | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const send = async (dryRun: boolean) => {
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      setReport(await upload<ImportReport>(`/v1/imports?kind=${kind}${dryRun ? '&dryRun=true' : ''}`, file, 'text/csv'));
    } catch (e) {
      setReport(null);
      setError(`${(e as ApiError).body?.code ?? 'ERROR'}: ${(e as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  const c = report?.counts;
  return (
    <>
      <PageHeader title="Imports" subtitle="Customers, entitlements and devices from a CSV file: a dry run first, then the import" />
      <Stack>
        <Card withBorder>
          <Stack>
            <Group align="end">
              <Select
                label="The file holds"
                data={KINDS.map((k) => ({ value: k.value, label: k.label }))}
                value={kind}
                onChange={(v) => {
                  setKind((v as ImportKind) ?? 'customers');
                  setReport(null);
                }}
                allowDeselect={false}
              />
              <FileInput
                label="CSV file"
                placeholder="Choose a .csv file"
                accept=".csv,text/csv"
                value={file}
                onChange={(f) => {
                  setFile(f);
                  setReport(null);
                }}
                w={320}
              />
              <Button variant="default" disabled={!file || busy} onClick={() => void send(true)}>
                Dry run
              </Button>
              {can('write') && (
                <Button disabled={!file || busy || !report?.dryRun} onClick={() => void send(false)}>
                  Import
                </Button>
              )}
            </Group>
            <Text size="sm" c="dimmed">
              Columns: {KINDS.find((k) => k.value === kind)!.columns}. Each row is imported or refused on its own.
            </Text>
          </Stack>
        </Card>
        {error && <Alert color="red">{error}</Alert>}
        {report && c && (
          <Card withBorder>
            <Text fw={600} mb="sm" aria-label="Import summary">
              {report.dryRun ? 'Dry run — nothing changed: would be ' : 'Imported: '}
              {c.created} created, {c.updated} updated, {c.unchanged} unchanged, {c.refused} refused of {c.rows} rows
            </Text>
            <Table striped aria-label="Import rows">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Line</Table.Th>
                  <Table.Th>Outcome</Table.Th>
                  <Table.Th>Reference</Table.Th>
                  <Table.Th>Code</Table.Th>
                  <Table.Th>Column</Table.Th>
                  <Table.Th>Why</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {report.results.map((r) => (
                  <Table.Tr key={r.line}>
                    <Table.Td>{r.line}</Table.Td>
                    <Table.Td>
                      <Badge color={COLOR[r.outcome] ?? 'gray'} variant="light">
                        {report.dryRun && r.outcome !== 'refused' ? `would be ${r.outcome}` : r.outcome}
                      </Badge>
                    </Table.Td>
                    <Table.Td>{r.ref ?? '—'}</Table.Td>
                    <Table.Td>{r.code ?? ''}</Table.Td>
                    <Table.Td>{r.field ?? (r.changes ? r.changes.join(', ') : '')}</Table.Td>
                    <Table.Td>{r.message ?? ''}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            {report.truncated && (
              <Text size="sm" c="dimmed" mt="sm">
                Some rows are not listed; the counts include them.
              </Text>
            )}
          </Card>
        )}
      </Stack>
    </>
  );
}
