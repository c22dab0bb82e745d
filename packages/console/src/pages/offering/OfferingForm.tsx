import { Button, Card, Select, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import type { Feature, FeatureValue, Offering, Product } from '@leasehold/contract';
import { all, patch, post } from '../../api';
import { useNames } from '../../names';
import { useSession } from '../../session';
import { PageHeader, useFormErrors } from '../../ui';
import { ActivationRules } from './ActivationRules';
import { ruleText as ruleLine } from '../../naming';
import { blank, fromOffering, keepFeatures, toBody, type Draft } from './draft';
import { FeatureValues } from './FeatureValues';
import { SettingsFields } from './SettingsFields';

/** Creates an offering, or edits one: every setting the server takes, with its validation next to each field. */
export function OfferingForm({ products, offerings, offering }: { products: Product[]; offerings: Offering[]; offering: Offering | null }) {
  const navigate = useNavigate();
  const names = useNames();
  const { can } = useSession();
  // The product of a new offering lives in the URL too, so a reload or a failed save keeps it.
  const [params, setParams] = useSearchParams();
  const [draft, setDraft] = useState<Draft>(() =>
    offering ? fromOffering(offering) : blank(params.get('productId') ?? products[0]?.id ?? null),
  );
  const [features, setFeatures] = useState<Feature[] | null>(null);
  const [saved, setSaved] = useState(false);
  const form = useFormErrors();
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setDraft((d) => ({ ...d, [k]: v }));

  useEffect(() => {
    if (!draft.productId) return setFeatures([]);
    let stale = false;
    all<Feature>(`/v1/products/${draft.productId}/features`).then(
      (list) => !stale && setFeatures(list),
      () => !stale && setFeatures([]),
    );
    return () => {
      stale = true;
    };
  }, [draft.productId]);

  const chooseProduct = (id: string | null) => {
    if (!id || id === draft.productId) return;
    setDraft((d) => ({ ...d, productId: id, features: {} }));
    setParams((p) => (p.set('productId', id), p), { replace: true });
  };
  const setFeature = (code: string, v: FeatureValue | undefined) =>
    setDraft((d) => {
      const next = { ...d.features };
      if (v === undefined) delete next[code];
      else next[code] = v;
      return { ...d, features: next };
    });

  const readOnly = !can('catalog');
  const nameOf = (id: string) => names.offering(id) ?? names.product(id) ?? id;
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        setSaved(false);
        void form.submit(async () => {
          const body = toBody(
            {
              ...draft,
              features: features
                ? keepFeatures(
                    draft.features,
                    features.map((f) => f.code),
                  )
                : draft.features,
            },
            !!offering,
          );
          const out = offering ? await patch<Offering>(`/v1/offerings/${offering.id}`, body) : await post<Offering>('/v1/offerings', body);
          setSaved(true);
          names.refresh();
          if (!offering) navigate(`/offerings/${out.id}`, { replace: true });
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
              disabled={!!offering || readOnly}
              data={products.map((p) => ({ value: p.id, label: p.name }))}
              value={draft.productId}
              allowDeselect={false}
              onChange={chooseProduct}
              error={form.fields['productId']}
            />
            <TextInput
              label="Name"
              required
              disabled={readOnly}
              value={draft.name}
              onChange={(e) => set('name', e.currentTarget.value)}
              error={form.fields['name']}
            />
            <TextInput
              label="Code"
              required
              disabled={readOnly}
              value={draft.code}
              onChange={(e) => set('code', e.currentTarget.value)}
              error={form.fields['code']}
            />
          </SimpleGrid>
          <SettingsFields draft={draft} set={set} errors={form.fields} offerings={offerings} selfId={offering?.id} readOnly={readOnly} />
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
          {features && <FeatureValues features={features} values={draft.features} onChange={setFeature} readOnly={readOnly} />}
        </Card>
        <Card withBorder>
          <Title order={4}>Activation rules</Title>
          <Text size="sm" c="dimmed" mb="xs">
            Checked when a device activates; a device that breaks one is refused, and the refusal names the rule.
          </Text>
          <ActivationRules
            rules={draft.activationRules}
            onChange={(r) => set('activationRules', r)}
            products={products}
            offerings={offerings}
            selfId={offering?.id}
            readOnly={readOnly}
            error={form.fields['activationRules']}
          />
          {draft.activationRules.length > 0 && (
            <Text size="xs" c="dimmed" mt="xs" data-testid="rules-summary">
              {draft.activationRules.map((r) => `${ruleLine(r, nameOf)}.`).join(' ')}
            </Text>
          )}
        </Card>
      </Stack>
    </form>
  );
}
