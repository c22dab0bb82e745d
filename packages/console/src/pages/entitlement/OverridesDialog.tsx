import { Button, Group, Modal, NumberInput, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import type { EntitlementPatch, FeatureValue } from '@leasehold/contract';
import { patch } from '../../api';
import { useFormErrors } from '../../ui';
import { FeatureOverride, type OverrideDraft } from './FeatureOverride';
import type { EntitlementDetail } from './load';

/** Overrides: set a value to lay it over the offering; clear it to fall back to the offering's value. */
export function OverridesDialog({ d, onClose, onDone }: { d: EntitlementDetail; onClose: () => void; onDone: () => void }) {
  const ov = d.entitlement.overrides;
  const [seats, setSeats] = useState<number | string>(ov.seats ?? '');
  const [leasePeriod, setLeasePeriod] = useState(ov.leasePeriod ?? '');
  const [term, setTerm] = useState(ov.term ?? '');
  const [rehostLimit, setRehostLimit] = useState<number | string>(ov.rehostLimit ?? '');
  const [features, setFeatures] = useState<Record<string, OverrideDraft>>(
    Object.fromEntries(d.features.map((f) => [f.code, ov.features?.[f.code] ?? undefined])),
  );
  const form = useFormErrors();
  return (
    <Modal opened onClose={onClose} title="Edit overrides" size="xl">
      <form
        onSubmit={(ev) => {
          ev.preventDefault();
          void form.submit(async () => {
            // An emptied field is sent as null, which removes the override instead of leaving it as it was.
            const f: Record<string, FeatureValue | null> = {};
            for (const [code, v] of Object.entries(features)) f[code] = v === undefined ? null : v;
            await patch(`/v1/entitlements/${d.entitlement.id}`, {
              overrides: {
                seats: seats === '' ? null : Number(seats),
                leasePeriod: leasePeriod.trim() || null,
                term: term.trim() || null,
                rehostLimit: rehostLimit === '' ? null : Number(rehostLimit),
                features: f,
              },
            } satisfies EntitlementPatch);
            onDone();
          });
        }}
      >
        <Stack>
          <Text size="sm" c="dimmed">
            Empty fields follow the offering ({d.offering.name}). Overrides survive offering changes.
          </Text>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <NumberInput
              label="Seats"
              placeholder={String(d.offering.seats)}
              min={1}
              value={seats}
              onChange={setSeats}
              error={form.fields['overrides'] ?? form.fields['seats']}
            />
            <TextInput
              label="Lease period"
              placeholder={d.offering.leasePeriod}
              value={leasePeriod}
              onChange={(ev) => setLeasePeriod(ev.currentTarget.value)}
            />
            <TextInput
              label="Term"
              placeholder={d.offering.term ?? 'perpetual'}
              value={term}
              onChange={(ev) => setTerm(ev.currentTarget.value)}
            />
            <NumberInput
              label="Rehost limit"
              placeholder={String(d.offering.rehostLimit ?? 'none')}
              min={0}
              value={rehostLimit}
              onChange={setRehostLimit}
            />
            {d.features.map((feature) => (
              <FeatureOverride
                key={feature.code}
                f={feature}
                offering={d.offering.features[feature.code]}
                value={features[feature.code]}
                onChange={(v) => setFeatures((cur) => ({ ...cur, [feature.code]: v }))}
              />
            ))}
          </SimpleGrid>
          <form.FormError />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={form.busy}>
              Save overrides
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
