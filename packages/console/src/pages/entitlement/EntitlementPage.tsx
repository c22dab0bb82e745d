import { Card, Grid, Group, Stack, Tabs, Title } from '@mantine/core';
import { useState } from 'react';
import { useParams } from 'react-router-dom';
import { useSession } from '../../session';
import { Loaded, useLoad } from '../../ui';
import { EventTable } from '../Events';
import { Activations } from './Activations';
import { ChangeOfferingDialog } from './ChangeOfferingDialog';
import { EntitlementHeader, type EntitlementDialog } from './EntitlementHeader';
import { ExtendDialog } from './ExtendDialog';
import { HistoryTab } from './HistoryTab';
import { Leases } from './Leases';
import { LicenseKey } from './LicenseKey';
import { loadEntitlement, type EntitlementDetail } from './load';
import { OverridesDialog } from './OverridesDialog';
import { Propagation } from './Propagation';
import { ReasonDialog } from './ReasonDialog';
import { RekeyDialog } from './RekeyDialog';
import { RenewDialog } from './RenewDialog';
import { RightsTable } from './RightsTable';
import { UsagePanel } from './UsagePanel';

/** One entitlement: its rights, usage, devices, leases and timeline, its history, and every action on it. */
export function EntitlementPage() {
  const { id } = useParams();
  const state = useLoad(() => loadEntitlement(id!), [id]);
  return <Loaded state={state}>{(d) => <EntitlementView d={d} reload={state.reload} />}</Loaded>;
}

function EntitlementView({ d, reload }: { d: EntitlementDetail; reload: () => void }) {
  const { can } = useSession();
  const [dialog, setDialog] = useState<EntitlementDialog | null>(null);
  const e = d.entitlement;
  const writable = can('write');
  const close = () => setDialog(null);
  const done = () => {
    setDialog(null);
    reload();
  };
  return (
    <>
      <EntitlementHeader d={d} writable={writable} onOpen={setDialog} reload={reload} />
      <Tabs defaultValue="overview" keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="overview">Overview</Tabs.Tab>
          <Tabs.Tab value="history">History</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="overview">
          <Grid>
            <Grid.Col span={{ base: 12, lg: 7 }}>
              <Stack>
                <Card withBorder>
                  <Group justify="space-between" mb="xs">
                    <Title order={4}>Rights</Title>
                    <LicenseKey licenseKey={e.key} pending={e.keyPending === true} />
                  </Group>
                  <RightsTable d={d} />
                </Card>
                <Card withBorder>
                  <UsagePanel e={e} features={d.features} activations={d.activations} />
                </Card>
                <Card withBorder>
                  <Title order={4} mb="xs">
                    Activations
                  </Title>
                  <Activations activations={d.activations} reload={reload} writable={writable} />
                </Card>
                <Card withBorder>
                  <Title order={4} mb="xs">
                    Leases
                  </Title>
                  <Leases leases={d.leases} activations={d.activations} />
                </Card>
                <Card withBorder>
                  <Title order={4} mb="xs">
                    Propagation of the latest change
                  </Title>
                  <Propagation p={d.propagation} />
                </Card>
              </Stack>
            </Grid.Col>
            <Grid.Col span={{ base: 12, lg: 5 }}>
              <Card withBorder>
                <Title order={4} mb="xs">
                  Timeline
                </Title>
                <EventTable events={d.events} compact />
              </Card>
            </Grid.Col>
          </Grid>
        </Tabs.Panel>
        <Tabs.Panel value="history">
          <HistoryTab e={e} offerings={d.offerings} writable={writable} onReverted={reload} />
        </Tabs.Panel>
      </Tabs>
      <ReasonDialog
        opened={dialog === 'suspend' || dialog === 'revoke' || dialog === 'return'}
        action={dialog === 'revoke' || dialog === 'return' ? dialog : 'suspend'}
        id={e.id}
        onClose={close}
        onDone={done}
      />
      <RenewDialog opened={dialog === 'renew'} e={e} onClose={close} onDone={done} />
      <ExtendDialog opened={dialog === 'extend'} e={e} onClose={close} onDone={done} />
      {dialog === 'overrides' && <OverridesDialog d={d} onClose={close} onDone={done} />}
      {dialog === 'rekey' && <RekeyDialog e={e} onClose={close} onDone={done} />}
      {dialog === 'change' && <ChangeOfferingDialog d={d} onClose={close} onDone={done} />}
    </>
  );
}
