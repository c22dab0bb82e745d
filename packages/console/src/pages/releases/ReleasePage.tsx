import { Alert, Badge, Button, Card, FileInput, Group, Progress, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useParams } from 'react-router-dom';
import type { Artifact, Download, Release } from '@leasehold/contract';
import { api, del, get, post } from '../../api';
import { useSession } from '../../session';
import { fmtDate, Loaded, message, PagedTable, PageHeader, StatusBadge, useLoad } from '../../ui';
import { uploadFile } from './upload';

interface Audience {
  customers: number;
  entitlements: number;
  devices: { total: number; below: number; atOrAbove: number; unknownVersion: number; outOfRange: number };
  affectedCustomers: number;
  rollout: boolean;
  adoption: number | null;
}

const list = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);

/** The numbers a rollout (saved or candidate) is judged by: affected customers and devices, upgraded devices. */
function AudienceFigures({ a, prefix }: { a: Audience; prefix: string }) {
  return (
    <SimpleGrid cols={{ base: 2, sm: 3, md: 6 }}>
      {[
        ['Customers', a.customers],
        ['Licenses', a.entitlements],
        ['Affected customers', a.affectedCustomers],
        ['Devices to upgrade', a.devices.below],
        ['Upgraded devices', a.devices.atOrAbove],
        ['On this version or newer', a.adoption === null ? '—' : `${Math.round(a.adoption * 100)} %`],
      ].map(([label, value]) => (
        <div key={String(label)}>
          <Text size="xs" c="dimmed">
            {label}
          </Text>
          <Text fw={700} data-testid={`${prefix}-${String(label)}`}>
            {value}
          </Text>
        </div>
      ))}
    </SimpleGrid>
  );
}

/** Targets the release at customers, offerings, devices, versions and platforms, with a percentage; counts before saving. */
function RolloutCard({ release, onSaved }: { release: Release; onSaved: () => void }) {
  const r = release.rollout;
  const [customers, setCustomers] = useState((r?.customers ?? []).join(', '));
  const [offerings, setOfferings] = useState((r?.offerings ?? []).join(', '));
  const [entitlements, setEntitlements] = useState((r?.entitlements ?? []).join(', '));
  const [devices, setDevices] = useState((r?.devices ?? []).join(', '));
  const [versions, setVersions] = useState(r?.versions ?? '');
  const [platforms, setPlatforms] = useState((r?.platforms ?? []).join(', '));
  const [percentage, setPercentage] = useState(r?.percentage === null || r?.percentage === undefined ? '' : String(r.percentage));
  const [preview, setPreview] = useState<Audience | null>(null);
  const [error, setError] = useState<string | null>(null);
  const body = () => ({
    customers: list(customers),
    offerings: list(offerings),
    entitlements: list(entitlements),
    devices: list(devices),
    platforms: list(platforms),
    versions: versions.trim() || null,
    percentage: percentage.trim() === '' ? null : Number(percentage),
  });
  const run = (fn: () => Promise<void>) => async () => {
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(message(e));
    }
  };
  return (
    <Card withBorder aria-label="Rollout">
      <Stack gap="sm">
        <Title order={5}>Rollout {r ? <Badge variant="light">targeted</Badge> : <Badge variant="outline">everyone entitled</Badge>}</Title>
        <Text size="sm" c="dimmed">
          Whom the upgrade is offered to. Customers, offerings, licenses and devices add up (none: every entitled license); versions,
          platforms and the percentage narrow to devices.
        </Text>
        <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }}>
          <TextInput label="Customers (ids)" value={customers} onChange={(e) => setCustomers(e.currentTarget.value)} />
          <TextInput label="Offerings (ids)" value={offerings} onChange={(e) => setOfferings(e.currentTarget.value)} />
          <TextInput label="Licenses (ids)" value={entitlements} onChange={(e) => setEntitlements(e.currentTarget.value)} />
          <TextInput label="Devices (fingerprints)" value={devices} onChange={(e) => setDevices(e.currentTarget.value)} />
          <TextInput
            label="Current version range"
            placeholder=">=1.2.0 <2.0.0"
            value={versions}
            onChange={(e) => setVersions(e.currentTarget.value)}
          />
          <TextInput
            label="Platforms"
            placeholder="linux, windows"
            value={platforms}
            onChange={(e) => setPlatforms(e.currentTarget.value)}
          />
          <TextInput label="Percentage" placeholder="100" value={percentage} onChange={(e) => setPercentage(e.currentTarget.value)} />
        </SimpleGrid>
        {preview && (
          <div aria-label="Rollout preview">
            <AudienceFigures a={preview} prefix="preview" />
          </div>
        )}
        {error && (
          <Alert color="red" role="alert" py="xs">
            {error}
          </Alert>
        )}
        <Group>
          <Button
            variant="light"
            onClick={() => void run(async () => setPreview(await post<Audience>(`/v1/releases/${release.id}/rollout/preview`, body())))()}
          >
            Count affected
          </Button>
          <Button
            onClick={() =>
              void run(async () => {
                await api('PUT', `/v1/releases/${release.id}/rollout`, body());
                onSaved();
              })()
            }
          >
            Save rollout
          </Button>
          {r && (
            <Button
              variant="subtle"
              color="gray"
              onClick={() =>
                void run(async () => {
                  await del(`/v1/releases/${release.id}/rollout`);
                  onSaved();
                })()
              }
            >
              Offer to everyone
            </Button>
          )}
        </Group>
      </Stack>
    </Card>
  );
}

