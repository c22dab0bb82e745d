import { Button, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import type { EntitlementReason } from '@leasehold/contract';
import { post } from '../../api';
import { useFormErrors } from '../../ui';

/** Suspend or revoke, with an optional reason that goes into the event log. */
export function ReasonDialog(props: {
  opened: boolean;
  action: 'suspend' | 'revoke';
  id: string;
  onClose: () => void;
  onDone: () => void;
}) {
  const [reason, setReason] = useState('');
  const form = useFormErrors();
  const verb = props.action === 'suspend' ? 'Suspend' : 'Revoke';
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
          <Text size="sm">
            {props.action === 'suspend'
              ? 'Devices stop getting leases at their next refresh; resume at any time.'
              : 'Revoking is final: no device gets a lease again.'}
          </Text>
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
            <Button type="submit" color={props.action === 'suspend' ? 'orange' : 'red'} loading={form.busy}>
              {verb}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
