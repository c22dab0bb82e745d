import { Alert, Button, Code, Group, Modal, PasswordInput, Select, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import type { ApiKey, Product, Role, SigningKey, StaffUser } from '@leasehold/contract';
import { all, del, get, post } from '../api';
import { useSession } from '../session';
import { fmtDate, Loaded, message, PagedTable, PageHeader, StatusBadge, useFormErrors, useLoad } from '../ui';
import { choices, ROLE_LABELS } from '../vocabulary';

const ROLES = choices(ROLE_LABELS);

export function ApiKeys() {
  const [open, setOpen] = useState(false);
  const [created, setCreated] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const products = useLoad(() => all<Product>('/v1/products'), []);
  return (
    <>
      <PageHeader
        title="API keys"
        subtitle="For scripts and back-office systems; shown once, stored only as hashes"
        actions={<Button onClick={() => setOpen(true)}>New API key</Button>}
      />
      {created && (
        <Alert color="teal" mb="md" title="Copy the key now — it is not shown again" withCloseButton onClose={() => setCreated(null)}>
          <Code block data-testid="new-api-key">
            {created}
          </Code>
        </Alert>
      )}
      {error && (
        <Alert color="red" mb="md" role="alert">
          {error}
        </Alert>
      )}
      <PagedTable<ApiKey>
        label="API keys"
        path="/v1/api-keys"
        version={version}
        columns={[
          { label: 'Name', render: (k) => k.name },
          { label: 'Key', render: (k) => <code>{k.prefix}…</code> },
          { label: 'Role', render: (k) => k.role },
          { label: 'Product', render: (k) => k.productId ?? 'all' },
          { label: 'Last used', render: (k) => fmtDate(k.lastUsedAt) },
          {
            label: '',
            render: (k) => (
              <Button
                size="compact-xs"
                color="red"
                variant="light"
                onClick={() => {
                  if (!window.confirm(`Revoke the key “${k.name}”? Scripts using it stop working at once.`)) return;
                  setError(null);
                  del(`/v1/api-keys/${k.id}`).then(
                    () => setVersion((v) => v + 1),
                    (e: unknown) => setError(message(e)),
                  );
                }}
              >
                Revoke
              </Button>
            ),
          },
        ]}
      />
      <KeyForm
        opened={open}
        products={products.data ?? []}
        onClose={() => setOpen(false)}
        onCreated={(key) => {
          setOpen(false);
          setCreated(key);
          setVersion((v) => v + 1);
        }}
      />
    </>
  );
}

function KeyForm(props: { opened: boolean; products: Product[]; onClose: () => void; onCreated: (key: string) => void }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<string | null>('readonly');
  const [productId, setProductId] = useState<string | null>(null);
  const form = useFormErrors();
  return (
    <Modal opened={props.opened} onClose={props.onClose} title="New API key">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void form.submit(async () => {
            const res = await post<{ key: string }>('/v1/api-keys', { name, role, ...(productId ? { productId } : {}) });
            setName('');
            props.onCreated(res.key);
          });
        }}
      >
        <Stack>
          <TextInput
            label="Name"
            required
            data-autofocus
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={form.fields['name']}
          />
          <Select label="Role" data={ROLES} value={role} onChange={setRole} allowDeselect={false} error={form.fields['role']} />
          <Select
            label="Limit to product"
            clearable
            placeholder="All products"
            data={props.products.map((p) => ({ value: p.id, label: p.name }))}
            value={productId}
            onChange={setProductId}
            error={form.fields['productId']}
          />
          <form.FormError />
          <Group justify="flex-end">
            <Button type="submit" loading={form.busy}>
              Create key
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export function SigningKeys() {
  const { can, session } = useSession();
  const state = useLoad(() => get<{ data: SigningKey[] }>('/v1/signing-keys'), []);
  const jwksUrl = `${window.location.origin}/.well-known/accounts/${session.accountId}/jwks.json`;
  const [rotating, setRotating] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <PageHeader
        title="Signing keys"
        subtitle={
          <>
            Ed25519 keys that sign leases, published for your applications at <code data-testid="jwks-url">{jwksUrl}</code>
          </>
        }
        actions={
          can('keys') && (
            <Button variant="light" onClick={() => setRotating(true)}>
              Rotate
            </Button>
          )
        }
      />
      {error && (
        <Alert color="red" mb="md" role="alert">
          {error}
        </Alert>
      )}
      {rotating && (
        <Modal opened onClose={() => setRotating(false)} title="Rotate the signing key?" size="lg">
          <Stack>
            <Text size="sm">
              A new key is made now and signs every lease from now on. The current key signs nothing more; it stays in the JWKS until the
              last lease it signed expires, so leases already on devices keep verifying.
            </Text>
            <Text size="sm">
              <b>Applications that carry the keys inside them</b> (the SDK’s <Code>publicKeys</Code>, the usual way) accept only the keys
              they were built with. The new key exists only from now, so those builds cannot have it: their devices refuse the new leases,
              keep running on the lease they hold, and stop when it expires — at the latest one lease period from now — unless they get an
              update that carries the new JWKS by then. Rotate only when the old key must go (it leaked, say), and ship that update at once.
            </Text>
            <Text size="sm">
              Applications that fetch <Code>{jwksUrl}</Code> at run time see the new key within five minutes (it is cached for 300 s).
            </Text>
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setRotating(false)}>
                Cancel
              </Button>
              <Button
                color="red"
                onClick={() => {
                  setRotating(false);
                  setError(null);
                  post('/v1/signing-keys/rotate').then(state.reload, (e: unknown) => setError(message(e)));
                }}
              >
                Rotate now
              </Button>
            </Group>
          </Stack>
        </Modal>
      )}
      <Loaded state={state}>
        {({ data }) => (
          <Stack gap="xs">
            {data.map((k) => (
              <Group key={k.id} justify="space-between" p="xs" style={{ border: '1px solid var(--mantine-color-gray-3)', borderRadius: 8 }}>
                <div>
                  <Code>{k.id}</Code>{' '}
                  <Text span size="sm">
                    {k.algorithm}
                  </Text>
                  <Text size="xs" c="dimmed">
                    created {fmtDate(k.createdAt)}
                    {k.retiredAt ? ` · retired ${fmtDate(k.retiredAt)}` : ''}
                    {k.publishedUntil ? ` · published until ${fmtDate(k.publishedUntil)}` : ''}
                  </Text>
                </div>
                <StatusBadge status={k.state} />
              </Group>
            ))}
          </Stack>
        )}
      </Loaded>
    </>
  );
}