/** Who the release reaches: customers and devices before publishing, adoption after. */
function AudienceCard({ id, version }: { id: string; version: number }) {
  const audience = useLoad(() => get<Audience>(`/v1/releases/${id}/audience`), [id, version]);
  return (
    <Card withBorder aria-label="Audience">
      <Title order={5} mb="xs">
        Who it reaches
      </Title>
      <Loaded state={audience}>{(a) => <AudienceFigures a={a} prefix="audience" />}</Loaded>
    </Card>
  );
}

/** Declares an artifact and uploads its file, with a progress bar. */
function AddArtifact({ release, onDone }: { release: Release; onDone: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [platform, setPlatform] = useState('linux');
  const [arch, setArch] = useState('x86_64');
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const send = async () => {
    if (!file) return;
    setError(null);
    try {
      const ticket = await post<{ artifact: Artifact; uploadUrl: string }>(`/v1/releases/${release.id}/artifacts`, {
        filename: file.name,
        platform,
        arch,
        size: file.size,
      });
      setProgress(0);
      const put = await uploadFile(ticket.uploadUrl, file, setProgress);
      if (put.status >= 300) throw new Error((put.body as { error?: { message?: string } })?.error?.message ?? `HTTP ${put.status}`);
      if (!ticket.uploadUrl.startsWith('/')) await post(`/v1/artifacts/${ticket.artifact.id}/complete`);
      setFile(null);
      onDone();
    } catch (e) {
      setError(message(e));
    } finally {
      setProgress(null);
    }
  };
  return (
    <Card withBorder>
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <FileInput label="File" value={file} onChange={setFile} placeholder="Choose a file" />
          <TextInput label="Platform" value={platform} onChange={(e) => setPlatform(e.currentTarget.value)} />
          <TextInput label="Architecture" value={arch} onChange={(e) => setArch(e.currentTarget.value)} />
        </SimpleGrid>
        {progress !== null && <Progress value={Math.round(progress * 100)} aria-label="upload progress" size="lg" animated />}
        {error && (
          <Alert color="red" role="alert" py="xs">
            {error}
          </Alert>
        )}
        <Group>
          <Button onClick={() => void send()} disabled={!file} loading={progress !== null}>
            Upload
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

/** One release: its artifacts (upload, sha256, signature), publish and yank, who it reaches, who downloaded it. */
export function ReleasePage() {
  const { id = '' } = useParams();
  const { can } = useSession();
  const [version, setVersion] = useState(0);
  const bump = () => setVersion((v) => v + 1);
  const release = useLoad(() => get<Release>(`/v1/releases/${id}`), [id, version]);
  const artifacts = useLoad(() => get<{ data: Artifact[] }>(`/v1/releases/${id}/artifacts`), [id, version]);
  const [error, setError] = useState<string | null>(null);
  const act = (name: 'publish' | 'yank') => async () => {
    setError(null);
    try {
      await post(`/v1/releases/${id}/${name}`);
      bump();
    } catch (e) {
      setError(message(e));
    }
  };
  return (
    <Loaded state={release}>
      {(r) => (
        <Stack>
          <PageHeader
            title={
              <Group gap="sm">
                {r.version} <StatusBadge status={r.status} /> <Badge variant="outline">{r.channel}</Badge>
                {r.critical && <Badge color="red">critical</Badge>}
              </Group>
            }
            subtitle={`Published ${fmtDate(r.publishedAt)} · ${r.downloads} downloads`}
            actions={
              can('catalog') && (
                <>
                  {r.status === 'draft' && <Button onClick={() => void act('publish')()}>Publish</Button>}
                  {r.status === 'published' && (
                    <Button color="red" variant="light" onClick={() => void act('yank')()}>
                      Yank
                    </Button>
                  )}
                </>
              )
            }
          />
          {error && (
            <Alert color="red" role="alert">
              {error}
            </Alert>
          )}
          {r.notes && (
            <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
              {r.notes}
            </Text>
          )}
          <AudienceCard id={id} version={version} />
          {can('catalog') && r.status !== 'yanked' && <RolloutCard key={`${r.id}-${r.updatedAt}`} release={r} onSaved={bump} />}
          <Title order={4}>Artifacts</Title>
          <Loaded state={artifacts}>
            {({ data }) => (
              <Table aria-label="Artifacts">
                <Table.Thead>
                  <Table.Tr>
                    {['File', 'Platform', 'Status', 'Size', 'SHA-256', 'Downloads'].map((h) => (
                      <Table.Th key={h}>{h}</Table.Th>
                    ))}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.map((a) => (
                    <Table.Tr key={a.id}>
                      <Table.Td>{a.filename}</Table.Td>
                      <Table.Td>
                        {a.platform} / {a.arch}
                      </Table.Td>
                      <Table.Td>
                        <StatusBadge status={a.status} />
                      </Table.Td>
                      <Table.Td>{a.size ?? '—'}</Table.Td>
                      <Table.Td style={{ fontFamily: 'monospace', fontSize: 12 }}>{a.sha256?.slice(0, 16) ?? '—'}</Table.Td>
                      <Table.Td>{a.downloads}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Loaded>
          {can('catalog') && r.status !== 'yanked' && <AddArtifact release={r} onDone={bump} />}
          <Title order={4}>Downloads</Title>
          <PagedTable<Download>
            label="Downloads"
            path={`/v1/releases/${id}/downloads`}
            version={version}
            columns={[
              { label: 'When', render: (d) => fmtDate(d.at) },
              { label: 'Customer', render: (d) => d.customerId },
              { label: 'License', render: (d) => d.entitlementId },
              { label: 'Device', render: (d) => d.fingerprint ?? '—' },
              { label: 'Address', render: (d) => d.address ?? '—' },
            ]}
          />
        </Stack>
      )}
    </Loaded>
  );
}
