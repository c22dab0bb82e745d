import { Badge, Button, Card, FileInput, Group, Select, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import type { ActivationBatch, ActivationBatchCreate, Entitlement } from '@leasehold/contract';
import { all, post } from '../../api';
import { useNames } from '../../names';
import { useSession } from '../../session';
import { fmtDate, PagedTable, PageHeader, StatusBadge, useFormErrors, useLoad } from '../../ui';

const ACTIONS: { value: NonNullable<ActivationBatchCreate['action']>; label: string; columns: string }[] = [
  { value: 'activate', label: 'Activate devices', columns: 'fingerprint, and any of name, platform, hostname, user' },
  { value: 'deactivate', label: 'Deactivate devices', columns: 'fingerprint' },
  {
    value: 'rehost',
    label: 'Rehost (new replaces old)',
    columns: 'fingerprint (the new device), replaces (the old one), and any of name, platform',
  },
];

/** "8 activated · 2 refused" — the outcomes a batch has counted so far, the empty ones left out. */
export function resultsLine(b: ActivationBatch): string {
  const r = b.results;
  const parts: [number | undefined, string][] = [
    [r.activated, 'activated'],
    [r.alreadyActive, 'already active'],
    [r.rehosted, 'rehosted'],
    [r.deactivated, 'deactivated'],
    [r.notActive, 'not active'],
    [r.refused, 'refused'],
  ];
  const said = parts.filter(([n]) => n).map(([n, what]) => `${n} ${what}`);
  return said.length ? said.join(' · ') : '—';
}

/**
 * Batch activations: a CSV of devices uploaded for one entitlement (a factory line, a roll-out),
 * worked through in the background with the seat limit and activation rules per device; the
 * batches so far with their progress.
 */
export function ActivationBatches() {
  const { can } = useSession();
  const navigate = useNavigate();
  return (
    <>
      <PageHeader
        title="Batch activations"
        subtitle="Many devices of one entitlement at once, from a CSV file: activate, deactivate or rehost"
      />
      <Stack>
        {can('write') && <NewBatch onCreated={(b) => navigate(`/activation-batches/${b.id}`)} />}
        <PagedTable<ActivationBatch>
          label="Activation batches"
          path="/v1/activation-batches"
          href={(b) => `/activation-batches/${b.id}`}
          empty="No batches yet."
          columns={[
            { label: 'Entitlement', render: (b) => <code>{b.entitlementId}</code> },
            { label: 'Action', render: (b) => b.action },
            { label: 'State', render: (b) => <StatusBadge status={b.state} /> },
            { label: 'Devices', render: (b) => `${b.done} of ${b.total}` },
            { label: 'Results', render: (b) => resultsLine(b) },
            { label: 'Created', render: (b) => fmtDate(b.createdAt) },
          ]}
        />
      </Stack>
    </>
  );
}

function NewBatch({ onCreated }: { onCreated: (b: ActivationBatch) => void }) {
  const names = useNames();
  const [params] = useSearchParams();
  const entitlements = useLoad(() => all<Entitlement>('/v1/entitlements'), []);
  const [entitlementId, setEntitlementId] = useState<string | null>(params.get('entitlement'));
  const [action, setAction] = useState<NonNullable<ActivationBatchCreate['action']>>('activate');
  const [file, setFile] = useState<File | null>(null);
  const form = useFormErrors();
  const label = (e: Entitlement) =>
    `${names.customer(e.customerId) ?? e.customerId} · ${names.offering(e.offeringId) ?? e.offeringId} · ${e.effective.seats} seats · ${e.id}`;
  return (
    <Card withBorder>
      <form
        aria-label="New activation batch"
        onSubmit={(e) => {
          e.preventDefault();
          if (!file || !entitlementId) return;
          void form.submit(async () => {
            const csv = await file.text();
            onCreated(
              await post<ActivationBatch>('/v1/activation-batches', { entitlementId, action, csv } satisfies ActivationBatchCreate),
            );
          });
        }}
      >
        <Stack>
          <Group align="end">
            <Select
              label="Entitlement"
              required
              searchable
              data={(entitlements.data ?? []).map((e) => ({ value: e.id, label: label(e) }))}
              value={entitlementId}
              onChange={setEntitlementId}
              error={form.fields['entitlementId']}
              w={460}
            />
            <Select
              label="Action"
              data={ACTIONS.map((a) => ({ value: a.value, label: a.label }))}
              value={action}
              onChange={(v) => setAction((v as typeof action | null) ?? 'activate')}
              allowDeselect={false}
            />
            <FileInput
              label="Devices (CSV)"
              placeholder="Choose a .csv file"
              accept=".csv,text/csv"
              value={file}
              onChange={setFile}
              error={form.fields['csv']}
              w={260}
            />
            <Button type="submit" loading={form.busy} disabled={!file || !entitlementId}>
              Start batch
            </Button>
          </Group>
          <Text size="sm" c="dimmed">
            Header row: {ACTIONS.find((a) => a.value === action)!.columns}. Up to 50,000 devices; a bad row refuses the file with its line
            number and starts nothing.
          </Text>
          <form.FormError />
        </Stack>
      </form>
    </Card>
  );
}

export function OutcomeBadge({ outcome }: { outcome: string }) {
  const color =
    outcome === 'refused'
      ? 'red'
      : outcome === 'pending'
        ? 'gray'
        : outcome === 'already_active' || outcome === 'not_active'
          ? 'blue'
          : 'green';
  return (
    <Badge color={color} variant="light">
      {outcome.replace('_', ' ')}
    </Badge>
  );
}
