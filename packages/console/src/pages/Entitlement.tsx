import {
  Alert,
  Badge,
  Button,
  Card,
  Checkbox,
  Code,
  CopyButton,
  Grid,
  Group,
  List,
  Modal,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Tabs,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import {
  all,
  del,
  get,
  patch,
  post,
  qs,
  type Activation,
  type ChangeOfferingResult,
  type Customer,
  type Entitlement,
  type EventRecord,
  type Feature,
  type FeatureValue,
  type Lease,
  type Offering,
} from '../api';
import { useSession } from '../session';
import { ago, fmtDate, Loaded, message, PageHeader, show, StatusBadge, useFormErrors, useLoad } from '../ui';
import { EventTable } from './Events';
import { HistoryTab } from './EntitlementHistory';
import { UsagePanel } from './EntitlementUsage';

async function loadEntitlement(id: string) {
  const entitlement = await get<Entitlement>(`/v1/entitlements/${id}`);
  const [offering, customer, offerings, activations, leases, events, features] = await Promise.all([
    get<Offering>(`/v1/offerings/${entitlement.offeringId}`),
    get<Customer>(`/v1/customers/${entitlement.customerId}`),
    all<Offering>('/v1/offerings'),
    all<Activation>(`/v1/entitlements/${id}/activations`, 500),
    get<{ data: Lease[] }>(`/v1/entitlements/${id}/leases?limit=20`),
    get<{ data: EventRecord[] }>(`/v1/events${qs({ entitlement: id, limit: 50 })}`),
    all<Feature>(`/v1/products/${entitlement.productId}/features`),
  ]);
  return { entitlement, offering, customer, offerings, activations, leases: leases.data, events: events.data, features };
}

type Loaded = Awaited<ReturnType<typeof loadEntitlement>>;
type Dialog = null | 'suspend' | 'revoke' | 'renew' | 'extend' | 'overrides' | 'change';

export function EntitlementPage() {
  const { id } = useParams();
  const state = useLoad(() => loadEntitlement(id!), [id]);
  return <Loaded state={state}>{(d) => <EntitlementView d={d} reload={state.reload} />}</Loaded>;
}

function EntitlementView({ d, reload }: { d: Loaded; reload: () => void }) {
  const { can } = useSession();
  const [dialog, setDialog] = useState<Dialog>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const e = d.entitlement;
  const done = () => {
    setDialog(null);
    reload();
  };
  const act = async (path: string) => {
    setActionError(null);
    try {
      await post(`/v1/entitlements/${e.id}/${path}`);
      reload();
    } catch (err) {
      setActionError(message(err));
    }
  };
  const writable = can('write');
  const live = e.state === 'active' || e.state === 'suspended';

  return (
    <>
      <PageHeader
        title={
          <Group gap="sm">
            <span>{d.customer.name}</span>
            <StatusBadge status={e.effective.status} />
          </Group>
        }
        subtitle={
          <>
            <Link to={`/offerings/${d.offering.id}`}>{d.offering.name}</Link> · {e.orderRef ? `order ${e.orderRef} · ` : ''}version{' '}
            {e.version} · <Link to={`/customers/${d.customer.id}`}>customer</Link>
          </>
        }
        actions={
          writable && (
            <>
              {e.state === 'active' && (
                <Button variant="light" color="orange" onClick={() => setDialog('suspend')}>
                  Suspend
                </Button>
              )}
              {e.state === 'suspended' && (
                <Button variant="light" color="green" onClick={() => void act('resume')}>
                  Resume
                </Button>
              )}
              {live && (
                <>
                  <Button variant="light" onClick={() => setDialog('renew')}>
                    Renew
                  </Button>
                  <Button variant="light" onClick={() => setDialog('extend')}>
                    Extend
                  </Button>
                  <Button variant="light" onClick={() => setDialog('overrides')}>
                    Edit overrides
                  </Button>
                  <Button onClick={() => setDialog('change')}>Change offering</Button>
                  <Button variant="light" color="red" onClick={() => setDialog('revoke')}>
                    Revoke
                  </Button>
                </>
              )}
            </>
          )
        }
      />
      {actionError && (
        <Alert color="red" mb="md" role="alert" withCloseButton onClose={() => setActionError(null)}>
          {actionError}
        </Alert>
      )}
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
                    <Group gap="xs">
                      <Text size="sm" c="dimmed">
                        License key
                      </Text>
                      <Code data-testid="license-key">{e.key}</Code>
                      <CopyButton value={e.key}>
                        {({ copied, copy }) => (
                          <Button size="compact-xs" variant="subtle" onClick={copy}>
                            {copied ? 'Copied' : 'Copy'}
                          </Button>
                        )}
                      </CopyButton>
                    </Group>
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
                  <Activations d={d} reload={reload} writable={writable} />
                </Card>
                <Card withBorder>
                  <Title order={4} mb="xs">
                    Leases
                  </Title>
                  <Leases d={d} />
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
        opened={dialog === 'suspend' || dialog === 'revoke'}
        action={dialog === 'revoke' ? 'revoke' : 'suspend'}
        id={e.id}
        onClose={() => setDialog(null)}
        onDone={done}
      />
      <RenewDialog opened={dialog === 'renew'} e={e} onClose={() => setDialog(null)} onDone={done} />
      <ExtendDialog opened={dialog === 'extend'} e={e} onClose={() => setDialog(null)} onDone={done} />
      {dialog === 'overrides' && <OverridesDialog d={d} onClose={() => setDialog(null)} onDone={done} />}
      {dialog === 'change' && <ChangeOfferingDialog d={d} onClose={() => setDialog(null)} onDone={done} />}
    </>
  );
}

/** Every right side by side: what the offering gives, what this entitlement overrides, what holds now. */
function RightsTable({ d }: { d: Loaded }) {
  const { entitlement: e, offering: o } = d;
  const ov = e.overrides;
  const rows: [string, unknown, unknown, unknown][] = [
    ['Status', '', undefined, e.effective.status],
    ['Starts', '', undefined, fmtDate(e.effective.startsAt)],
    ['Ends', '', undefined, e.effective.endsAt ? fmtDate(e.effective.endsAt) : 'never'],
    ['License model', o.licenseModel, undefined, e.effective.licenseModel],
    ['Seat model', o.seatModel, undefined, e.effective.seatModel],
    ['Seats', o.seats, ov.seats, e.effective.seats],
    ['Term', o.term ?? 'perpetual', ov.term, e.effective.term ?? 'perpetual'],
    ['Lease period', o.leasePeriod, ov.leasePeriod, e.effective.leasePeriod],
    ['Rehost limit', o.rehostLimit ?? 'none', ov.rehostLimit, e.effective.rehostLimit ?? 'none'],
    [
      'Maintenance',
      o.maintenanceTerm ?? '—',
      ov.maintenanceTerm,
      e.effective.maintenanceUntil ? `until ${fmtDate(e.effective.maintenanceUntil)}` : '—',
    ],
  ];
  const codes = [...new Set([...Object.keys(o.features), ...Object.keys(ov.features ?? {}), ...Object.keys(e.effective.features)])].sort();
  for (const code of codes) rows.push([`Feature ${code}`, o.features[code] ?? '—', ov.features?.[code], e.effective.features[code] ?? '—']);
  return (
    <Table.ScrollContainer minWidth={480}>
      <Table aria-label="Rights" striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Right</Table.Th>
            <Table.Th>Offering</Table.Th>
            <Table.Th>Override</Table.Th>
            <Table.Th>Effective</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map(([label, offering, override, effective]) => (
            <Table.Tr key={label} data-right={label}>
              <Table.Td>{label}</Table.Td>
              <Table.Td c="dimmed">{show(offering)}</Table.Td>
              <Table.Td>
                {override !== undefined && (
                  <Badge color="violet" variant="light">
                    {show(override)}
                  </Badge>
                )}
              </Table.Td>
              <Table.Td fw={600}>{show(effective)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function Activations({ d, reload, writable }: { d: Loaded; reload: () => void; writable: boolean }) {
  const [error, setError] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<Activation | null>(null);
  const run = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      setConfirm(null);
      reload();
    } catch (err) {
      setError(message(err));
    }
  };
  if (d.activations.length === 0) return <Text c="dimmed">No device has activated this license yet.</Text>;
  return (
    <>
      {error && (
        <Alert color="red" role="alert" mb="xs">
          {error}
        </Alert>
      )}
      <Table.ScrollContainer minWidth={600}>
        <Table aria-label="Activations">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Device</Table.Th>
              <Table.Th>Platform</Table.Th>
              <Table.Th>Last seen</Table.Th>
              <Table.Th>State</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {d.activations.map((a) => (
              <Table.Tr key={a.id}>
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {a.name ?? a.hostname ?? 'Unnamed device'} {a.pinned && <Badge size="xs">pinned</Badge>}
                  </Text>
                  <Text size="xs" c="dimmed" title={a.fingerprint}>
                    {a.fingerprint.slice(0, 16)}… {a.user ? `· ${a.user}` : ''}
                  </Text>
                </Table.Td>
                <Table.Td>
                  {a.platform ?? '—'}
                  {a.version ? ` · v${a.version}` : ''}
                </Table.Td>
                <Table.Td title={fmtDate(a.lastSeenAt)}>{ago(a.lastSeenAt)}</Table.Td>
                <Table.Td>
                  <StatusBadge status={a.state} />
                </Table.Td>
                <Table.Td>
                  {writable && a.state === 'active' && (
                    <Group gap={4} wrap="nowrap">
                      <Button
                        size="compact-xs"
                        variant="default"
                        onClick={() => void run(() => patch(`/v1/activations/${a.id}`, { pinned: !a.pinned }))}
                      >
                        {a.pinned ? 'Unpin' : 'Pin'}
                      </Button>
                      <Button size="compact-xs" variant="light" color="red" onClick={() => setConfirm(a)}>
                        Deactivate
                      </Button>
                    </Group>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Modal opened={!!confirm} onClose={() => setConfirm(null)} title="Deactivate this device?">
        <Stack>
          <Text size="sm">
            {confirm?.name ?? confirm?.fingerprint} loses its seat now; its current lease still works offline until it expires.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirm(null)}>
              Cancel
            </Button>
            <Button color="red" onClick={() => confirm && void run(() => del(`/v1/activations/${confirm.id}`))}>
              Deactivate
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

function Leases({ d }: { d: Loaded }) {
  if (d.leases.length === 0) return <Text c="dimmed">No leases issued yet.</Text>;
  const name = new Map(d.activations.map((a) => [a.id, a.name ?? a.hostname ?? a.fingerprint.slice(0, 12)]));
  return (
    <Table.ScrollContainer minWidth={480}>
      <Table aria-label="Leases">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Device</Table.Th>
            <Table.Th>Issued</Table.Th>
            <Table.Th>Refresh after</Table.Th>
            <Table.Th>Expires</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {d.leases.map((l) => (
            <Table.Tr key={l.id}>
              <Table.Td>{name.get(l.activationId) ?? l.activationId}</Table.Td>
              <Table.Td>{fmtDate(l.issuedAt)}</Table.Td>
              <Table.Td>{fmtDate(l.refreshAfter)}</Table.Td>
              <Table.Td>{fmtDate(l.expiresAt)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function ReasonDialog(props: { opened: boolean; action: 'suspend' | 'revoke'; id: string; onClose: () => void; onDone: () => void }) {
  const [reason, setReason] = useState('');
  const form = useFormErrors();
  const verb = props.action === 'suspend' ? 'Suspend' : 'Revoke';
  return (
    <Modal opened={props.opened} onClose={props.onClose} title={`${verb} this entitlement?`}>
      <form
        onSubmit={(ev) => {
          ev.preventDefault();
          void form.submit(async () => {
            await post(`/v1/entitlements/${props.id}/${props.action}`, reason ? { reason } : {});
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

function RenewDialog(props: { opened: boolean; e: Entitlement; onClose: () => void; onDone: () => void }) {
  const [term, setTerm] = useState('');
  const form = useFormErrors();
  return (
    <Modal opened={props.opened} onClose={props.onClose} title="Renew">
      <form
        onSubmit={(ev) => {
          ev.preventDefault();
          void form.submit(async () => {
            await post(`/v1/entitlements/${props.e.id}/renew`, term ? { term } : {});
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

function ExtendDialog(props: { opened: boolean; e: Entitlement; onClose: () => void; onDone: () => void }) {
  const [date, setDate] = useState('');
  const [perpetual, setPerpetual] = useState(false);
  const form = useFormErrors();
  return (
    <Modal opened={props.opened} onClose={props.onClose} title="Extend to a date">
      <form
        onSubmit={(ev) => {
          ev.preventDefault();
          void form.submit(async () => {
            const endsAt = perpetual ? null : new Date(`${date}T23:59:59Z`).toISOString();
            await patch(`/v1/entitlements/${props.e.id}`, { endsAt });
            props.onDone();
          });
        }}
      >
        <Stack>
          <Text size="sm">Ends now: {props.e.effective.endsAt ? fmtDate(props.e.effective.endsAt) : 'never'}</Text>
          <TextInput
            type="date"
            label="New end date (UTC)"
            required={!perpetual}
            disabled={perpetual}
            value={date}
            onChange={(ev) => setDate(ev.currentTarget.value)}
            error={form.fields['endsAt']}
          />
          <Checkbox label="No end date" checked={perpetual} onChange={(ev) => setPerpetual(ev.currentTarget.checked)} />
          <form.FormError />
          <Group justify="flex-end">
            <Button type="submit" loading={form.busy}>
              Extend
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** Overrides: set a value to lay it over the offering; clear it to fall back to the offering's value. */
function OverridesDialog({ d, onClose, onDone }: { d: Loaded; onClose: () => void; onDone: () => void }) {
  const ov = d.entitlement.overrides;
  const [seats, setSeats] = useState<number | string>(ov.seats ?? '');
  const [leasePeriod, setLeasePeriod] = useState(ov.leasePeriod ?? '');
  const [term, setTerm] = useState(ov.term ?? '');
  const [rehostLimit, setRehostLimit] = useState<number | string>(ov.rehostLimit ?? '');
  const [features, setFeatures] = useState<Record<string, string>>(
    Object.fromEntries(
      Object.keys(d.offering.features).map((c) => [c, ov.features?.[c] === undefined ? '' : JSON.stringify(ov.features[c])]),
    ),
  );
  const form = useFormErrors();
  return (
    <Modal opened onClose={onClose} title="Edit overrides" size="lg">
      <form
        onSubmit={(ev) => {
          ev.preventDefault();
          void form.submit(async () => {
            const f: Record<string, FeatureValue | null> = {};
            for (const [code, raw] of Object.entries(features)) f[code] = raw.trim() === '' ? null : (JSON.parse(raw) as FeatureValue);
            await patch(`/v1/entitlements/${d.entitlement.id}`, {
              overrides: {
                seats: seats === '' ? null : Number(seats),
                leasePeriod: leasePeriod.trim() || null,
                term: term.trim() || null,
                rehostLimit: rehostLimit === '' ? null : Number(rehostLimit),
                features: f,
              },
            });
            onDone();
          });
        }}
      >
        <Stack>
          <Text size="sm" c="dimmed">
            Empty fields follow the offering ({d.offering.name}). Overrides survive offering changes.
          </Text>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <NumberInput
              label="Seats"
              placeholder={String(d.offering.seats)}
              min={1}
              value={seats}
              onChange={setSeats}
              error={form.fields['overrides'] ?? form.fields['seats']}
            />
            <TextInput
              label="Lease period"
              placeholder={d.offering.leasePeriod}
              value={leasePeriod}
              onChange={(ev) => setLeasePeriod(ev.currentTarget.value)}
            />
            <TextInput
              label="Term"
              placeholder={d.offering.term ?? 'perpetual'}
              value={term}
              onChange={(ev) => setTerm(ev.currentTarget.value)}
            />
            <NumberInput
              label="Rehost limit"
              placeholder={String(d.offering.rehostLimit ?? 'none')}
              min={0}
              value={rehostLimit}
              onChange={setRehostLimit}
            />
            {Object.keys(features).map((code) => (
              <TextInput
                key={code}
                label={`Feature ${code}`}
                description="true, false or a number"
                placeholder={show(d.offering.features[code])}
                value={features[code]}
                onChange={(ev) => {
                  const v = ev.currentTarget.value;
                  setFeatures((f) => ({ ...f, [code]: v }));
                }}
              />
            ))}
          </SimpleGrid>
          <form.FormError />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={form.busy}>
              Save overrides
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** Change offering in two steps: a dry run shows exactly what would happen; only then can it be confirmed. */
function ChangeOfferingDialog({ d, onClose, onDone }: { d: Loaded; onClose: () => void; onDone: () => void }) {
  const [target, setTarget] = useState<string | null>(null);
  const [removeSeats, setRemoveSeats] = useState(false);
  const [preview, setPreview] = useState<ChangeOfferingResult | null>(null);
  const form = useFormErrors();
  const choices = d.offerings.filter(
    (o) =>
      o.id !== d.offering.id &&
      (d.offering.upgradePaths.length === 0 ? o.productId === d.offering.productId : d.offering.upgradePaths.includes(o.id)),
  );
  const request = (dryRun: boolean) =>
    post<ChangeOfferingResult>(`/v1/entitlements/${d.entitlement.id}/change-offering`, { offeringId: target, removeSeats, dryRun });
  const before = d.entitlement.effective;
  return (
    <Modal opened onClose={onClose} title="Change offering" size="lg">
      <Stack>
        <Text size="sm">
          From <b>{d.offering.name}</b>. Overrides keep their values.
        </Text>
        <Select
          label="New offering"
          data={choices.map((o) => ({ value: o.id, label: `${o.name} (${o.code})` }))}
          value={target}
          onChange={(v) => (setTarget(v), setPreview(null))}
          searchable
          error={form.fields['offeringId']}
          data-autofocus
        />
        <Checkbox
          label="Remove all seats (every device activates again)"
          checked={removeSeats}
          onChange={(ev) => (setRemoveSeats(ev.currentTarget.checked), setPreview(null))}
        />
        <form.FormError />
        {preview && (
          <Card withBorder bg="gray.0" aria-label="Impact preview">
            <Title order={5} mb="xs">
              Impact preview
            </Title>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Right</Table.Th>
                  <Table.Th>Now</Table.Th>
                  <Table.Th>After</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {(
                  [
                    ['Seats', before.seats, preview.entitlement.effective.seats],
                    ['Seat model', before.seatModel, preview.entitlement.effective.seatModel],
                    ['Lease period', before.leasePeriod, preview.entitlement.effective.leasePeriod],
                    ['Ends', fmtDate(before.endsAt), fmtDate(preview.entitlement.effective.endsAt)],
                    ...[...new Set([...Object.keys(before.features), ...Object.keys(preview.entitlement.effective.features)])].map(
                      (c) =>
                        [`Feature ${c}`, show(before.features[c] ?? '—'), show(preview.entitlement.effective.features[c] ?? '—')] as const,
                    ),
                  ] as const
                ).map(([label, now, after]) => (
                  <Table.Tr key={label} fw={show(now) !== show(after) ? 600 : undefined}>
                    <Table.Td>{label}</Table.Td>
                    <Table.Td>{show(now)}</Table.Td>
                    <Table.Td>{show(after)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <List size="sm" mt="sm" spacing={4}>
              <List.Item>
                Devices losing their seat:{' '}
                {preview.removedActivations.length === 0
                  ? 'none'
                  : preview.removedActivations.map((a) => a.name ?? a.fingerprint.slice(0, 12)).join(', ')}
              </List.Item>
              <List.Item>Overrides kept: {preview.keptOverrides.length ? preview.keptOverrides.join(', ') : 'none'}</List.Item>
              {preview.droppedOverrides.length > 0 && <List.Item>Overrides dropped: {preview.droppedOverrides.join(', ')}</List.Item>}
              {preview.datesChanged && <List.Item>The term restarts (the license model changes).</List.Item>}
              {preview.warnings.map((w) => (
                <List.Item key={w.code}>
                  <Text c="orange" size="sm" span>
                    {w.message}
                  </Text>
                </List.Item>
              ))}
            </List>
          </Card>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          {!preview ? (
            <Button disabled={!target} loading={form.busy} onClick={() => void form.submit(async () => setPreview(await request(true)))}>
              Preview impact
            </Button>
          ) : (
            <Button
              color="teal"
              loading={form.busy}
              onClick={() =>
                void form.submit(async () => {
                  await request(false);
                  onDone();
                })
              }
            >
              Confirm change
            </Button>
          )}
        </Group>
      </Stack>
    </Modal>
  );
}
