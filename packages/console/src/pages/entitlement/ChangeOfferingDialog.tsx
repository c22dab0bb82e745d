import { Button, Checkbox, Group, Modal, Select, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import type { ChangeOfferingRequest, ChangeOfferingResult } from '@leasehold/contract';
import { post } from '../../api';
import { useFormErrors } from '../../ui';
import { ChangeOfferingPreview } from './ChangeOfferingPreview';
import type { EntitlementDetail } from './load';

/** Change offering in two steps: a dry run shows exactly what would happen; only then can it be confirmed. */
export function ChangeOfferingDialog({ d, onClose, onDone }: { d: EntitlementDetail; onClose: () => void; onDone: () => void }) {
  const [target, setTarget] = useState<string | null>(null);
  const [removeSeats, setRemoveSeats] = useState(false);
  const [preview, setPreview] = useState<ChangeOfferingResult | null>(null);
  const form = useFormErrors();
  // The offering's upgrade paths, or when it names none, any other offering of the same product.
  const choices = d.offerings.filter(
    (o) =>
      o.id !== d.offering.id &&
      (d.offering.upgradePaths.length === 0 ? o.productId === d.offering.productId : d.offering.upgradePaths.includes(o.id)),
  );
  // Both buttons need a chosen offering (Preview is disabled without one; choosing again clears the preview).
  const request = (dryRun: boolean) =>
    post<ChangeOfferingResult>(`/v1/entitlements/${d.entitlement.id}/change-offering`, {
      offeringId: target ?? '',
      removeSeats,
      dryRun,
    } satisfies ChangeOfferingRequest);
  return (
    <Modal opened onClose={onClose} title="Change offering" size="lg">
      <Stack>
        <Text size="sm">
          From <b>{d.offering.name}</b>. Overrides keep their values.
        </Text>
        <Select
          label="New offering"
          data={choices.map((o) => ({ value: o.id, label: `${o.name} (${o.code})` }))}
          value={target}
          onChange={(v) => (setTarget(v), setPreview(null))}
          searchable
          error={form.fields['offeringId']}
          data-autofocus
        />
        <Checkbox
          label="Remove all seats (every device activates again)"
          checked={removeSeats}
          onChange={(ev) => (setRemoveSeats(ev.currentTarget.checked), setPreview(null))}
        />
        <form.FormError />
        {preview && <ChangeOfferingPreview before={d.entitlement.effective} preview={preview} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          {!preview ? (
            <Button disabled={!target} loading={form.busy} onClick={() => void form.submit(async () => setPreview(await request(true)))}>
              Preview impact
            </Button>
          ) : (
            <Button
              color="teal"
              loading={form.busy}
              onClick={() =>
                void form.submit(async () => {
                  await request(false);
                  onDone();
                })
              }
            >
              Confirm change
            </Button>
          )}
        </Group>
      </Stack>
    </Modal>
  );
}