export function StaffUsers() {
  const { session } = useSession();
  const [open, setOpen] = useState(false);
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <PageHeader
        title="Console users"
        subtitle="People who sign in here; roles match API key roles"
        actions={<Button onClick={() => setOpen(true)}>New user</Button>}
      />
      {error && (
        <Alert color="red" mb="md" role="alert">
          {error}
        </Alert>
      )}
      <PagedTable<StaffUser>
        label="Console users"
        path="/v1/staff-users"
        version={version}
        columns={[
          { label: 'Name', render: (u) => u.name },
          { label: 'Email', render: (u) => u.email },
          { label: 'Role', render: (u) => u.role },
          { label: 'Last sign-in', render: (u) => fmtDate(u.lastSignInAt) },
          {
            label: '',
            render: (u) =>
              u.id !== session.user.id && (
                <Button
                  size="compact-xs"
                  color="red"
                  variant="light"
                  onClick={() => {
                    if (!window.confirm(`Remove ${u.email}?`)) return;
                    setError(null);
                    del(`/v1/staff-users/${u.id}`).then(
                      () => setVersion((v) => v + 1),
                      (e: unknown) => setError(message(e)),
                    );
                  }}
                >
                  Remove
                </Button>
              ),
          },
        ]}
      />
      <UserForm opened={open} onClose={() => setOpen(false)} onCreated={() => (setOpen(false), setVersion((v) => v + 1))} />
    </>
  );
}

function UserForm(props: { opened: boolean; onClose: () => void; onCreated: () => void }) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<string | null>('support');
  const [password, setPassword] = useState('');
  const form = useFormErrors();
  return (
    <Modal opened={props.opened} onClose={props.onClose} title="New console user">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void form.submit(async () => {
            await post('/v1/staff-users', { email, name, role: role as Role, password });
            setEmail('');
            setName('');
            setPassword('');
            props.onCreated();
          });
        }}
      >
        <Stack>
          <TextInput
            label="Name"
            required
            data-autofocus
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={form.fields['name']}
          />
          <TextInput label="Email" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} error={form.fields['email']} />
          <Select label="Role" data={ROLES} value={role} onChange={setRole} allowDeselect={false} error={form.fields['role']} />
          <PasswordInput
            label="First password"
            description="At least 10 characters; tell it to them privately"
            required
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={form.fields['password']}
          />
          <form.FormError />
          <Group justify="flex-end">
            <Button type="submit" loading={form.busy}>
              Create user
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
