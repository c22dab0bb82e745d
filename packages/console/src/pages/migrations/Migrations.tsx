import { Card, Stack, Title } from '@mantine/core';
import { useState } from 'react';
import type { Migration, Offering } from '@leasehold/contract';
import { all } from '../../api';
import { useNames } from '../../names';
import { useSession } from '../../session';
import { fmtDate, Loaded, PagedTable, PageHeader, StatusBadge, useLoad } from '../../ui';
import { MigrationForm } from './MigrationForm';

/** What a migration targeted, said briefly: "2 customers · windows · v1.0". */
function targeting(select: Record<string, unknown>): string {
  const parts: string[] = [];
  if (Array.isArray(select['customers']))
    parts.push(`${select['customers'].length} customer${select['customers'].length === 1 ? '' : 's'}`);
  if (typeof select['platform'] === 'string') parts.push(select['platform']);
  if (typeof select['version'] === 'string') parts.push(`v${select['version']}`);
  return parts.join(' · ') || 'all';
}

export function Migrations() {
  const { can } = useSession();
  const names = useNames();
  const offerings = useLoad(() => all<Offering>('/v1/offerings'), []);
  const [version, setVersion] = useState(0);
  return (
    <>
      <PageHeader title="Migrations" subtitle="Move entitlements of one offering to another, with a dry run and a confirmation first" />
      <Loaded state={offerings}>
        {(list) => (
          <Stack>
            {can('write') && <MigrationForm offerings={list} onFinished={() => setVersion((v) => v + 1)} />}
            <Card withBorder>
              <Title order={4} mb="sm">
                History
              </Title>
              <PagedTable<Migration>
                label="Migrations"
                path="/v1/migrations"
                version={version}
                empty="No migrations yet."
                columns={[
                  { label: 'Started', render: (m) => fmtDate(m.createdAt) },
                  { label: 'From', render: (m) => names.offering(m.sourceOfferingId) ?? m.sourceOfferingId },
                  { label: 'To', render: (m) => names.offering(m.targetOfferingId) ?? m.targetOfferingId },
                  { label: 'Targeting', render: (m) => targeting(m.select) },
                  { label: 'New keys', render: (m) => (m.options.rekey ? 'yes' : 'no') },
                  { label: 'State', render: (m) => <StatusBadge status={m.state} /> },
                  { label: 'Progress', render: (m) => `${m.done}/${m.total}` },
                  { label: 'Finished', render: (m) => fmtDate(m.finishedAt) },
                ]}
              />
            </Card>
          </Stack>
        )}
      </Loaded>
    </>
  );
}
