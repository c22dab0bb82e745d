import { NumberInput, Select } from '@mantine/core';
import type { Feature, FeatureValue } from '@leasehold/contract';
import { featureValueText, quotaOverride } from '../../naming';

/** An override being edited: undefined follows the offering. */
export type OverrideDraft = FeatureValue | undefined;

const limitOf = (v: FeatureValue | undefined): number | '' => (typeof v === 'number' ? v : typeof v === 'object' ? v.limit : '');

/** One feature's override, with the input and hint its type takes. */
export function FeatureOverride(props: {
  f: Feature;
  offering: FeatureValue | undefined;
  value: OverrideDraft;
  onChange: (v: OverrideDraft) => void;
}) {
  const { f, offering, value, onChange } = props;
  const label = `${f.name} (${f.code})`;
  const follows = `offering: ${featureValueText(offering)}`;
  if (f.type === 'boolean')
    return (
      <Select
        label={label}
        description={`On or off; ${follows}`}
        placeholder="Follow the offering"
        clearable
        data={[
          { value: 'on', label: 'On' },
          { value: 'off', label: 'Off' },
        ]}
        value={value === undefined ? null : value === true ? 'on' : 'off'}
        onChange={(v) => onChange(v === null ? undefined : v === 'on')}
      />
    );
  const hint =
    f.type === 'numeric'
      ? `A limit${f.unit ? ` in ${f.unit}` : ''}; ${follows}`
      : f.type === 'pool'
        ? `Pool size, a whole number${f.unit ? ` of ${f.unit}` : ''}; ${follows}`
        : `Quota per period${f.unit ? ` in ${f.unit}` : ''}, a whole number (period and overage as the offering's); ${follows}`;
  return (
    <NumberInput
      label={label}
      description={hint}
      placeholder="Follow the offering"
      min={0}
      allowDecimal={f.type === 'numeric'}
      value={limitOf(value)}
      onChange={(v) => onChange(v === '' ? undefined : f.type === 'consumption' ? quotaOverride(offering, Number(v)) : Number(v))}
    />
  );
}
