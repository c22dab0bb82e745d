import { describe, expect, it } from 'vitest';
import { builderChart, periodsBetween, periodStart, SERIES_CAP } from '../src/pages/reports/chart-series.js';

const t = (iso: string) => Date.parse(iso);

describe('the custom report chart, as data', () => {
  it.each([
    ['hour', '2026-03-04T10:59:59Z', '2026-03-04T10:00:00Z'],
    ['day', '2026-03-04T23:59:59Z', '2026-03-04T00:00:00Z'],
    // 2026-03-04 is a Wednesday: its ISO week starts on Monday the 2nd; a Sunday belongs to the week before.
    ['week', '2026-03-04T12:00:00Z', '2026-03-02T00:00:00Z'],
    ['week', '2026-03-08T12:00:00Z', '2026-03-02T00:00:00Z'],
    ['week', '2026-03-09T00:00:00Z', '2026-03-09T00:00:00Z'],
    ['month', '2026-02-28T23:00:00Z', '2026-02-01T00:00:00Z'],
  ])('a %s period starts where the server truncates it (%s)', (g, at, start) => {
    expect(periodStart(t(at), g)).toBe(t(start));
  });

  it('fills every period of the range, months of uneven length included', () => {
    expect(periodsBetween(t('2026-01-15T00:00:00Z'), t('2026-04-01T00:00:00Z'), 'month')?.map((p) => new Date(p).toISOString())).toEqual([
      '2026-01-01T00:00:00.000Z',
      '2026-02-01T00:00:00.000Z',
      '2026-03-01T00:00:00.000Z',
    ]);
    expect(periodsBetween(t('2026-01-01T00:00:00Z'), t('2026-01-08T00:00:00Z'), 'day')).toHaveLength(7);
    expect(periodsBetween(t('2024-01-01T00:00:00Z'), t('2026-01-01T00:00:00Z'), 'hour')).toBeNull();
  });

  it('draws the largest series by total and sums the rest as "other", with zeros where nothing was counted', () => {
    const rows = Array.from({ length: 11 }, (_, i) => ({
      period: i % 2 ? '2026-01-02T00:00:00.000Z' : '2026-01-01T00:00:00.000Z',
      platform: `os-${i}`,
      version: '1.0.0',
      activations: 20 - i,
    }));
    const chart = builderChart(rows, {
      measures: ['activations'],
      dimensions: ['platform', 'version'],
      measure: 'activations',
      from: t('2026-01-01T00:00:00Z'),
      to: t('2026-01-04T00:00:00Z'),
      granularity: 'day',
    });
    expect(chart.series.map((s) => s.label)).toEqual([
      ...Array.from({ length: SERIES_CAP }, (_, i) => `os-${i} · 1.0.0`),
      'other (3 more)',
    ]);
    expect(chart.folded).toBe(3);
    expect(chart.points).toHaveLength(3);
    // os-8 (12, day 1), os-9 (11, day 2), os-10 (10, day 1)
    expect(chart.points.map((p) => p['other'])).toEqual([22, 11, 0]);
    expect(chart.points.map((p) => p['s0'])).toEqual([20, 0, 0]);
  });

  it('keeps a ninth series rather than folding one into "other", and draws a line per measure without dimensions', () => {
    const nine = Array.from({ length: 9 }, (_, i) => ({ period: '2026-01-01T00:00:00.000Z', platform: `os-${i}`, activations: 1 }));
    const opts = {
      measures: ['activations'],
      dimensions: ['platform'],
      measure: 'activations',
      from: t('2026-01-01T00:00:00Z'),
      to: t('2026-01-02T00:00:00Z'),
      granularity: 'day',
    };
    expect(builderChart(nine, opts).series).toHaveLength(9);
    expect(builderChart(nine, opts).folded).toBe(0);
    const plain = builderChart([{ period: '2026-01-01T00:00:00.000Z', activations: 4, rehosts: 1 }], {
      ...opts,
      measures: ['activations', 'rehosts'],
      dimensions: [],
    });
    expect(plain.series.map((s) => [s.label, s.total])).toEqual([
      ['activations', 4],
      ['rehosts', 1],
    ]);
  });
});

describe("the builder's names of the semantic model", () => {
  it('are the server model’s measures and dimensions, in its order', async () => {
    const builder = await import('../src/pages/reports/model.js');
    const server = await import('../../server/src/capabilities/reports/store/model.js');
    expect(builder.MEASURES).toEqual(server.MEASURE_NAMES);
    expect([...builder.DIMENSIONS]).toEqual(server.DIMENSION_NAMES);
  });
});
