import { Alert, Badge, Button, Card, Checkbox, Group, Modal, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import type { Entitlement, HistoryEntry, Offering } from '@leasehold/contract';
import { get, post, type Page } from '../../api';
import { fmtDate, Loaded, message, show, useFormErrors, useLoad } from '../../ui';
import { isLive } from './load';
import { actorLabel, featureValueText, valueText } from '../../naming';
import { useNames } from '../../names';

/** Fields a reader cares about when the entitlement was created (the rest are ids and bookkeeping). */
const CREATED = ['offeringId', 'orderRef', 'state', 'startsAt', 'endsAt', 'overrides'];

/** What changed between two versions, one line per field: before → after (offerings by name). */
function Diff({ v, productId }: { v: HistoryEntry; productId: string }) {
  const names = useNames();
  const created = v.version === 1;
  const keys = [...new Set([...Object.keys(v.before), ...Object.keys(v.after)])].filter((k) =>
    created ? CREATED.includes(k) && v.after[k] !== null && show(v.after[k]) !== '{}' : k !== 'version' && k !== 'updatedAt',
  );
  const val = (k: string, r: Record<string, unknown>) => (!(k in r) ? '—' : valueText(k, r[k], names, productId));
  if (keys.length === 0) return <Text size="xs">—</Text>;
  return (
    <Stack gap={2}>
      {keys.map((k) => (
        <Text size="xs" key={k} style={{ wordBreak: 'break-word' }}>
          <b>{k}</b>: {created ? val(k, v.after) : `${val(k, v.before)} → ${val(k, v.after)}`}
        </Text>
      ))}
    </Stack>
  );
}

/**
 * Every version of the entitlement (who changed what, when), the rights as they stood at any moment,
 * and going back to an earlier version — itself recorded as a new version.
 */
export function HistoryTab(props: { e: Entitlement; offerings: Offering[]; writable: boolean; onReverted: () => void }) {
  const { e } = props;
  const state = useLoad(() => get<Page<HistoryEntry>>(`/v1/entitlements/${e.id}/history`), [e.id, e.version]);
  const [revert, setRevert] = useState<HistoryEntry | null>(null);
  const offeringName = new Map(props.offerings.map((o) => [o.id, o.name]));
  const names = useNames();
  const live = isLive(e);
  return (
    <Stack>
      <AsOf e={e} offeringName={offeringName} />
      <Card withBorder>
        <Title order={4} mb="xs">
          Versions
        </Title>
        <Loaded state={state}>
          {(page) => {
            const latest = Math.max(...page.data.map((v) => v.version));
            return (
              <Table.ScrollContainer minWidth={720}>
                <Table aria-label="History" verticalSpacing="xs">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Version</Table.Th>
                      <Table.Th>When</Table.Th>
                      <Table.Th>Who</Table.Th>
                      <Table.Th>Change</Table.Th>
                      <Table.Th>Before → after</Table.Th>
                      <Table.Th />
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {[...page.data].reverse().map((v) => (
                      <Table.Tr key={v.version} data-version={v.version}>
                        <Table.Td>
                          {v.version} {v.version === latest && <Badge size="xs">current</Badge>}
                        </Table.Td>
                        <Table.Td>{fmtDate(v.at)}</Table.Td>
                        <Table.Td>
                          <Text size="xs">{actorLabel(v.actor, names)}</Text>
                        </Table.Td>
                        <Table.Td>
                          <code>{v.change}</code>
                          <Text size="xs" c="dimmed">
                            {offeringName.get(v.offeringId) ?? v.offeringId}
                          </Text>
                        </Table.Td>
                        <Table.Td maw={360}>
                          <Diff v={v} productId={e.productId} />
                        </Table.Td>
                        <Table.Td>
                          {props.writable && live && v.version !== latest && (
                            <Button size="compact-xs" variant="light" onClick={() => setRevert(v)}>
                              Revert to this version
                            </Button>
                          )}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            );
          }}
        </Loaded>
      </Card>
      {revert && (
        <RevertDialog
          e={e}
          to={revert}
          offeringName={offeringName}
          onClose={() => setRevert(null)}
          onDone={() => (setRevert(null), props.onReverted())}
        />
      )}
    </Stack>
  );
}

/** The fields a revert brings back (the server's list), and how the dialog names them. */
const RESTORED: Array<[keyof Entitlement, string]> = [
  ['offeringId', 'Offering'],
  ['overrides', 'Overrides'],
  ['startsAt', 'Starts'],
  ['endsAt', 'Ends'],
  ['maintenanceUntil', 'Maintenance until'],
  ['orderRef', 'Order reference'],
  ['externalRef', 'External reference'],
  ['metadata', 'Metadata'],
];

/**
 * Confirms a revert by saying exactly what will change: each restored field that differs, now →
 * then, and the status — kept unless the person ticks the box (a suspension for non-payment is
 * not lifted by a revert by accident).
 */
function RevertDialog(props: {
  e: Entitlement;
  to: HistoryEntry;
  offeringName: Map<string, string>;
  onClose: () => void;
  onDone: () => void;
}) {
  const form = useFormErrors();
  const [restoreStatus, setRestoreStatus] = useState(false);
  const then = useLoad(() => get<Entitlement>(`/v1/entitlements/${props.e.id}?asOf=${encodeURIComponent(props.to.at)}`), [props.to.at]);
  const offeringOf = (id: unknown) => (typeof id === 'string' ? (props.offeringName.get(id) ?? id) : show(id));
  const shown = (k: keyof Entitlement, v: unknown) =>
    k === 'offeringId'
      ? offeringOf(v)
      : v === null || v === undefined
        ? '—'
        : k.endsWith('At') || k === 'maintenanceUntil'
          ? fmtDate(String(v))
          : show(v);
  return (
    <Modal opened onClose={props.onClose} title={`Revert to version ${props.to.version}?`} size="lg">
      <Stack>
        <Loaded state={then}>
          {(old) => {
            const changes = RESTORED.filter(([k]) => show(props.e[k]) !== show(old[k]));
            const statusDiffers = old.state !== props.e.state && (old.state === 'active' || old.state === 'suspended');
            return (
              <Stack gap="xs">
                <Text size="sm">
                  Version {props.to.version} is from {fmtDate(props.to.at)}. The revert is recorded as a new version, version{' '}
                  {props.e.version + 1}, so it can be reverted too. Devices get the restored rights at their next refresh.
                </Text>
                {changes.length === 0 ? (
                  <Text size="sm">Its offering, overrides, dates and references are the same as now.</Text>
                ) : (
                  <Table data-testid="revert-changes" withTableBorder>
                    <Table.Thead>
                      <Table.Tr>
                        <Table.Th>Field</Table.Th>
                        <Table.Th>Now</Table.Th>
                        <Table.Th>After the revert</Table.Th>
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {changes.map(([k, label]) => (
                        <Table.Tr key={k}>
                          <Table.Td>{label}</Table.Td>
                          <Table.Td style={{ wordBreak: 'break-word' }}>{shown(k, props.e[k])}</Table.Td>
                          <Table.Td style={{ wordBreak: 'break-word' }}>{shown(k, old[k])}</Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                )}
                <Text size="sm" data-testid="revert-status">
                  Status: <b>{props.e.state}</b>
                  {statusDiffers
                    ? restoreStatus
                      ? ` → ${old.state} (restored, as you asked).`
                      : ` — kept. Version ${props.to.version} was ${old.state}.`
                    : ' — unchanged.'}
                </Text>
                {statusDiffers && (
                  <Checkbox
                    label={`Also make it ${old.state} again, as it was in version ${props.to.version}`}
                    checked={restoreStatus}
                    onChange={(ev) => setRestoreStatus(ev.currentTarget.checked)}
                  />
                )}
              </Stack>
            );
          }}
        </Loaded>
        <form.FormError />
        <Group justify="flex-end">
          <Button variant="default" onClick={props.onClose}>
            Cancel
          </Button>
          <Button
            loading={form.busy}
            data-autofocus
            onClick={() =>
              void form.submit(async () => {
                await post(`/v1/entitlements/${props.e.id}/revert`, {
                  version: props.to.version,
                  ...(restoreStatus ? { restoreStatus } : {}),
                });
                props.onDone();
              })
            }
          >
            Revert
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** The rights at a moment: the entitlement's version then, with its offering's version then. */
function AsOf({ e, offeringName }: { e: Entitlement; offeringName: Map<string, string> }) {
  const names = useNames();
  const [when, setWhen] = useState('');
  const [then, setThen] = useState<{ at: string; entitlement: Entitlement } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const look = async () => {
    if (!when) return;
    setBusy(true);
    setError(null);
    try {
      const at = new Date(when).toISOString();
      setThen({ at, entitlement: await get<Entitlement>(`/v1/entitlements/${e.id}?asOf=${encodeURIComponent(at)}`) });
    } catch (err) {
      setThen(null);
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };
  const x = then?.entitlement.effective;
  const rows: [string, unknown][] = x
    ? [
        ['Offering', offeringName.get(then.entitlement.offeringId) ?? then.entitlement.offeringId],
        ['Version', then.entitlement.version],
        ['Status', x.status],
        ['Ends', x.endsAt ? fmtDate(x.endsAt) : 'never'],
        ['License model', x.licenseModel],
        ['Seat model', x.seatModel],
        ['Seats', x.seats],
        ['Term', x.term ?? 'perpetual'],
        ['Lease period', x.leasePeriod],
        ['Rehost limit', x.rehostLimit ?? 'none'],
        ...Object.keys(x.features)
          .sort()
          .map((c): [string, unknown] => [`${names.feature(e.productId, c) ?? 'Feature'} (${c})`, featureValueText(x.features[c])]),
      ]
    : [];
  return (
    <Card withBorder>
      <Title order={4} mb="xs">
        Rights as of a moment
      </Title>
      <form
        onSubmit={(ev) => {
          ev.preventDefault();
          void look();
        }}
      >
        <Group align="flex-end" gap="xs">
          <TextInput
            type="datetime-local"
            step={1}
            label="As of (your time zone)"
            value={when}
            onChange={(ev) => setWhen(ev.currentTarget.value)}
            required
          />
          <Button type="submit" variant="light" loading={busy}>
            Show rights then
          </Button>
        </Group>
      </form>
      {error && (
        <Alert color="red" role="alert" mt="sm">
          {error}
        </Alert>
      )}
      {then && (
        <Table aria-label="Rights as of" mt="sm" striped>
          <Table.Caption>As of {fmtDate(then.at)}</Table.Caption>
          <Table.Tbody>
            {rows.map(([label, value]) => (
              <Table.Tr key={label} data-right={label}>
                <Table.Td>{label}</Table.Td>
                <Table.Td fw={600}>{show(value)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Card>
  );
}
