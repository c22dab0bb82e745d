import { Alert, Badge, Button, Card, Group, Modal, NumberInput, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import type { CodeBatch, CodeBatchCreate, CodeCheck, Offering, Partner, PartnerCreate } from '@leasehold/contract';
import { all, get, post, qs } from '../../api';
import { useNames } from '../../names';
import { useSession } from '../../session';
import { fmtDate, message, PagedTable, PageHeader, useFormErrors, useLoad } from '../../ui';

const PARTNER_KINDS = ['reseller', 'distributor', 'oem', 'other'] as const;

/** "1,200 issued · 300 redeemed · 900 outstanding · 0 voided" */
export const statsLine = (s: Partner['stats']): string =>
  `${s.issued} issued · ${s.redeemed} redeemed · ${s.outstanding} outstanding · ${s.voided} voided`;

const BATCH_COLOR: Record<string, string> = { pending: 'gray', generating: 'blue', ready: 'green', voided: 'red' };

export function CodeBatchState({ batch }: { batch: CodeBatch }) {
  return (
    <Badge color={BATCH_COLOR[batch.state] ?? 'gray'} variant="light">
      {batch.state === 'generating' ? `generating ${Math.round(batch.progress * 100)}%` : batch.state}
    </Badge>
  );
}

/**
 * Channel partners and the authenticity codes issued for them: partners with their redemption
 * figures, the code batches (ordered here, generated in the background), and the authenticity
 * check a support desk runs on a code a customer reads out.
 */
export function Partners() {
  const { can } = useSession();
  const names = useNames();
  const navigate = useNavigate();
  const [partnerOpen, setPartnerOpen] = useState(false);
  const [batchOpen, setBatchOpen] = useState(false);
  const [version, setVersion] = useState(0);
  const writer = can('write');
  const partners = useLoad(() => all<Partner>('/v1/partners'), [version]);
  const partnerName = (id: string) => partners.data?.find((p) => p.id === id)?.name ?? id;
  return (
    <>
      <PageHeader
        title="Partners & codes"
        subtitle="Resellers and distributors, and the authenticity codes they sell; each code is redeemed once into an entitlement"
        actions={
          writer && (
            <>
              <Button variant="default" onClick={() => setPartnerOpen(true)}>
                New partner
              </Button>
              <Button onClick={() => setBatchOpen(true)} disabled={(partners.data ?? []).length === 0}>
                New code batch
              </Button>
            </>
          )
        }
      />
      <Stack>
        <PagedTable<Partner>
          label="Partners"
          path="/v1/partners"
          version={version}
          empty="No partners yet: add the reseller or distributor you issue codes for."
          columns={[
            { label: 'Name', render: (p) => p.name },
            { label: 'Kind', render: (p) => p.kind },
            { label: 'Reference', render: (p) => p.externalRef ?? '—' },
            { label: 'Codes', render: (p) => statsLine(p.stats) },
          ]}
        />
        <Title order={4}>Code batches</Title>
        <PagedTable<CodeBatch>
          label="Code batches"
          path="/v1/code-batches"
          version={version}
          href={(b) => `/code-batches/${b.id}`}
          empty="No code batches yet."
          columns={[
            { label: 'Partner', render: (b) => partnerName(b.partnerId) },
            { label: 'Offering', render: (b) => names.offering(b.offeringId) ?? b.offeringId },
            { label: 'Quantity', render: (b) => b.quantity },
            { label: 'State', render: (b) => <CodeBatchState batch={b} /> },
            { label: 'Redeemed', render: (b) => `${b.stats.redeemed} of ${b.stats.issued}` },
            { label: 'Expires', render: (b) => fmtDate(b.expiresAt) },
            { label: 'Ordered', render: (b) => fmtDate(b.createdAt) },
          ]}
        />
        <CheckCode />
      </Stack>
      <PartnerForm
        opened={partnerOpen}
        onClose={() => setPartnerOpen(false)}
        onCreated={() => (setPartnerOpen(false), setVersion((v) => v + 1))}
      />
      <CodeBatchForm
        opened={batchOpen}
        partners={partners.data ?? []}
        onClose={() => setBatchOpen(false)}
        onCreated={(b) => navigate(`/code-batches/${b.id}`)}
      />
    </>
  );
}

function PartnerForm(props: { opened: boolean; onClose: () => void; onCreated: (p: Partner) => void }) {
  const [name, setName] = useState('');
  const [kind, setKind] = useState<string | null>('reseller');
  const [email, setEmail] = useState('');
  const [externalRef, setExternalRef] = useState('');
  const form = useFormErrors();
  return (
    <Modal opened={props.opened} onClose={props.onClose} title="New partner">
      <form
        aria-label="New partner"
        onSubmit={(e) => {
          e.preventDefault();
          void form.submit(async () => {
            const body: PartnerCreate = {
              name,
              kind: (kind ?? 'reseller') as PartnerCreate['kind'],
              email: email || null,
              externalRef: externalRef || null,
            };
            props.onCreated(await post<Partner>('/v1/partners', body));
            setName('');
            setEmail('');
            setExternalRef('');
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
          <Select label="Kind" data={[...PARTNER_KINDS]} value={kind} onChange={setKind} allowDeselect={false} />
          <TextInput label="Email" value={email} onChange={(e) => setEmail(e.currentTarget.value)} error={form.fields['email']} />
          <TextInput
            label="External reference"
            description="The partner's id in your CRM"
            value={externalRef}
            onChange={(e) => setExternalRef(e.currentTarget.value)}
            error={form.fields['externalRef']}
          />
          <form.FormError />
          <Group justify="flex-end">
            <Button type="submit" loading={form.busy}>
              Create partner
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function CodeBatchForm(props: { opened: boolean; partners: Partner[]; onClose: () => void; onCreated: (b: CodeBatch) => void }) {
  const offerings = useLoad(() => all<Offering>('/v1/offerings'), [props.opened]);
  const [partnerId, setPartnerId] = useState<string | null>(null);
  const [offeringId, setOfferingId] = useState<string | null>(null);
  const [quantity, setQuantity] = useState<number | string>(100);
  const [expires, setExpires] = useState('');
  const [seats, setSeats] = useState<number | string>('');
  const form = useFormErrors();
  return (
    <Modal opened={props.opened} onClose={props.onClose} title="New code batch">
      <form
        aria-label="New code batch"
        onSubmit={(e) => {
          e.preventDefault();
          void form.submit(async () => {
            const body: CodeBatchCreate = {
              partnerId: partnerId ?? '',
              offeringId: offeringId ?? '',
              quantity: Number(quantity),
              ...(expires ? { expiresAt: new Date(`${expires}T23:59:59Z`).toISOString() } : {}),
              ...(seats !== '' ? { overrides: { seats: Number(seats) } } : {}),
            };
            props.onCreated(await post<CodeBatch>('/v1/code-batches', body));
          });
        }}
      >
        <Stack>
          <Select
            label="Partner"
            required
            data={props.partners.map((p) => ({ value: p.id, label: p.name }))}
            value={partnerId}
            onChange={setPartnerId}
            error={form.fields['partnerId']}
          />
          <Select
            label="Offering"
            required
            searchable
            data={(offerings.data ?? []).map((o) => ({ value: o.id, label: `${o.name} (${o.code})` }))}
            value={offeringId}
            onChange={setOfferingId}
            error={form.fields['offeringId']}
          />
          <NumberInput
            label="Quantity"
            required
            min={1}
            max={100000}
            value={quantity}
            onChange={setQuantity}
            error={form.fields['quantity']}
          />
          <TextInput
            label="Codes expire on"
            type="date"
            description="Left empty, the codes never expire"
            value={expires}
            onChange={(e) => setExpires(e.currentTarget.value)}
            error={form.fields['expiresAt']}
          />
          <NumberInput
            label="Seats of each entitlement"
            description="Left empty, the offering's seats"
            min={0}
            value={seats}
            onChange={setSeats}
            error={form.fields['overrides']}
          />
          <form.FormError />
          <Group justify="flex-end">
            <Button type="submit" loading={form.busy} disabled={!partnerId || !offeringId}>
              Generate codes
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** The authenticity check: is this code ours, whose, and can it still be redeemed? Changes nothing. */
function CheckCode() {
  const [code, setCode] = useState('');
  const [result, setResult] = useState<CodeCheck | null>(null);
  const [error, setError] = useState<string | null>(null);
  return (
    <Card withBorder>
      <form
        aria-label="Check a code"
        onSubmit={(e) => {
          e.preventDefault();
          setError(null);
          get<CodeCheck>(`/v1/codes/check${qs({ code: code.trim() })}`).then(
            (r) => setResult(r),
            (err: unknown) => (setResult(null), setError(message(err))),
          );
        }}
      >
        <Group align="end">
          <TextInput
            label="Check a code"
            placeholder="7KQ3M-X9D2P-4RT8W-HJ6NB"
            value={code}
            onChange={(e) => setCode(e.currentTarget.value)}
            w={340}
          />
          <Button type="submit" variant="default" disabled={!code.trim()}>
            Check
          </Button>
        </Group>
      </form>
      {error && (
        <Alert color="red" mt="sm">
          {error}
        </Alert>
      )}
      {result && (
        <Text mt="sm" aria-label="Code check result" c={result.authentic ? undefined : 'red'}>
          {result.authentic
            ? `Authentic: issued for ${result.partner?.name ?? '?'}, ${result.offering?.name ?? '?'}; ${result.state}${result.redeemable ? ', can be redeemed' : ', cannot be redeemed'}.`
            : result.typo
              ? 'Not a valid code: the check symbol does not match (most likely mistyped).'
              : 'Not authentic: no code of this account.'}
        </Text>
      )}
    </Card>
  );
}
