import {
  Button,
  Card,
  Checkbox,
  Grid,
  MultiSelect,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useEffect, useState } from 'react';
import { useNavigate, useParams, useSearchParams } from 'react-router-dom';
import type { EvictionOrder, Feature, FeatureValue, LicenseModel, Offering, Product, SeatModel } from '@leasehold/contract';
import { all, get, patch, post } from '../api';
import { useSession } from '../session';
import { Loaded, PagedTable, PageHeader, useFormErrors, useLoad } from '../ui';
import { choices, EVICTION_ORDER_LABELS, LICENSE_MODEL_LABELS, SEAT_MODEL_LABELS } from '../vocabulary';
import { Link } from 'react-router-dom';

export function Offerings() {
  const { can } = useSession();
  return (
    <>
      <PageHeader
        title="Offerings"
        subtitle="Plans, editions and SKUs: fixed templates of rights"
        actions={
          can('catalog') && (
            <Button component={Link} to="/offerings/new">
              New offering
            </Button>
          )
        }
      />
      <PagedTable<Offering>
        label="Offerings"
        path="/v1/offerings"
        href={(o) => `/offerings/${o.id}`}
        empty="No offerings yet."
        columns={[
          { label: 'Name', render: (o) => o.name },
          { label: 'Code', render: (o) => <code>{o.code}</code> },
          { label: 'License', render: (o) => o.licenseModel },
          { label: 'Seats', render: (o) => `${o.seats} ${o.seatModel.replace('_', '-')}` },
          { label: 'Term', render: (o) => o.term ?? 'perpetual' },
          { label: 'Lease', render: (o) => o.leasePeriod },
        ]}
      />
    </>
  );
}

// The pickers offer only the contract's values, so the strings they hand back are cast to these types.
interface Draft {
  productId: string | null;
  code: string;
  name: string;
  licenseModel: LicenseModel;
  seatModel: SeatModel;
  seats: number | string;
  term: string;
  leasePeriod: string;
  rehostLimit: number | string;
  maintenanceTerm: string;
  evictionOrder: EvictionOrder;
  features: Record<string, FeatureValue>;
  activationRules: string;
  upgradePaths: string[];
}

const blank = (productId: string | null): Draft => ({
  productId,
  code: '',
  name: '',
  licenseModel: 'subscription',
  seatModel: 'node_locked',
  seats: 1,
  term: 'P1Y',
  leasePeriod: 'P7D',
  rehostLimit: '',
  maintenanceTerm: '',
  evictionOrder: 'least_recently_seen',
  features: {},
  activationRules: '[]',
  upgradePaths: [],
});

const fromOffering = (o: Offering): Draft => ({
  productId: o.productId,
  code: o.code,
  name: o.name,
  licenseModel: o.licenseModel,
  seatModel: o.seatModel,
  seats: o.seats,
  term: o.term ?? '',
  leasePeriod: o.leasePeriod,
  rehostLimit: o.rehostLimit ?? '',
  maintenanceTerm: o.maintenanceTerm ?? '',
  evictionOrder: o.evictionOrder,
  features: o.features,
  activationRules: JSON.stringify(o.activationRules, null, 2),
  upgradePaths: o.upgradePaths,
});

/** Creates an offering, or edits one: every right it grants, with the server's validation next to each field. */
export function OfferingEdit() {
  const { id } = useParams();
  const [search] = useSearchParams();
  const state = useLoad(async () => {
    const [products, offerings, offering] = await Promise.all([
      all<Product>('/v1/products'),
      all<Offering>('/v1/offerings'),
      id ? get<Offering>(`/v1/offerings/${id}`) : Promise.resolve(null),
    ]);
    return { products, offerings, offering };
  }, [id]);
  return <Loaded state={state}>{(d) => <OfferingForm key={id ?? 'new'} {...d} initialProduct={search.get('productId')} />}</Loaded>;
}

