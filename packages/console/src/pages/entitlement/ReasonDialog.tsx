import { Button, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import type { EntitlementReason } from '@leasehold/contract';
import { post } from '../../api';
import { useFormErrors } from '../../ui';

const WORDING = {
  suspend: { verb: 'Suspend', color: 'orange', text: 'Devices stop getting leases at their next refresh; resume at any time.' },
  revoke: { verb: 'Revoke', color: 'red', text: 'Revoking is final: no device gets a lease again.' },
  return: {
    verb: 'Return',
    color: 'red',
    text: 'The customer gives the license back (a refund, a cancelled order): every device loses its seat now and no lease is issued again. This is final.',
  },
} as const;

/** Suspend, revoke or return, with an optional reason that goes into the event log. */
export function ReasonDialog(props: {
  opened: boolean;
  action: 'suspend' | 'revoke' | 'return';
  id: string;
  onClose: () => void;
  onDone: () => void;
}) {
  const [reason, setReason] = useState('');
  const form = useFormErrors();
  const { verb, color, text } = WORDING[props.action];
  return (
    <Modal opened={props.opened} onClose={props.onClose} title={`${verb} this entitlement?`}>
      <form
        onSubmit={(ev) => {
          ev.preventDefault();
          void form.submit(async () => {
            await post(`/v1/entitlements/${props.id}/${props.action}`, (reason ? { reason } : {}) satisfies EntitlementReason);
            setReason('');
            props.onDone();
          });
        }}
      >
        <Stack>
          <Text size="sm">{text}</Text>
          <TextInput
            label="Reason"
            data-autofocus
            value={reason}
            onChange={(ev) => setReason(ev.currentTarget.value)}
            error={form.fields['reason']}
          />
          <form.FormError />
          <Group justify="flex-end">
            <Button variant="default" onClick={props.onClose}>
              Cancel
            </Button>
            <Button type="submit" color={color} loading={form.busy}>
              {verb}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
