import { Button, Group, Modal, Stack, TextInput } from '@mantine/core';
import { useState } from 'react';
import type { Entitlement, EntitlementRenew } from '@leasehold/contract';
import { post } from '../../api';
import { useFormErrors } from '../../ui';

/** Renew by a duration; the server counts it from the end, or from now when already expired. */
export function RenewDialog(props: { opened: boolean; e: Entitlement; onClose: () => void; onDone: () => void }) {
  const [term, setTerm] = useState('');
  const form = useFormErrors();
  return (
    <Modal opened={props.opened} onClose={props.onClose} title="Renew">
      <form
        onSubmit={(ev) => {
          ev.preventDefault();
          void form.submit(async () => {
            await post(`/v1/entitlements/${props.e.id}/renew`, (term ? { term } : {}) satisfies EntitlementRenew);
            props.onDone();
          });
        }}
      >
        <Stack>
          <TextInput
            label="Renew for"
            description={`An ISO 8601 duration; empty renews for the term (${props.e.effective.term ?? 'none'}), from the end or from now if expired`}
            value={term}
            onChange={(ev) => setTerm(ev.currentTarget.value)}
            error={form.fields['term']}
            data-autofocus
          />
          <form.FormError />
          <Group justify="flex-end">
            <Button type="submit" loading={form.busy}>
              Renew
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