function OfferingForm({
  products,
  offerings,
  offering,
  initialProduct,
}: {
  products: Product[];
  offerings: Offering[];
  offering: Offering | null;
  initialProduct: string | null;
}) {
  const navigate = useNavigate();
  const { can } = useSession();
  const [draft, setDraft] = useState<Draft>(offering ? fromOffering(offering) : blank(initialProduct ?? products[0]?.id ?? null));
  const [features, setFeatures] = useState<Feature[]>([]);
  const [saved, setSaved] = useState(false);
  const form = useFormErrors();
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setDraft((d) => ({ ...d, [k]: v }));

  useEffect(() => {
    if (draft.productId) void all<Feature>(`/v1/products/${draft.productId}/features`).then(setFeatures, () => setFeatures([]));
  }, [draft.productId]);

  const body = () => {
    let rules: unknown;
    try {
      rules = JSON.parse(draft.activationRules || '[]');
    } catch {
      throw new Error('Activation rules are not valid JSON.');
    }
    const features = Object.fromEntries(Object.entries(draft.features).filter(([code]) => code));
    return {
      ...(offering ? {} : { productId: draft.productId }),
      code: draft.code,
      name: draft.name,
      licenseModel: draft.licenseModel,
      seatModel: draft.seatModel,
      seats: Number(draft.seats),
      term: draft.term.trim() || null,
      leasePeriod: draft.leasePeriod.trim(),
      rehostLimit: draft.rehostLimit === '' ? null : Number(draft.rehostLimit),
      maintenanceTerm: draft.maintenanceTerm.trim() || null,
      evictionOrder: draft.evictionOrder,
      features,
      activationRules: rules,
      upgradePaths: draft.upgradePaths,
    };
  };

  const readOnly = !can('catalog');
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        setSaved(false);
        void form.submit(async () => {
          const saved = offering
            ? await patch<Offering>(`/v1/offerings/${offering.id}`, body())
            : await post<Offering>('/v1/offerings', body());
          setSaved(true);
          if (!offering) navigate(`/offerings/${saved.id}`, { replace: true });
        });
      }}
    >
      <PageHeader
        title={offering ? offering.name : 'New offering'}
        subtitle={
          offering ? `Version ${offering.version}; changes reach every entitlement at its next lease` : 'A fixed template of rights'
        }
        actions={
          !readOnly && (
            <Button type="submit" loading={form.busy}>
              {offering ? 'Save offering' : 'Create offering'}
            </Button>
          )
        }
      />
      <Stack>
        <form.FormError />
        {saved && <Text c="teal">Saved.</Text>}
        <Card withBorder>
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
            <Select
              label="Product"
              required
              disabled={!!offering}
              data={products.map((p) => ({ value: p.id, label: p.name }))}
              value={draft.productId}
              onChange={(v) => set('productId', v)}
              error={form.fields['productId']}
            />
            <TextInput
              label="Name"
              required
              value={draft.name}
              onChange={(e) => set('name', e.currentTarget.value)}
              error={form.fields['name']}
            />
            <TextInput
              label="Code"
              required
              value={draft.code}
              onChange={(e) => set('code', e.currentTarget.value)}
              error={form.fields['code']}
            />
            <Select
              label="License model"
              data={choices(LICENSE_MODEL_LABELS)}
              value={draft.licenseModel}
              onChange={(v) => v && set('licenseModel', v as LicenseModel)}
              allowDeselect={false}
              error={form.fields['licenseModel']}
            />
            <Select
              label="Seat model"
              data={choices(SEAT_MODEL_LABELS)}
              value={draft.seatModel}
              onChange={(v) => v && set('seatModel', v as SeatModel)}
              allowDeselect={false}
              error={form.fields['seatModel']}
            />
            <NumberInput label="Seats" min={1} value={draft.seats} onChange={(v) => set('seats', v)} error={form.fields['seats']} />
            <TextInput
              label="Term"
              description="ISO 8601 duration (P1Y, P30D); empty for perpetual"
              value={draft.term}
              onChange={(e) => set('term', e.currentTarget.value)}
              error={form.fields['term']}
            />
            <TextInput
              label="Lease period"
              description="How long a device works between refreshes (P7D, PT1H)"
              value={draft.leasePeriod}
              onChange={(e) => set('leasePeriod', e.currentTarget.value)}
              error={form.fields['leasePeriod']}
            />
            <NumberInput
              label="Rehost limit"
              description="Device moves per year; empty for no limit"
              min={0}
              value={draft.rehostLimit}
              onChange={(v) => set('rehostLimit', v)}
              error={form.fields['rehostLimit']}
            />
            <TextInput
              label="Maintenance term"
              description="Updates included for (P1Y); empty for none"
              value={draft.maintenanceTerm}
              onChange={(e) => set('maintenanceTerm', e.currentTarget.value)}
              error={form.fields['maintenanceTerm']}
            />
            <Select
              label="When seats are cut, evict"
              data={choices(EVICTION_ORDER_LABELS)}
              value={draft.evictionOrder}
              onChange={(v) => v && set('evictionOrder', v as EvictionOrder)}
              allowDeselect={false}
              error={form.fields['evictionOrder']}
            />
            <MultiSelect
              label="Upgrade paths"
              description="Offerings entitlements may change to; none: any of this product"
              data={offerings.filter((o) => o.id !== offering?.id).map((o) => ({ value: o.id, label: `${o.name} (${o.code})` }))}
              value={draft.upgradePaths}
              onChange={(v) => set('upgradePaths', v)}
              searchable
              error={form.fields['upgradePaths']}
            />
          </SimpleGrid>
        </Card>
        <Card withBorder>
          <Title order={4} mb="xs">
            Features
          </Title>
          {form.fields['features'] && (
            <Text c="red" size="sm" role="alert">
              {form.fields['features']}
            </Text>
          )}
          {features.length === 0 ? (
            <Text c="dimmed" size="sm">
              This product has no features yet.
            </Text>
          ) : (
            <Grid>
              {features.map((f) => {
                const value = draft.features[f.code];
                const setValue = (v: FeatureValue | undefined) =>
                  setDraft((d) => {
                    const next = { ...d.features };
                    if (v === undefined) delete next[f.code];
                    else next[f.code] = v;
                    return { ...d, features: next };
                  });
                return (
                  <Grid.Col span={{ base: 12, sm: 6, lg: 4 }} key={f.id}>
                    {f.type === 'boolean' ? (
                      <Checkbox
                        mt="md"
                        label={`${f.name} (${f.code})`}
                        checked={value === true}
                        onChange={(e) => setValue(e.currentTarget.checked ? true : undefined)}
                      />
                    ) : (
                      <NumberInput
                        label={`${f.name} (${f.code})`}
                        description={f.type === 'numeric' ? (f.unit ?? 'limit') : f.type === 'pool' ? 'pool size' : 'quota per month'}
                        min={0}
                        value={typeof value === 'number' ? value : typeof value === 'object' ? Number(value['limit']) : ''}
                        onChange={(v) => setValue(v === '' ? undefined : Number(v))}
                      />
                    )}
                  </Grid.Col>
                );
              })}
            </Grid>
          )}
        </Card>
        <Card withBorder>
          <Title order={4} mb="xs">
            Activation rules
          </Title>
          <Textarea
            aria-label="Activation rules"
            description='JSON list, e.g. [{"type": "max_activations_per_customer", "limit": 10}], [{"type": "requires", "offeringId": "base"}], [{"type": "excludes", "offeringIds": ["trial"]}]'
            autosize
            minRows={2}
            styles={{ input: { fontFamily: 'monospace' } }}
            value={draft.activationRules}
            onChange={(e) => set('activationRules', e.currentTarget.value)}
            error={form.fields['activationRules']}
          />
        </Card>
      </Stack>
    </form>
  );
}
