import { describe, expect, it } from 'vitest';
import { fieldLabel, sentenceFor } from '../src/sentences.js';

const refusal = (details: Record<string, unknown>, message = 'schema says no') => ({
  code: 'INVALID_REQUEST' as const,
  message,
  details,
  requestId: 'req_1',
});

describe('schema refusals said for a person', () => {
  it.each([
    [
      { field: 'leasePeriod', rule: 'pattern', pattern: '^P(?!$)…' },
      'Lease period must be a duration such as P7D (7 days), PT12H (12 hours), P1M or P1Y.',
    ],
    [{ field: 'seats', rule: 'minimum', limit: 1 }, 'Seats must be at least 1.'],
    [{ field: 'seats', rule: 'maximum', limit: 100000 }, 'Seats must be at most 100000.'],
    [{ field: 'name', rule: 'minLength', limit: 1 }, 'Name cannot be empty.'],
    [{ field: 'code', rule: 'maxLength', limit: 64 }, 'Code can have at most 64 characters.'],
    [{ field: 'features.projects', rule: 'type', type: 'integer' }, 'Projects must be a whole number.'],
    [
      { field: 'licenseModel', rule: 'enum', allowedValues: ['perpetual', 'subscription'] },
      'License model must be one of: perpetual, subscription.',
    ],
    [{ field: 'endsAt', rule: 'format', format: 'date-time' }, 'Ends at must be a date and time.'],
    [{ field: 'customerId', rule: 'required', missingProperty: 'customerId' }, 'Customer id is required.'],
  ])('%o', (details, sentence) => {
    expect(sentenceFor(refusal(details))).toBe(sentence);
  });

  it('leaves the rules’ own sentences, and other codes, as they are', () => {
    expect(sentenceFor(refusal({ field: 'term' }, 'A subscription offering needs a term (for example P1Y or P14D).'))).toBe(
      'A subscription offering needs a term (for example P1Y or P14D).',
    );
    expect(sentenceFor({ code: 'SEAT_LIMIT_REACHED', message: 'All 2 seats are taken.', details: { rule: 'seats' }, requestId: 'r' })).toBe(
      'All 2 seats are taken.',
    );
    expect(fieldLabel('overrides.maintenanceTerm')).toBe('Maintenance term');
  });
});
