import { Checkbox, Grid, Group, NumberInput, Select, Text, TextInput } from '@mantine/core';
import type { ConsumptionValue, Feature, FeatureValue } from '@leasehold/contract';

type Overage = NonNullable<ConsumptionValue['overage']>;

const asQuota = (v: FeatureValue | undefined): ConsumptionValue | null =>
  v === undefined ? null : typeof v === 'number' ? { limit: v } : typeof v === 'object' ? v : null;

/** Each feature of the product with an input for its type: on/off, a limit, a pool size, or a quota with period and overage. */
export function FeatureValues(props: {
  features: Feature[];
  values: Record<string, FeatureValue>;
  onChange: (code: string, v: FeatureValue | undefined) => void;
  readOnly: boolean;
}) {
  const { features, values, onChange } = props;
  if (features.length === 0)
    return (
      <Text c="dimmed" size="sm">
        This product has no features yet.
      </Text>
    );
  return (
    <Grid>
      {features.map((f) => {
        const value = values[f.code];
        const label = `${f.name} (${f.code})`;
        return (
          <Grid.Col span={{ base: 12, sm: 6, lg: f.type === 'consumption' ? 8 : 4 }} key={f.id} data-feature={f.code}>
            {f.type === 'boolean' ? (
              <Checkbox
                mt="md"
                label={label}
                disabled={props.readOnly}
                checked={value === true}
                onChange={(e) => onChange(f.code, e.currentTarget.checked ? true : undefined)}
              />
            ) : f.type === 'consumption' ? (
              <Quota f={f} label={label} value={asQuota(value)} onChange={(v) => onChange(f.code, v)} readOnly={props.readOnly} />
            ) : (
              <NumberInput
                label={label}
                description={
                  f.type === 'numeric'
                    ? `Limit${f.unit ? ` (${f.unit})` : ''}`
                    : `Pool size: elements checked out at once${f.unit ? ` (${f.unit})` : ''}`
                }
                min={0}
                allowDecimal={f.type === 'numeric'}
                disabled={props.readOnly}
                value={typeof value === 'number' ? value : ''}
                onChange={(v) => onChange(f.code, v === '' ? undefined : Number(v))}
              />
            )}
          </Grid.Col>
        );
      })}
    </Grid>
  );
}

/** A consumption quota: the limit, the period it resets over, and what happens beyond it. */
function Quota(props: {
  f: Feature;
  label: string;
  value: ConsumptionValue | null;
  onChange: (v: FeatureValue | undefined) => void;
  readOnly: boolean;
}) {
  const { f, value } = props;
  const overage = value?.overage;
  const mode = overage === undefined ? 'block' : typeof overage === 'string' ? overage : 'allow';
  // A plain number is a monthly quota that blocks: the shortest form the server takes.
  const write = (next: ConsumptionValue) => {
    const out: ConsumptionValue = { limit: next.limit };
    if (next.period && next.period !== 'P1M') out.period = next.period;
    if (next.overage !== undefined && next.overage !== 'block') out.overage = next.overage;
    props.onChange(out.period || out.overage ? out : out.limit);
  };
  const setOverage = (m: string | null) => {
    const o: Overage | undefined = m === 'bill' ? 'bill' : m === 'allow' ? { allowPercent: 10 } : undefined;
    if (value) write({ ...value, ...(o ? { overage: o } : { overage: 'block' }) });
  };
  return (
    <Group align="flex-start" gap="xs" wrap="wrap">
      <NumberInput
        label={props.label}
        description={`Quota per period${f.unit ? ` (${f.unit})` : ''}`}
        min={0}
        allowDecimal={false}
        disabled={props.readOnly}
        value={value ? value.limit : ''}
        onChange={(v) => (v === '' ? props.onChange(undefined) : write({ ...(value ?? {}), limit: Number(v) }))}
        w={170}
      />
      <TextInput
        label="Period"
        aria-label={`Quota period for ${f.code}`}
        description="P1M, P1D, P1Y"
        placeholder="P1M"
        disabled={props.readOnly || !value}
        value={value?.period ?? ''}
        onChange={(e) => value && write({ ...value, period: e.currentTarget.value.trim() || 'P1M' })}
        w={110}
      />
      <Select
        label="Beyond the quota"
        aria-label={`Overage for ${f.code}`}
        description="What happens past the limit"
        disabled={props.readOnly || !value}
        data={[
          { value: 'block', label: 'Block' },
          { value: 'bill', label: 'Allow and bill' },
          { value: 'allow', label: 'Allow a margin (%)' },
        ]}
        allowDeselect={false}
        value={mode}
        onChange={setOverage}
        w={170}
      />
      {typeof overage === 'object' && (
        <NumberInput
          label="Margin %"
          aria-label={`Overage margin for ${f.code}`}
          description="Over the quota"
          min={0}
          max={1000}
          disabled={props.readOnly}
          value={overage.allowPercent}
          onChange={(v) => value && write({ ...value, overage: { allowPercent: Number(v) || 0 } })}
          w={100}
        />
      )}
    </Group>
  );
}
