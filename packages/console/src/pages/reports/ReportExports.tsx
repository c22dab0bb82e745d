import { Alert, Anchor, Badge, Button, Card, Code, Group, SegmentedControl, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { ApiError, del, get, patch, post, type Page } from '../../api';
import { savedReportHref, type Saved } from '../ReportBuilder';
import { useSession } from '../../session';
import { Empty, fmtDate, Loaded, message, PageHeader, useLoad } from '../../ui';

/** An export as /v1/report-exports answers it. */
interface ReportExport {
  id: string;
  savedReportId: string;
  cadence: string;
  hour: number;
  destination: { kind: string; url?: string; to?: string };
  nextRunAt: string;
  /** A paused export gets no scheduled run until it is resumed; the server computes the next one from the resume. */
  paused: boolean;
  pausedAt: string | null;
}
interface Run {
  id: string;
  trigger: string;
  at: string;
  from: string;
  to: string;
  rows: number | null;
  status: string;
  attempts: number;
  nextAttemptAt: string | null;
  error: string | null;
}

const CADENCES = [
  { value: 'daily', label: 'Daily (yesterday)' },
  { value: 'weekly', label: 'Weekly, Mondays (last ISO week)' },
  { value: 'monthly', label: 'Monthly, on the 1st (last month)' },
];
const HOURS = Array.from({ length: 24 }, (_, h) => ({ value: String(h), label: `${String(h).padStart(2, '0')}:00 UTC` }));
const STATUS_COLOR: Record<string, string> = { delivered: 'teal', pending: 'yellow', failed: 'red' };

/** Each export with its latest run (the run log's first entry), loaded together. */
async function loadExports(): Promise<Array<{ exp: ReportExport; last: Run | null }>> {
  const page = await get<Page<ReportExport>>('/v1/report-exports?limit=100');
  return Promise.all(
    page.data.map(async (exp) => ({ exp, last: (await get<Page<Run>>(`/v1/report-exports/${exp.id}/runs?limit=1`)).data[0] ?? null })),
  );
}

/**
 * Scheduled exports of saved reports: the list with each one's last run and its outcome, a form
 * to schedule one, and run now / pause / resume / delete. A destination the server refuses (an address its SSRF
 * guard blocks, email without an SMTP server) shows the server's own sentence under the field.
 */
export function ReportExports() {
  const { can } = useSession();
  const [tick, setTick] = useState(0);
  const exports = useLoad(loadExports, [tick]);
  // Reloaded with the list: a saved report deleted meanwhile shows as its id, not as a link.
  const saved = useLoad(() => get<Page<Saved>>('/v1/saved-reports?limit=100'), [tick]);
  const savedById = new Map((saved.data?.data ?? []).map((s) => [s.id, s]));
  const [error, setError] = useState<string | null>(null);
  const reload = () => setTick((t) => t + 1);
  return (
    <>
      <PageHeader
        title="Scheduled exports"
        subtitle="Saved reports sent as CSV on a schedule, to an HTTPS endpoint or an email address"
        actions={
          <Anchor component={Link} to="/reports/custom">
            Custom report
          </Anchor>
        }
      />
      <Stack>
        {can('write') && <NewExport saved={saved.data?.data ?? []} onCreated={reload} />}
        {error && (
          <Alert color="red" role="alert" withCloseButton onClose={() => setError(null)}>
            {error}
          </Alert>
        )}
        <Card withBorder>
          <Loaded state={exports}>
            {(list) =>
              list.length === 0 ? (
                <Empty>No scheduled exports yet. Save a custom report, then schedule it here.</Empty>
              ) : (
                <Table aria-label="Scheduled exports" striped>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Saved report</Table.Th>
                      <Table.Th>Schedule</Table.Th>
                      <Table.Th>Destination</Table.Th>
                      <Table.Th>Next run</Table.Th>
                      <Table.Th>Last run</Table.Th>
                      <Table.Th />
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {list.map(({ exp, last }) => (
                      <Table.Tr key={exp.id} data-export={exp.id}>
                        <Table.Td>
                          {savedById.has(exp.savedReportId) ? (
                            <Anchor component={Link} to={savedReportHref(savedById.get(exp.savedReportId)!)}>
                              {savedById.get(exp.savedReportId)!.name}
                            </Anchor>
                          ) : (
                            exp.savedReportId
                          )}
                        </Table.Td>
                        <Table.Td>
                          {exp.cadence} at {String(exp.hour).padStart(2, '0')}:00 UTC
                        </Table.Td>
                        <Table.Td>{exp.destination.kind === 'url' ? exp.destination.url : exp.destination.to}</Table.Td>
                        <Table.Td data-testid="next-run">
                          {exp.paused ? (
                            <Badge color="gray" variant="light" title={exp.pausedAt ? `Paused ${fmtDate(exp.pausedAt)}` : undefined}>
                              paused
                            </Badge>
                          ) : (
                            fmtDate(exp.nextRunAt)
                          )}
                        </Table.Td>
                        <Table.Td data-testid="last-run">{last ? <LastRun run={last} /> : '—'}</Table.Td>
                        <Table.Td>
                          {can('write') && (
                            <Group gap="xs" wrap="nowrap">
                              <Button
                                size="xs"
                                variant="light"
                                onClick={() => {
                                  setError(null);
                                  post(`/v1/report-exports/${exp.id}/run`).then(reload, (e: unknown) => setError(message(e)));
                                }}
                              >
                                Run now
                              </Button>
                              <Button
                                size="xs"
                                variant="default"
                                onClick={() => {
                                  setError(null);
                                  patch(`/v1/report-exports/${exp.id}`, { paused: !exp.paused }).then(reload, (e: unknown) =>
                                    setError(message(e)),
                                  );
                                }}
                              >
                                {exp.paused ? 'Resume' : 'Pause'}
                              </Button>
                              <Button
                                size="xs"
                                color="red"
                                variant="subtle"
                                onClick={() => {
                                  setError(null);
                                  del(`/v1/report-exports/${exp.id}`).then(reload, (e: unknown) => setError(message(e)));
                                }}
                              >
                                Delete
                              </Button>
                            </Group>
                          )}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              )
            }
          </Loaded>
        </Card>
        <Text size="xs" c="dimmed">
          A paused export gets no scheduled run (Run now still runs it once); resuming schedules the next run from now, and the runs missed
          while it was paused, or while no server ran, are not made up. Deleting an export keeps its saved report.
        </Text>
      </Stack>
    </>
  );
}

function LastRun({ run }: { run: Run }) {
  return (
    <Stack gap={2}>
      <Group gap="xs">
        <Badge color={STATUS_COLOR[run.status] ?? 'gray'} variant="light">
          {run.status}
        </Badge>
        <Text size="xs">
          {fmtDate(run.at)} · {run.rows ?? '—'} rows · {run.attempts} attempt{run.attempts === 1 ? '' : 's'}
          {run.trigger === 'manual' ? ' · run by hand' : ''}
        </Text>
      </Group>
      {run.error && (
        <Text size="xs" c="red">
          {run.error}
          {run.nextAttemptAt ? ` (tried again ${fmtDate(run.nextAttemptAt)})` : ''}
        </Text>
      )}
    </Stack>
  );
}

/** The form of a new export; the signing secret of a URL destination is shown once, as the server answers it once. */
function NewExport(props: { saved: Saved[]; onCreated: () => void }) {
  const [savedReportId, setSavedReportId] = useState<string | null>(null);
  const [cadence, setCadence] = useState('daily');
  const [hour, setHour] = useState('6');
  const [kind, setKind] = useState<'url' | 'email'>('url');
  const [url, setUrl] = useState('');
  const [to, setTo] = useState('');
  const [fields, setFields] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const create = async () => {
    setBusy(true);
    setFields({});
    setGeneral(null);
    setSecret(null);
    try {
      const destination = kind === 'url' ? { kind, url } : { kind, to };
      const made = await post<{ secret: string | null }>('/v1/report-exports', { savedReportId, cadence, hour: Number(hour), destination });
      setSecret(made.secret);
      setUrl('');
      setTo('');
      props.onCreated();
    } catch (e) {
      // The server names the field it refused (`destination.url`, `destination.to`, `savedReportId`): its sentence goes there.
      const field = e instanceof ApiError ? e.body.details?.['field'] : undefined;
      if (e instanceof ApiError && typeof field === 'string')
        setFields({ [field.startsWith('destination') ? kind : field]: e.body.message });
      else setGeneral(message(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card withBorder>
      <form
        aria-label="New scheduled export"
        onSubmit={(ev) => {
          ev.preventDefault();
          void create();
        }}
      >
        <Group align="start" wrap="wrap">
          <Select
            label="Saved report"
            data={props.saved.map((s) => ({ value: s.id, label: s.name }))}
            value={savedReportId}
            onChange={setSavedReportId}
            error={fields['savedReportId']}
            placeholder={props.saved.length ? 'Choose one' : 'Save a custom report first'}
            w={220}
            required
          />
          <Select
            label="Cadence"
            data={CADENCES}
            value={cadence}
            onChange={(v) => setCadence(v ?? 'daily')}
            allowDeselect={false}
            w={240}
          />
          <Select label="At" data={HOURS} value={hour} onChange={(v) => setHour(v ?? '6')} allowDeselect={false} w={120} />
          <Stack gap={4}>
            <Text size="sm" fw={500}>
              Send to
            </Text>
            <SegmentedControl
              value={kind}
              onChange={(v) => setKind(v as 'url' | 'email')}
              data={[
                { value: 'url', label: 'HTTPS endpoint' },
                { value: 'email', label: 'Email' },
              ]}
            />
          </Stack>
          {kind === 'url' ? (
            <TextInput
              label="URL"
              placeholder="https://bi.example.com/leasehold"
              value={url}
              onChange={(e) => setUrl(e.currentTarget.value)}
              error={fields['url']}
              w={320}
              required
            />
          ) : (
            <TextInput
              label="Email address"
              type="email"
              placeholder="finance@vendor.example"
              value={to}
              onChange={(e) => setTo(e.currentTarget.value)}
              error={fields['email']}
              w={320}
              required
            />
          )}
          <Button type="submit" mt={24} loading={busy} disabled={!savedReportId}>
            Schedule export
          </Button>
        </Group>
      </form>
      {general && (
        <Alert color="red" role="alert" mt="sm" py="xs">
          {general}
        </Alert>
      )}
      {secret && (
        <Alert color="teal" mt="sm" title="Signing secret (shown this once)" data-testid="export-secret">
          <Text size="sm">
            Deliveries are signed per Standard Webhooks with <Code>{secret}</Code>. Keep it with the receiver: it is not shown again.
          </Text>
        </Alert>
      )}
    </Card>
  );
}
