import { Alert, Badge, Button, Center, Group, Loader, Modal, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { useNavigate } from 'react-router-dom';
import { ApiError, del, get, type Page } from './api';
import { sentenceFor } from './sentences';
import { useTypedFilter, useUrlFilters } from './url-state';

/** Loads something when the inputs change; `reload` loads again (after a write). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data: T | null; error: unknown; loading: boolean }>({ data: null, error: null, loading: true });
  const seq = useRef(0);
  const run = useCallback(() => {
    const n = ++seq.current;
    setState((s) => ({ ...s, loading: true, error: null }));
    load().then(
      (data) => n === seq.current && setState({ data, error: null, loading: false }),
      (error: unknown) => n === seq.current && setState({ data: null, error, loading: false }),
    );
  }, deps);
  useEffect(run, [run]);
  return { ...state, reload: run };
}

export const message = (error: unknown): string =>
  error instanceof ApiError ? `${sentenceFor(error.body)} (${error.body.code})` : error instanceof Error ? error.message : String(error);

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <Center py="xl" role="status" aria-live="polite">
      <Group gap="xs">
        <Loader size="sm" />
        <Text c="dimmed">{label}</Text>
      </Group>
    </Center>
  );
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  return (
    <Alert color="red" title="Something went wrong" role="alert">
      <Stack gap="xs">
        <Text size="sm">{message(error)}</Text>
        {onRetry && (
          <Group>
            <Button size="xs" variant="light" color="red" onClick={onRetry}>
              Try again
            </Button>
          </Group>
        )}
      </Stack>
    </Alert>
  );
}

/** Shows loading and error states around what a useLoad returned. */
export function Loaded<T>({ state, children }: { state: ReturnType<typeof useLoad<T>>; children: (data: T) => ReactNode }) {
  if (state.error) return <ErrorState error={state.error} onRetry={state.reload} />;
  if (state.data === null) return <Loading />;
  return <>{children(state.data)}</>;
}

export function PageHeader({ title, actions, subtitle }: { title: ReactNode; actions?: ReactNode; subtitle?: ReactNode }) {
  return (
    <Group justify="space-between" align="flex-end" mb="md" wrap="wrap">
      <div>
        <Title order={2}>{title}</Title>
        {subtitle && (
          <Text c="dimmed" size="sm">
            {subtitle}
          </Text>
        )}
      </div>
      {actions && <Group gap="xs">{actions}</Group>}
    </Group>
  );
}

/** A form's server errors: the one for each field the server named, and the rest for the form. */
export function useFormErrors() {
  const [fields, setFields] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (fn: () => Promise<void>) => {
    setBusy(true);
    setFields({});
    setGeneral(null);
    try {
      await fn();
    } catch (error) {
      if (error instanceof ApiError && error.field && !['body', 'request'].includes(error.field)) {
        setFields({ [error.field]: sentenceFor(error.body) });
      } else setGeneral(message(error));
    } finally {
      setBusy(false);
    }
  };
  const FormError = () =>
    general ? (
      <Alert color="red" role="alert" py="xs">
        {general}
      </Alert>
    ) : null;
  return { fields, general, busy, submit, FormError, reset: () => (setFields({}), setGeneral(null)) };
}

export const fmtDate = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleString() : '—');
export const fmtDay = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleDateString() : '—');
/** A moment within the coming days, short: "Fri 10:00" (the date too when it is a week or more away). */
export const fmtWeekdayTime = (iso: string | null | undefined): string => {
  if (!iso) return '—';
  const at = new Date(iso);
  const far = Math.abs(at.getTime() - Date.now()) >= 6 * 86_400_000;
  return at.toLocaleString(undefined, {
    weekday: 'short',
    ...(far ? { day: 'numeric', month: 'short' } : {}),
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
};

export function ago(iso: string | null): string {
  if (!iso) return '—';
  const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  if (s < 60) return `${Math.max(0, s)} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

const STATUS_COLOR: Record<string, string> = {
  active: 'green',
  suspended: 'orange',
  revoked: 'red',
  returned: 'gray',
  expired: 'red',
  not_started: 'blue',
  deactivated: 'gray',
  released: 'gray',
  completed: 'green',
  running: 'blue',
  pending: 'gray',
  failed: 'red',
  retired: 'gray',
};

// A badge never shrinks or clips its text: the cell grows (or the table scrolls) instead.
const FIT = { flexShrink: 0, overflow: 'visible', maxWidth: 'none' } as const;

export function StatusBadge({ status }: { status: string }) {
  return (
    <Badge color={STATUS_COLOR[status] ?? 'gray'} variant="light" style={FIT} styles={{ label: { overflow: 'visible' } }}>
      {status.replace('_', ' ')}
    </Badge>
  );
}

/** An event type (entitlement.offering_changed) as written, whole. */
export function EventTypeBadge({ type }: { type: string }) {
  return (
    <Badge
      variant="light"
      size="sm"
      data-event-type={type}
      style={{ ...FIT, textTransform: 'none' }}
      styles={{ label: { overflow: 'visible' } }}
    >
      {type}
    </Badge>
  );
}

export interface Column<T> {
  label: string;
  render: (row: T) => ReactNode;
}

/**
 * A server-paged table: `path` with its filters, Previous/Next over cursors, an optional search box
 * sent as `searchParam`, and rows that open `href(row)` on click or Enter.
 */
export function PagedTable<T extends { id: string }>(props: {
  path: string;
  columns: Column<T>[];
  href?: (row: T) => string;
  searchParam?: string;
  searchLabel?: string;
  pageSize?: number;
  empty?: ReactNode;
  version?: number;
  label: string;
}) {
  const navigate = useNavigate();
  const searchKey = props.searchParam ?? 'q';
  const [url, setUrl] = useUrlFilters([searchKey]);
  const applied = props.searchParam ? (url[searchKey] ?? '') : '';
  const [search, setSearch] = useTypedFilter(applied, (v) => setUrl({ [searchKey]: v }));
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const size = props.pageSize ?? 25;
  useEffect(() => setCursors([null]), [props.path, applied]);
  const state = useLoad(() => {
    const sep = props.path.includes('?') ? '&' : '?';
    const params = new URLSearchParams({ limit: String(size) });
    if (cursor) params.set('cursor', cursor);
    if (applied && props.searchParam) params.set(props.searchParam, applied);
    return get<Page<T>>(`${props.path}${sep}${params}`);
  }, [props.path, cursor, applied, props.version]);

  return (
    <Stack gap="sm">
      {props.searchParam && (
        <Group gap="xs">
          <TextInput
            type="search"
            aria-label={props.searchLabel ?? 'Search'}
            placeholder={props.searchLabel ?? 'Search'}
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
            style={{ flex: 1, maxWidth: 420 }}
          />
          {search && (
            <Button variant="subtle" onClick={() => setSearch('')}>
              Clear
            </Button>
          )}
        </Group>
      )}
      {state.error ? (
        <ErrorState error={state.error} onRetry={state.reload} />
      ) : !state.data ? (
        <Loading />
      ) : state.data.data.length === 0 ? (
        <Text c="dimmed" py="md">
          {props.empty ?? 'Nothing here yet.'}
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={640}>
          <Table highlightOnHover={!!props.href} aria-label={props.label} verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                {props.columns.map((c) => (
                  <Table.Th key={c.label}>{c.label}</Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {state.data.data.map((row) => (
                <Table.Tr
                  key={row.id}
                  tabIndex={props.href ? 0 : undefined}
                  style={props.href ? { cursor: 'pointer' } : undefined}
                  onClick={props.href ? () => navigate(props.href!(row)) : undefined}
                  onKeyDown={props.href ? (e) => e.key === 'Enter' && navigate(props.href!(row)) : undefined}
                >
                  {props.columns.map((c) => (
                    <Table.Td key={c.label}>{c.render(row)}</Table.Td>
                  ))}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Group justify="flex-end" gap="xs">
        <Button size="xs" variant="default" disabled={cursors.length <= 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
          Previous
        </Button>
        <Button
          size="xs"
          variant="default"
          disabled={!state.data?.nextCursor}
          onClick={() => state.data?.nextCursor && setCursors((c) => [...c, state.data!.nextCursor])}
        >
          Next
        </Button>
      </Group>
    </Stack>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return (
    <Text c="dimmed" size="sm" py="sm">
      {children}
    </Text>
  );
}

/** A refusal to delete or change something still in use: the server's reason, what uses it, and the way out. */
export function Refusal({ error }: { error: unknown }) {
  if (!(error instanceof ApiError) || error.body.code !== 'IN_USE') return <ErrorState error={error} />;
  const d = error.body.details ?? {};
  const users = Object.entries(d).filter(([k, v]) => k !== 'resolve' && Array.isArray(v));
  return (
    <Alert color="orange" title="Still in use" role="alert" data-code="IN_USE">
      <Stack gap={4}>
        <Text size="sm">{error.body.message}</Text>
        {users.map(([k, v]) => (
          <Text size="sm" key={k}>
            {k}: {(v as unknown[]).map(String).join(', ')}
          </Text>
        ))}
        {typeof d['resolve'] === 'string' && (
          <Text size="sm" fw={500}>
            {d['resolve']}
          </Text>
        )}
      </Stack>
    </Alert>
  );
}

/** Deleting after a confirmation; a refusal (IN_USE) stays in the dialog with what to do about it. */
export function DeleteDialog(props: {
  opened: boolean;
  title: string;
  path: string;
  onClose: () => void;
  onDeleted: () => void;
  children?: ReactNode;
}) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const close = () => (setError(null), props.onClose());
  return (
    <Modal opened={props.opened} onClose={close} title={props.title}>
      <Stack>
        {props.children ?? <Text size="sm">This cannot be undone.</Text>}
        {error !== null && <Refusal error={error} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>
            Cancel
          </Button>
          <Button
            color="red"
            loading={busy}
            disabled={error !== null}
            onClick={() => {
              setBusy(true);
              del(props.path).then(
                () => (setBusy(false), setError(null), props.onDeleted()),
                (err: unknown) => (setBusy(false), setError(err)),
              );
            }}
          >
            Delete
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** A right's value in a table cell: on/off for booleans, JSON for objects, a dash for null. */
export const show = (v: unknown): string =>
  v === undefined
    ? ''
    : v === null
      ? '—'
      : typeof v === 'boolean'
        ? v
          ? 'on'
          : 'off'
        : typeof v === 'object'
          ? JSON.stringify(v)
          : String(v);
