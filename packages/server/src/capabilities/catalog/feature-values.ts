import type { FeatureValue, FeatureValues } from '@leasehold/contract';
import { DomainError } from '../../platform/domain/errors.js';
import type { FeatureRecord } from '../../platform/domain/model.js';
import { isPositiveDuration } from '../../foundation/durations.js';

/**
 * Checks feature values (an offering's, or an entitlement's overrides) against the product's
 * features: every code must exist, and every value must suit its feature's type.
 */
export function checkFeatureValues(values: Record<string, FeatureValue | null>, features: FeatureRecord[], field: string): void {
  const byCode = new Map(features.map((f) => [f.code, f]));
  for (const [code, value] of Object.entries(values)) {
    const feature = byCode.get(code);
    if (!feature) {
      throw new DomainError('UNKNOWN_FEATURE', `The product has no feature ${JSON.stringify(code)}.`, {
        field: `${field}.${code}`,
        feature: code,
        known: [...byCode.keys()],
      });
    }
    if (value === null) continue;
    const problem = valueProblem(feature, value);
    if (problem) {
      throw new DomainError('INVALID_FEATURE_VALUE', `Feature ${JSON.stringify(code)} (${feature.type}) ${problem}.`, {
        field: `${field}.${code}`,
        feature: code,
        type: feature.type,
      });
    }
  }
}

function valueProblem(feature: FeatureRecord, value: FeatureValue): string | null {
  switch (feature.type) {
    case 'boolean':
      return typeof value === 'boolean' ? null : 'takes true or false';
    case 'numeric':
      return typeof value === 'number' && Number.isFinite(value) ? null : 'takes a number';
    case 'pool':
      return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? null : 'takes the pool size, a whole number ≥ 0';
    case 'consumption':
      if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? null : 'takes a quota, a whole number ≥ 0';
      if (typeof value === 'object' && value !== null) {
        if (value.period !== undefined && !isPositiveDuration(value.period)) return 'has a period that is not a positive duration';
        return null;
      }
      return 'takes a quota: a number or {limit, period, overage}';
  }
}

export function featureValuesOrEmpty(values: FeatureValues | undefined): FeatureValues {
  return values ?? {};
}
