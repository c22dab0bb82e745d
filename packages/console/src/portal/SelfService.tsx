import { Alert, Anchor, Button, Code, FileInput, Group, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { PortalEntitlement, PortalSeatAssignment, PortalSession, PortalUser } from '@leasehold/contract';
import { portalApi } from './api';
import { SELF_SERVICE as S } from './strings';

/** The portal's self-service beyond licenses and devices: named-user seats, offline activation, usage, downloads, codes. */

type Page<T> = { data: T[]; nextCursor: string | null };

function useError(): [string | null, (e: unknown) => void, () => void] {
  const [error, setError] = useState<string | null>(null);
  return [error, (e) => setError(e instanceof Error ? e.message : String(e)), () => setError(null)];
}

const saveFile = (name: string, text: string, type: string) => {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  a.click();
  URL.revokeObjectURL(a.href);
};

/** Inside a named-user license's card: who holds its seats; an admin assigns and revokes. */
export function NamedSeats({
  entitlement,
  session,
  onChange,
}: {
  entitlement: PortalEntitlement;
  session: PortalSession;
  onChange: () => void;
}) {
  const admin = session.user.role === 'admin';
  const [seats, setSeats] = useState<PortalSeatAssignment[]>([]);
  const [people, setPeople] = useState<PortalUser[]>([]);
  const [who, setWho] = useState<string | null>(null);
  const [error, fail, clear] = useError();
  const url = `/entitlements/${entitlement.id}/seats`;
  const load = useCallback(() => portalApi<Page<PortalSeatAssignment>>('GET', url).then((p) => setSeats(p.data), fail), [url]);
  useEffect(() => {
    void load();
    if (admin)
      void portalApi<Page<PortalUser>>('GET', '/users?limit=200').then(
        (p) => setPeople(p.data.filter((u) => u.state !== 'disabled')),
        fail,
      );
  }, [load, admin]);
  const act = (p: Promise<unknown>) => {
    clear();
    p.then(() => {
      void load();
      onChange();
    }, fail);
  };
  const free = people.filter((p) => !seats.some((s) => s.portalUser.id === p.id));
  return (
    <Stack gap="xs" mt="sm" data-testid="named-seats">
      <Title order={5}>{S.namedSeats}</Title>
      {error && <Alert color="red">{error}</Alert>}
      {!admin && seats.length > 0 && <Text size="sm">{S.yourSeat}</Text>}
      {seats.length === 0 ? (
        <Text size="sm">{S.noSeats}</Text>
      ) : (
        admin && (
          <Table>
            <Table.Tbody>
              {seats.map((s) => (
                <Table.Tr key={s.portalUser.id}>
                  <Table.Td>{s.portalUser.name}</Table.Td>
                  <Table.Td>{s.portalUser.email}</Table.Td>
                  <Table.Td>
                    <Button size="xs" variant="light" color="red" onClick={() => act(portalApi('DELETE', `${url}/${s.portalUser.id}`))}>
                      {S.revoke}
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )
      )}
      {admin && (
        <Group align="end">
          <Select
            label={S.assignTo}
            data={free.map((p) => ({ value: p.id, label: `${p.name} (${p.email})` }))}
            value={who}
            onChange={setWho}
            data-testid="seat-colleague"
          />
          <Button
            disabled={!who}
            onClick={() => {
              if (!who) return;
              setWho(null);
              act(portalApi('POST', url, { portalUserId: who }));
            }}
          >
            {S.assignSeat}
          </Button>
        </Group>
      )}
    </Stack>
  );
}

/** Upload an air-gapped machine's request file; download the signed response file. */
export function OfflineActivation() {
  const [file, setFile] = useState<File | null>(null);
  const [response, setResponse] = useState<{ name: string; text: string } | null>(null);
  const [error, fail, clear] = useError();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    clear();
    setResponse(null);
    try {
      const request = JSON.parse(await file!.text()) as unknown;
      const answer = await portalApi<{ activationId: string }>('POST', '/offline-activations', request);
      setResponse({ name: `offline-response-${answer.activationId}.json`, text: JSON.stringify(answer, null, 2) });
    } catch (err) {
      fail(err);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)}>
      <Stack>
        <Text size="sm">{S.offlineHelp}</Text>
        {error && <Alert color="red">{error}</Alert>}
        <FileInput label={S.requestFile} value={file} onChange={setFile} accept="application/json,.json" data-testid="offline-request" />
        <Button type="submit" disabled={!file} w="fit-content">
          {S.offline}
        </Button>
        {response && (
          <Alert color="green">
            {S.responseReady}{' '}
            <Anchor component="button" type="button" onClick={() => saveFile(response.name, response.text, 'application/json')}>
              {S.downloadResponse}
            </Anchor>
            <Code block data-testid="offline-response" mt="xs">
              {response.text.slice(0, 400)}
            </Code>
          </Alert>
        )}
      </Stack>
    </form>
  );
}

interface StatementLine {
  entitlementId: string;
  feature: string;
  unit: string | null;
  periodStart: string;
  periodEnd: string;
  used: number;
  included: number;
  billable: number;
}

/** The usage statement of a period, with a CSV download (a plain link: the portal cookie goes with it). */
export function UsageStatement() {
  const year = new Date().getUTCFullYear();
  const [from, setFrom] = useState(`${year}-01-01`);
  const [to, setTo] = useState(`${year + 1}-01-01`);
  const [lines, setLines] = useState<StatementLine[]>([]);
  const [error, fail, clear] = useError();
  const query = `from=${from}T00:00:00Z&to=${to}T00:00:00Z`;
  const load = useCallback(() => {
    clear();
    portalApi<{ lines: StatementLine[] }>('GET', `/usage/statement?${query}`).then((s) => setLines(s.lines), fail);
  }, [query]);
  useEffect(() => void load(), [load]);
  return (
    <Stack>
      <Group align="end">
        <TextInput label={S.from} type="date" value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
        <TextInput label={S.to} type="date" value={to} onChange={(e) => setTo(e.currentTarget.value)} />
        <Anchor href={`/v1/portal/usage/statement?${query}&format=csv`} data-testid="usage-csv">
          {S.csv}
        </Anchor>
      </Group>
      {error && <Alert color="red">{error}</Alert>}
      {lines.length === 0 ? (
        <Text size="sm">{S.noUsage}</Text>
      ) : (
        <Table data-testid="usage-lines">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{S.feature}</Table.Th>
              <Table.Th>{S.period}</Table.Th>
              <Table.Th>{S.used}</Table.Th>
              <Table.Th>{S.included}</Table.Th>
              <Table.Th>{S.billable}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {lines.map((l) => (
              <Table.Tr key={`${l.entitlementId}-${l.feature}-${l.periodStart}`}>
                <Table.Td>
                  {l.feature}
                  {l.unit ? ` (${l.unit})` : ''}
                </Table.Td>
                <Table.Td>
                  {l.periodStart.slice(0, 10)} – {l.periodEnd.slice(0, 10)}
                </Table.Td>
                <Table.Td>{l.used}</Table.Td>
                <Table.Td>{l.included}</Table.Td>
                <Table.Td>{l.billable}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

interface Release {
  id: string;
  version: string;
  channel: string;
  artifacts: Array<{ id: string; filename: string; platform: string; arch: string; size: number | null; sha256: string | null }>;
}

/** The files each license may download, with checksums; a download is counted, then the browser follows the signed URL. */
export function Downloads() {
  const [licenses, setLicenses] = useState<PortalEntitlement[]>([]);
  const [releases, setReleases] = useState<Record<string, Release[]>>({});
  const [error, fail, clear] = useError();
  useEffect(() => {
    void portalApi<Page<PortalEntitlement>>('GET', '/entitlements').then(async (p) => {
      setLicenses(p.data);
      const all: Record<string, Release[]> = {};
      for (const e of p.data) {
        all[e.id] = await portalApi<{ data: Release[] }>('GET', `/entitlements/${e.id}/releases`).then(
          (r) => r.data,
          () => [],
        );
      }
      setReleases(all);
    }, fail);
  }, []);
  const download = (entitlementId: string, artifactId: string) => {
    clear();
    portalApi<{ url: string }>('POST', `/entitlements/${entitlementId}/artifacts/${artifactId}/download`).then((d) => {
      window.location.assign(d.url);
    }, fail);
  };
  return (
    <Stack>
      {error && <Alert color="red">{error}</Alert>}
      {licenses.map((e) => (
        <Stack key={e.id} gap="xs">
          <Title order={5}>
            {e.product.name} · {e.offering.name}
          </Title>
          {(releases[e.id] ?? []).length === 0 ? (
            <Text size="sm">{S.noReleases}</Text>
          ) : (
            <Table>
              <Table.Tbody>
                {(releases[e.id] ?? []).flatMap((r) =>
                  r.artifacts.map((a) => (
                    <Table.Tr key={a.id}>
                      <Table.Td>{r.version}</Table.Td>
                      <Table.Td>{a.filename}</Table.Td>
                      <Table.Td>
                        {a.platform}/{a.arch}
                      </Table.Td>
                      <Table.Td>
                        <Code title={S.checksum}>{a.sha256?.slice(0, 16) ?? '—'}</Code>
                      </Table.Td>
                      <Table.Td>
                        <Button size="xs" variant="light" onClick={() => download(e.id, a.id)} data-testid={`download-${a.id}`}>
                          {S.download}
                        </Button>
                      </Table.Td>
                    </Table.Tr>
                  )),
                )}
              </Table.Tbody>
            </Table>
          )}
        </Stack>
      ))}
    </Stack>
  );
}

/** An admin redeems a partner code into a new license of their organisation. */
export function RedeemCode({ onRedeemed }: { onRedeemed: () => void }) {
  const [code, setCode] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const [error, fail, clear] = useError();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    clear();
    setDone(null);
    portalApi<PortalEntitlement>('POST', '/redemptions', { code }).then((ent) => {
      setDone(S.redeemed(`${ent.product.name} · ${ent.offering.name}`));
      setCode('');
      onRedeemed();
    }, fail);
  };
  return (
    <form onSubmit={submit}>
      <Stack>
        {error && <Alert color="red">{error}</Alert>}
        {done && <Alert color="green">{done}</Alert>}
        <Group align="end">
          <TextInput label={S.code} value={code} onChange={(e) => setCode(e.currentTarget.value)} required data-testid="redeem-code" />
          <Button type="submit">{S.redeem}</Button>
        </Group>
      </Stack>
    </form>
  );
}
