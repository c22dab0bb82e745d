import { Alert, Badge, Button, Checkbox, Code, Group, Modal, NumberInput, Select, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import type { KeyGenerator, KeyGeneratorCreate, KeyGeneratorCreated, KeyGeneratorKind, Offering, Product } from '@leasehold/contract';
import { all, post } from '../../api';
import { useNames } from '../../names';
import { useSession } from '../../session';
import { DeleteDialog, fmtDate, PagedTable, PageHeader, useFormErrors, useLoad } from '../../ui';

const KINDS: { value: KeyGeneratorKind; label: string; hint: string }[] = [
  { value: 'random', label: 'Random (built-in)', hint: '24 random symbols and a check symbol, as with no generator.' },
  { value: 'pattern', label: 'Pattern', hint: 'X a symbol, # a digit, {PRODUCT} and {OFFERING} the codes, * the check symbol.' },
  { value: 'signed', label: 'Signed (verifiable offline)', hint: 'A JWS signed with the account key: the SDK checks it with no server.' },
  { value: 'imported', label: 'Imported', hint: 'Every new entitlement brings its own key (a migration from another system).' },
  {
    value: 'remote',
    label: 'Remote (your endpoint)',
    hint: 'Leasehold asks your HTTPS endpoint for each key, signed per Standard Webhooks.',
  },
];

/** What a generator is set to, in a line. */
export function generatorSettings(g: KeyGenerator): string {
  if (g.kind === 'pattern' && g.pattern) return `${g.pattern.pattern}${g.pattern.checkDigit === false ? ' (no check symbol)' : ''}`;
  if (g.kind === 'remote' && g.remote) {
    const r = g.remote;
    return `${r.url} · ${r.timeoutMs ?? 3000} ms · ${r.retries ?? 2} retries · ${r.onFailure === 'queue' ? 'queues when down' : 'fails when down'}`;
  }
  return '';
}

/**
 * How license keys are made, per product or offering: the generators in force, a form for a new
 * one (a remote generator's signing secret is shown once), and going back to random keys.
 */
export function KeyGenerators() {
  const { can } = useSession();
  const names = useNames();
  const [open, setOpen] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [removing, setRemoving] = useState<KeyGenerator | null>(null);
  const [version, setVersion] = useState(0);
  return (
    <>
      <PageHeader
        title="Key generators"
        subtitle="How license keys are made for a product or one offering; an offering's generator wins over its product's"
        actions={can('catalog') && <Button onClick={() => setOpen(true)}>New generator</Button>}
      />
      {secret && (
        <Alert
          color="teal"
          mb="md"
          title="Copy the signing secret now — it is not shown again"
          withCloseButton
          onClose={() => setSecret(null)}
        >
          <Code block data-testid="generator-secret">
            {secret}
          </Code>
          <Text size="xs" mt="xs">
            Your endpoint verifies each key request with it (docs/keys-and-codes.md).
          </Text>
        </Alert>
      )}
      <PagedTable<KeyGenerator>
        label="Key generators"
        path="/v1/key-generators"
        version={version}
        empty="No generators: every license key is the built-in random key."
        columns={[
          { label: 'Product', render: (g) => names.product(g.productId) ?? g.productId },
          { label: 'Offering', render: (g) => (g.offeringId ? (names.offering(g.offeringId) ?? g.offeringId) : 'every offering') },
          {
            label: 'Kind',
            render: (g) => (
              <Badge variant="light" style={{ textTransform: 'none' }}>
                {g.kind}
              </Badge>
            ),
          },
          { label: 'Settings', render: (g) => <code>{generatorSettings(g)}</code> },
          { label: 'Since', render: (g) => fmtDate(g.updatedAt) },
          {
            label: '',
            render: (g) =>
              can('catalog') && (
                <Button size="xs" variant="subtle" color="red" onClick={() => setRemoving(g)} aria-label={`Remove the ${g.kind} generator`}>
                  Remove
                </Button>
              ),
          },
        ]}
      />
      <GeneratorForm
        opened={open}
        onClose={() => setOpen(false)}
        onCreated={(g) => {
          setOpen(false);
          if (g.secret) setSecret(g.secret);
          setVersion((v) => v + 1);
        }}
      />
      <DeleteDialog
        opened={removing !== null}
        title="Go back to random keys?"
        path={`/v1/key-generators/${removing?.id ?? ''}`}
        onClose={() => setRemoving(null)}
        onDeleted={() => (setRemoving(null), setVersion((v) => v + 1))}
      >
        <Text size="sm">New entitlements get the built-in random key. Keys made before keep working.</Text>
      </DeleteDialog>
    </>
  );
}

function GeneratorForm(props: { opened: boolean; onClose: () => void; onCreated: (g: KeyGeneratorCreated) => void }) {
  const catalog = useLoad(async () => {
    const [products, offerings] = await Promise.all([all<Product>('/v1/products'), all<Offering>('/v1/offerings')]);
    return { products, offerings };
  }, [props.opened]);
  const [productId, setProductId] = useState<string | null>(null);
  const [offeringId, setOfferingId] = useState<string | null>(null);
  const [kind, setKind] = useState<KeyGeneratorKind>('pattern');
  const [pattern, setPattern] = useState('{PRODUCT}-XXXX-XXXX-####');
  const [alphabet, setAlphabet] = useState('');
  const [checkDigit, setCheckDigit] = useState(true);
  const [url, setUrl] = useState('');
  const [timeoutMs, setTimeoutMs] = useState<number | string>(3000);
  const [retries, setRetries] = useState<number | string>(2);
  const [onFailure, setOnFailure] = useState<'fail' | 'queue'>('fail');
  const form = useFormErrors();
  const offerings = (catalog.data?.offerings ?? []).filter((o) => o.productId === productId);
  const body = (): KeyGeneratorCreate => ({
    ...(offeringId ? { offeringId } : { productId: productId ?? '' }),
    kind,
    ...(kind === 'pattern' ? { pattern: { pattern, checkDigit, ...(alphabet ? { alphabet } : {}) } } : {}),
    ...(kind === 'remote' ? { remote: { url, timeoutMs: Number(timeoutMs), retries: Number(retries), onFailure } } : {}),
  });
  return (
    <Modal opened={props.opened} onClose={props.onClose} title="New key generator" size="lg">
      <form
        aria-label="New key generator"
        onSubmit={(e) => {
          e.preventDefault();
          void form.submit(async () => props.onCreated(await post<KeyGeneratorCreated>('/v1/key-generators', body())));
        }}
      >
        <Stack>
          <Group grow align="start">
            <Select
              label="Product"
              required
              data={(catalog.data?.products ?? []).map((p) => ({ value: p.id, label: p.name }))}
              value={productId}
              onChange={(v) => (setProductId(v), setOfferingId(null))}
              error={form.fields['productId']}
            />
            <Select
              label="Offering"
              clearable
              placeholder="Every offering of the product"
              data={offerings.map((o) => ({ value: o.id, label: o.name }))}
              value={offeringId}
              onChange={setOfferingId}
              error={form.fields['offeringId']}
            />
          </Group>
          <Select
            label="Kind"
            data={KINDS.map((k) => ({ value: k.value, label: k.label }))}
            value={kind}
            onChange={(v) => setKind((v as KeyGeneratorKind | null) ?? 'pattern')}
            allowDeselect={false}
            description={KINDS.find((k) => k.value === kind)?.hint}
          />
          {kind === 'pattern' && (
            <>
              <TextInput
                label="Pattern"
                required
                value={pattern}
                onChange={(e) => setPattern(e.currentTarget.value)}
                error={form.fields['pattern']}
              />
              <Group grow align="end">
                <TextInput
                  label="Alphabet"
                  placeholder="Crockford base32"
                  value={alphabet}
                  onChange={(e) => setAlphabet(e.currentTarget.value.toUpperCase())}
                />
                <Checkbox label="Check symbol" checked={checkDigit} onChange={(e) => setCheckDigit(e.currentTarget.checked)} mb={8} />
              </Group>
            </>
          )}
          {kind === 'remote' && (
            <>
              <TextInput
                label="Endpoint URL"
                required
                placeholder="https://keys.example.com/leasehold"
                value={url}
                onChange={(e) => setUrl(e.currentTarget.value)}
                error={form.fields['remote']}
              />
              <Group grow>
                <NumberInput label="Timeout per attempt (ms)" min={100} max={30000} value={timeoutMs} onChange={setTimeoutMs} />
                <NumberInput label="Retries" min={0} max={5} value={retries} onChange={setRetries} />
              </Group>
              <Select
                label="When the endpoint cannot give a key"
                data={[
                  { value: 'fail', label: 'Refuse the creation (nothing is created)' },
                  { value: 'queue', label: 'Create the entitlement now, its key when the endpoint answers' },
                ]}
                value={onFailure}
                onChange={(v) => setOnFailure(v === 'queue' ? 'queue' : 'fail')}
                allowDeselect={false}
              />
            </>
          )}
          <form.FormError />
          <Group justify="flex-end">
            <Button type="submit" loading={form.busy} disabled={!productId}>
              Create generator
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
