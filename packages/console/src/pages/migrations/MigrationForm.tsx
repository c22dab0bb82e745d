import { Button, Card, Checkbox, Group, Modal, MultiSelect, Select, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import type { MigrationAnswer, Offering } from '@leasehold/contract';
import { post } from '../../api';
import { useNames } from '../../names';
import { useFormErrors } from '../../ui';
import { AffectedCustomers, Counts, Running } from './Impact';
import { migrationBody, type Targeting } from './body';

/** Which entitlements move, and how; a dry run first, then a confirmation that names who is affected. */
export function MigrationForm({ offerings, onFinished }: { offerings: Offering[]; onFinished: () => void }) {
  const names = useNames();
  const [t, setT] = useState<Targeting>({
    source: null,
    target: null,
    customers: [],
    platform: '',
    version: '',
    removeSeats: false,
    rekey: false,
    graceUntil: '',
  });
  const [preview, setPreview] = useState<MigrationAnswer | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [running, setRunning] = useState<string | null>(null);
  const form = useFormErrors();
  // Any change of what is targeted makes the preview stale: it must be run again before a run.
  const change = (patch: Partial<Targeting>) => (setT((x) => ({ ...x, ...patch })), setPreview(null));
  const data = offerings.map((o) => ({ value: o.id, label: `${o.name} (${o.code})` }));
  const name = (id: string | null) => (id ? (names.offering(id) ?? id) : '');
  return (
    <Card withBorder>
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <Select
          label="From offering"
          data={data}
          value={t.source}
          onChange={(v) => change({ source: v })}
          error={form.fields['sourceOfferingId']}
        />
        <Select
          label="To offering"
          data={data}
          value={t.target}
          onChange={(v) => change({ target: v })}
          error={form.fields['targetOfferingId']}
        />
      </SimpleGrid>
      <Title order={6} mt="md" mb={4}>
        Only these (empty: every entitlement of the offering)
      </Title>
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        <MultiSelect
          label="Customers"
          placeholder="any customer"
          searchable
          data={names.customerList().map((c) => ({ value: c.id, label: c.name }))}
          value={t.customers}
          onChange={(v) => change({ customers: v })}
          error={form.fields['select']}
        />
        <TextInput
          label="Platform"
          description="With a live device on it (windows, linux…)"
          value={t.platform}
          onChange={(e) => change({ platform: e.currentTarget.value })}
        />
        <TextInput
          label="Application version"
          description="With a live device running it"
          value={t.version}
          onChange={(e) => change({ version: e.currentTarget.value })}
        />
      </SimpleGrid>
      <Group mt="sm" gap="xl" align="flex-end">
        <Checkbox label="Remove all seats" checked={t.removeSeats} onChange={(e) => change({ removeSeats: e.currentTarget.checked })} />
        <Checkbox label="Give each a new license key" checked={t.rekey} onChange={(e) => change({ rekey: e.currentTarget.checked })} />
        {t.rekey && (
          <TextInput
            label="Old keys work until"
            description="Empty: 30 days"
            type="date"
            value={t.graceUntil}
            onChange={(e) => change({ graceUntil: e.currentTarget.value })}
            error={form.fields['rekeyGraceUntil']}
          />
        )}
      </Group>
      <form.FormError />
      {preview && (
        <Card withBorder mt="sm" bg="gray.0" aria-label="Migration preview">
          <Title order={5} mb="xs">
            Dry run: what would change
          </Title>
          <Stack>
            <Counts counts={preview.impact} />
            <AffectedCustomers answer={preview} />
          </Stack>
        </Card>
      )}
      <Group justify="flex-end" mt="sm">
        <Button
          variant="light"
          disabled={!t.source || !t.target}
          loading={form.busy && !preview}
          onClick={() => void form.submit(async () => setPreview(await post<MigrationAnswer>('/v1/migrations', migrationBody(t, true))))}
        >
          Preview
        </Button>
        <Button disabled={!preview || !!running || preview.impact.entitlements === 0} onClick={() => setConfirming(true)}>
          Run migration…
        </Button>
      </Group>
      {running && (
        <Card withBorder mt="sm">
          <Running id={running} onFinished={onFinished} />
        </Card>
      )}
      <Modal opened={confirming && !!preview} onClose={() => setConfirming(false)} title="Run this migration?" size="lg">
        {preview && (
          <Stack>
            <Text size="sm" data-testid="confirm-summary">
              {preview.impact.entitlements} entitlement{preview.impact.entitlements === 1 ? '' : 's'} of {preview.impact.customers} customer
              {preview.impact.customers === 1 ? '' : 's'} move from {name(t.source)} to {name(t.target)}
              {preview.impact.seatsRemoved > 0 ? `; ${preview.impact.seatsRemoved} device(s) lose their seat` : ''}
              {t.rekey ? '; each gets a new license key, the old one works for a grace period' : ''}. Each move is recorded and can be
              reverted one entitlement at a time.
            </Text>
            <AffectedCustomers answer={preview} />
            <form.FormError />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setConfirming(false)}>
                Cancel
              </Button>
              <Button
                color="orange"
                loading={form.busy}
                onClick={() =>
                  void form.submit(async () => {
                    const answer = await post<MigrationAnswer>('/v1/migrations', migrationBody(t, false));
                    setRunning(answer.migration?.id ?? null);
                    setPreview(null);
                    setConfirming(false);
                  })
                }
              >
                Run now
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </Card>
  );
}
