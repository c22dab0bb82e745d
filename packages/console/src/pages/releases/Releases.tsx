import { Button, Card, Checkbox, Group, Select, SimpleGrid, Stack, TextInput, Textarea } from '@mantine/core';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import type { Product, Release } from '@leasehold/contract';
import { all, post } from '../../api';
import { useSession } from '../../session';
import { fmtDate, Loaded, PagedTable, PageHeader, StatusBadge, useFormErrors, useLoad } from '../../ui';

const CHANNELS = ['stable', 'rc', 'beta', 'alpha', 'dev'];

/** A new draft release of the product: version, channel, notes, critical flag. */
function NewRelease({ product, onCreated }: { product: string; onCreated: (r: Release) => void }) {
  const [version, setVersion] = useState('');
  const [channel, setChannel] = useState<string | null>('stable');
  const [notes, setNotes] = useState('');
  const [critical, setCritical] = useState(false);
  const form = useFormErrors();
  return (
    <Card withBorder>
      <form
        aria-label="New release"
        onSubmit={(e) => {
          e.preventDefault();
          void form.submit(async () =>
            onCreated(await post<Release>(`/v1/products/${product}/releases`, { version, channel, notes, critical })),
          );
        }}
      >
        <Stack gap="sm">
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput
              label="Version"
              placeholder="2.4.0"
              value={version}
              onChange={(e) => setVersion(e.currentTarget.value)}
              error={form.fields['version']}
              required
            />
            <Select label="Channel" data={CHANNELS} value={channel} onChange={setChannel} error={form.fields['channel']} />
          </SimpleGrid>
          <Textarea label="Notes (Markdown)" value={notes} onChange={(e) => setNotes(e.currentTarget.value)} autosize minRows={2} />
          <Checkbox label="Critical patch" checked={critical} onChange={(e) => setCritical(e.currentTarget.checked)} />
          <form.FormError />
          <Group>
            <Button type="submit" loading={form.busy}>
              Create draft
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

/** A product's releases in semver order, newest first, with a form for a new draft. */
export function Releases() {
  const { can } = useSession();
  const navigate = useNavigate();
  const products = useLoad(() => all<Product>('/v1/products'), []);
  const [product, setProduct] = useState<string | null>(null);
  return (
    <>
      <PageHeader title="Releases" subtitle="Versions of a product and their files, downloadable by entitled licenses only" />
      <Loaded state={products}>
        {(list) => {
          const chosen = product ?? list[0]?.id ?? null;
          return (
            <Stack>
              <Select
                label="Product"
                data={list.map((p) => ({ value: p.id, label: `${p.name} (${p.code})` }))}
                value={chosen}
                onChange={setProduct}
                maw={420}
              />
              {chosen && can('catalog') && <NewRelease product={chosen} onCreated={(r) => navigate(`/releases/${r.id}`)} />}
              {chosen && (
                <PagedTable<Release>
                  label="Releases"
                  path={`/v1/products/${chosen}/releases`}
                  href={(r) => `/releases/${r.id}`}
                  columns={[
                    { label: 'Version', render: (r) => r.version },
                    { label: 'Channel', render: (r) => r.channel },
                    { label: 'Status', render: (r) => <StatusBadge status={r.status} /> },
                    { label: 'Critical', render: (r) => (r.critical ? 'yes' : '') },
                    { label: 'Artifacts', render: (r) => r.artifacts },
                    { label: 'Downloads', render: (r) => r.downloads },
                    { label: 'Published', render: (r) => fmtDate(r.publishedAt) },
                  ]}
                />
              )}
            </Stack>
          );
        }}
      </Loaded>
    </>
  );
}
