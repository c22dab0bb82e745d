import { Alert, Button, Code, Group, Modal, Radio, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import type { Entitlement, EntitlementRekey } from '@leasehold/contract';
import { post } from '../../api';
import { useFormErrors } from '../../ui';

/**
 * A new license key for this entitlement (a key that leaked, one a reseller handed back). The old key
 * stops at once, or keeps working until a date so installed copies can be updated first.
 */
export function RekeyDialog({ e, onClose, onDone }: { e: Entitlement; onClose: () => void; onDone: () => void }) {
  const [when, setWhen] = useState<'now' | 'later'>('now');
  const [until, setUntil] = useState('');
  const [reason, setReason] = useState('');
  const [newKey, setNewKey] = useState<string | null>(null);
  const form = useFormErrors();
  return (
    <Modal opened onClose={newKey ? onDone : onClose} title="Give this license a new key?" size="lg">
      {newKey ? (
        <Stack>
          <Text size="sm">The new key (send it to the customer; it is also on this page):</Text>
          <Code block data-testid="new-license-key">
            {newKey}
          </Code>
          <Group justify="flex-end">
            <Button onClick={onDone}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <form
          onSubmit={(ev) => {
            ev.preventDefault();
            void form.submit(async () => {
              const body: EntitlementRekey = {
                ...(when === 'later' && until ? { oldKeyValidUntil: new Date(`${until}T23:59:59Z`).toISOString() } : {}),
                ...(reason.trim() ? { reason: reason.trim() } : {}),
              };
              setNewKey((await post<Entitlement>(`/v1/entitlements/${e.id}/rekey`, body)).key);
            });
          }}
        >
          <Stack>
            <Text size="sm">
              The current key <Code>{e.key}</Code> is replaced. Devices already activated keep their seat, but an application that still has
              the old key gets no new lease with it once it stops working: the customer enters the new key.
            </Text>
            <Radio.Group label="The old key" value={when} onChange={(v) => setWhen(v as 'now' | 'later')}>
              <Stack gap={6} mt={4}>
                <Radio value="now" label="Stops working now (a key that leaked)" />
                <Radio value="later" label="Keeps working until a date (time to update installed copies)" />
              </Stack>
            </Radio.Group>
            {when === 'later' && (
              <TextInput
                label="Old key works until"
                type="date"
                required
                value={until}
                onChange={(ev) => setUntil(ev.currentTarget.value)}
                error={form.fields['oldKeyValidUntil']}
              />
            )}
            <TextInput label="Reason" value={reason} onChange={(ev) => setReason(ev.currentTarget.value)} error={form.fields['reason']} />
            {when === 'now' && (
              <Alert color="orange" py="xs">
                Every application using the old key will need the new one at its next refresh.
              </Alert>
            )}
            <form.FormError />
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>
                Cancel
              </Button>
              <Button type="submit" loading={form.busy}>
                Issue new key
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
