import { Button, Checkbox, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import type { Entitlement, EntitlementPatch } from '@leasehold/contract';
import { patch } from '../../api';
import { fmtDate, useFormErrors } from '../../ui';

/** Move the end to a chosen day (its last second, UTC), or remove the end altogether. */
export function ExtendDialog(props: { opened: boolean; e: Entitlement; onClose: () => void; onDone: () => void }) {
  const [date, setDate] = useState('');
  const [perpetual, setPerpetual] = useState(false);
  const form = useFormErrors();
  return (
    <Modal opened={props.opened} onClose={props.onClose} title="Extend to a date">
      <form
        onSubmit={(ev) => {
          ev.preventDefault();
          void form.submit(async () => {
            const endsAt = perpetual ? null : new Date(`${date}T23:59:59Z`).toISOString();
            await patch(`/v1/entitlements/${props.e.id}`, { endsAt } satisfies EntitlementPatch);
            props.onDone();
          });
        }}
      >
        <Stack>
          <Text size="sm">Ends now: {props.e.effective.endsAt ? fmtDate(props.e.effective.endsAt) : 'never'}</Text>
          <TextInput
            type="date"
            label="New end date (UTC)"
            required={!perpetual}
            disabled={perpetual}
            value={date}
            onChange={(ev) => setDate(ev.currentTarget.value)}
            error={form.fields['endsAt']}
          />
          <Checkbox label="No end date" checked={perpetual} onChange={(ev) => setPerpetual(ev.currentTarget.checked)} />
          <form.FormError />
          <Group justify="flex-end">
            <Button type="submit" loading={form.busy}>
              Extend
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
