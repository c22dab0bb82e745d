import { MultiSelect } from '@mantine/core';
import { useState } from 'react';
import { post } from '../../api';

/** How the builder names a dimension in a label. */
export const DIMENSION_LABELS: Record<string, string> = {
  entitlement: 'Entitlements',
  offering: 'Offerings',
  platform: 'Platforms',
  version: 'Versions',
  type: 'Event types',
  reason: 'Reasons',
  feature: 'Features',
  model: 'License models',
  code: 'Validation codes',
};

/**
 * A filter on one dimension of the model, offering the values the store holds for it in the range:
 * asked of the query route itself (every event, grouped by the dimension, for the whole range), the
 * first time the list opens, so a page with nine filters costs no query until one is used.
 */
export function DimensionFilter(props: {
  dimension: string;
  from: string;
  to: string;
  value: string[];
  onChange: (values: string[]) => void;
}) {
  const [values, setValues] = useState<string[] | null>(null);
  const [loadedFor, setLoadedFor] = useState('');
  const range = `${props.from}|${props.to}`;
  const load = async () => {
    if (values && loadedFor === range) return;
    // Validation codes are counted beside the events, not as events: the validations measure finds them.
    const measure = props.dimension === 'code' ? 'validations' : 'events';
    const a = await post<{ rows: Array<Record<string, string | number | null>> }>('/v1/reports/query', {
      measures: [measure],
      dimensions: [props.dimension],
      granularity: 'none',
      from: props.from,
      to: props.to,
    });
    setValues(a.rows.map((r) => r[props.dimension]).filter((v): v is string => typeof v === 'string' && v !== ''));
    setLoadedFor(range);
  };
  const data = [...new Set([...(values ?? []), ...props.value])].sort();
  return (
    <MultiSelect
      label={DIMENSION_LABELS[props.dimension] ?? props.dimension}
      data={data}
      value={props.value}
      onChange={props.onChange}
      onDropdownOpen={() => void load()}
      placeholder={props.value.length ? undefined : 'Any'}
      nothingFoundMessage={values ? 'None in this range' : 'Loading…'}
      searchable
      // A dimension such as entitlement may hold thousands of values: show a page of them, search for the rest.
      limit={200}
      w={200}
    />
  );
}
