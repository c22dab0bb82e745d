import { Alert, Button, Checkbox, Group, List, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import type { Customer, CustomerErasure } from '@leasehold/contract';
import { post } from '../../api';
import { useSession } from '../../session';
import { ErrorState } from '../../ui';

/**
 * Erasing a customer's personal data (a GDPR request), for admins: the dialog says what goes and what
 * stays, and asks for the customer's name typed again, since it cannot be undone.
 */
export function EraseCustomer({ customer, onErased }: { customer: Customer; onErased: () => void }) {
  const { can } = useSession();
  const [opened, setOpened] = useState(false);
  const [typed, setTyped] = useState('');
  const [externalRef, setExternalRef] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<CustomerErasure | null>(null);
  if (!can('keys')) return null;
  const close = () => {
    setOpened(false);
    setTyped('');
    setError(null);
    if (result) {
      setResult(null);
      onErased();
    }
  };
  const erase = () => {
    setBusy(true);
    post<CustomerErasure>(`/v1/customers/${customer.id}/erase`, {
      confirm: customer.id,
      ...(externalRef ? { externalRef: 'erase' } : {}),
    }).then(
      (r) => (setBusy(false), setResult(r)),
      (err: unknown) => (setBusy(false), setError(err)),
    );
  };
  return (
    <>
      <Button variant="light" color="red" onClick={() => setOpened(true)}>
        Erase personal data
      </Button>
      <Modal opened={opened} onClose={close} title={`Erase the personal data of ${customer.name}?`} size="lg">
        {result ? (
          <Stack>
            <Alert color="green" title={result.erased ? 'Erased' : 'Nothing left to erase'} role="status">
              {result.erased
                ? `${result.counts.activations} device(s), ${result.counts.events} event(s) and ${result.counts.records} other record(s) no longer hold this customer’s personal data.`
                : 'This customer’s personal data was erased before.'}
            </Alert>
            <Group justify="flex-end">
              <Button onClick={close}>Close</Button>
            </Group>
          </Stack>
        ) : (
          <Stack>
            <Text size="sm">
              For a request to be forgotten. The customer’s name, email and metadata, its devices’ names, hostnames and users, and every
              copy of them in the history become “[erased]”. This cannot be undone.
            </Text>
            <List size="sm">
              <List.Item>
                Kept: the customer id, entitlements, license keys, devices and seats, and every event with its type and time.
              </List.Item>
              <List.Item>Licenses keep working: end the entitlements too if the customer should lose them.</List.Item>
              <List.Item>Backups taken before now still hold the data until they expire.</List.Item>
            </List>
            {customer.externalRef && (
              <Checkbox
                label={`Erase the external reference (${customer.externalRef}) too: only when it is personal, such as an email`}
                checked={externalRef}
                onChange={(e) => setExternalRef(e.currentTarget.checked)}
              />
            )}
            <TextInput
              label={`Type the customer’s name (${customer.name}) to confirm`}
              value={typed}
              onChange={(e) => setTyped(e.currentTarget.value)}
              data-autofocus
            />
            {error !== null && <ErrorState error={error} />}
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button color="red" loading={busy} disabled={typed.trim() !== customer.name} onClick={erase}>
                Erase
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </>
  );
}
