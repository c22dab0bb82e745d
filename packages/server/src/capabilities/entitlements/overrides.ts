import type { Overrides, OverridesWrite } from '@leasehold/contract';

/**
 * Lays a write onto the current overrides: a value sets the field, `null` removes it, an absent
 * field is left alone. Feature overrides merge per feature code the same way.
 */
export function applyOverrides(current: Overrides, write: OverridesWrite): Overrides {
  const next: Record<string, unknown> = { ...current };
  for (const [field, value] of Object.entries(write)) {
    if (field === 'features') continue;
    if (value === null) delete next[field];
    else if (value !== undefined) next[field] = value;
  }
  if (write.features) {
    const features: Record<string, unknown> = { ...(current.features ?? {}) };
    for (const [code, value] of Object.entries(write.features)) {
      if (value === null) delete features[code];
      else features[code] = value;
    }
    if (Object.keys(features).length > 0) next['features'] = features;
    else delete next['features'];
  }
  return next as Overrides;
}
