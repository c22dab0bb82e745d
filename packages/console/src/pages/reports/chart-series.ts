/**
 * The custom report builder's chart, as data: a query's rows turned into one line per combination of
 * dimension values (the busiest few, the rest summed as "other"), over every period of the range.
 * Pure, so the capping and the periods are tested without a browser.
 */

type Row = Record<string, string | number | null>;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Most lines a chart draws; past it the rest are summed into one "other" line (a legend of 40 colours reads as none). */
export const SERIES_CAP = 8;
/** Most periods filled in from the range; past it only the periods the rows name are drawn. */
const PERIOD_CAP = 1_000;

/** The start of the period holding `ms`, as the server's `date_trunc` puts it (UTC; ISO weeks start on Monday). */
export function periodStart(ms: number, granularity: string): number {
  const d = new Date(ms);
  if (granularity === 'hour') return Math.floor(ms / HOUR) * HOUR;
  if (granularity === 'day') return Math.floor(ms / DAY) * DAY;
  if (granularity === 'week') {
    const day = Math.floor(ms / DAY) * DAY;
    return day - ((d.getUTCDay() + 6) % 7) * DAY;
  }
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

function nextPeriod(ms: number, granularity: string): number {
  if (granularity === 'hour') return ms + HOUR;
  if (granularity === 'day') return ms + DAY;
  if (granularity === 'week') return ms + 7 * DAY;
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/**
 * Every period of [from, to): the rows leave out periods with nothing to count, and a line that
 * skipped them would draw a straight slope across days that were zero. Null past PERIOD_CAP.
 */
export function periodsBetween(from: number, to: number, granularity: string): number[] | null {
  const out: number[] = [];
  for (let p = periodStart(from, granularity); p < to; p = nextPeriod(p, granularity)) {
    if (out.length >= PERIOD_CAP) return null;
    out.push(p);
  }
  return out;
}

export interface ChartSeries {
  /** The recharts data key (`s0`, `s1`…): dimension values such as `1.0.0` would read as property paths. */
  key: string;
  label: string;
  total: number;
}

export interface BuilderChart {
  series: ChartSeries[];
  /** One point per period: `period` (its start, ms) and each series' value. */
  points: Array<Record<string, number>>;
  /** How many combinations were summed into "other" (0: none). */
  folded: number;
  /** How many combinations the rows hold in all. */
  combinations: number;
}

/** The label of a row's combination of dimension values (`linux · 1.0.0`); a missing value shows as `—`. */
export function combinationOf(row: Row, dimensions: readonly string[]): string {
  return dimensions.map((d) => (row[d] === null || row[d] === undefined || row[d] === '' ? '—' : String(row[d]))).join(' · ');
}

/**
 * The lines of a chart: without dimensions, one per measure; with dimensions, one per combination
 * of their values for `measure`, the SERIES_CAP largest by total (ties by label) and "other" for the rest.
 */
export function builderChart(
  rows: readonly Row[],
  opts: { measures: readonly string[]; dimensions: readonly string[]; measure: string; from: number; to: number; granularity: string },
): BuilderChart {
  const periodOf = (r: Row) => Date.parse(String(r['period']));
  const periods = periodsBetween(opts.from, opts.to, opts.granularity) ?? [...new Set(rows.map(periodOf))].sort((a, b) => a - b);
  const points = new Map(periods.map((p) => [p, { period: p } as Record<string, number>]));
  const point = (p: number) => {
    let found = points.get(p);
    if (!found) points.set(p, (found = { period: p }));
    return found;
  };

  if (opts.dimensions.length === 0) {
    const series = opts.measures.map((m, i) => ({ key: `s${i}`, label: m, total: 0 }));
    for (const r of rows) {
      const pt = point(periodOf(r));
      for (const s of series) {
        const v = Number(r[s.label] ?? 0);
        pt[s.key] = (pt[s.key] ?? 0) + v;
        s.total += v;
      }
    }
    return { series, points: filled([...points.values()], series), folded: 0, combinations: 0 };
  }

  const totals = new Map<string, number>();
  for (const r of rows) {
    const label = combinationOf(r, opts.dimensions);
    totals.set(label, (totals.get(label) ?? 0) + Number(r[opts.measure] ?? 0));
  }
  const ranked = [...totals.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const fold = ranked.length > SERIES_CAP + 1;
  const kept = fold ? ranked.slice(0, SERIES_CAP) : ranked;
  const series: ChartSeries[] = kept.map(([label, total], i) => ({ key: `s${i}`, label, total }));
  const keyOf = new Map(series.map((s) => [s.label, s.key]));
  if (fold) {
    const rest = ranked.slice(SERIES_CAP);
    series.push({ key: 'other', label: `other (${rest.length} more)`, total: rest.reduce((n, [, t]) => n + t, 0) });
  }
  for (const r of rows) {
    const key = keyOf.get(combinationOf(r, opts.dimensions)) ?? 'other';
    const pt = point(periodOf(r));
    pt[key] = (pt[key] ?? 0) + Number(r[opts.measure] ?? 0);
  }
  return {
    series,
    points: filled([...points.values()], series),
    folded: fold ? ranked.length - SERIES_CAP : 0,
    combinations: ranked.length,
  };
}

/** Zero where a series counted nothing in a period, in period order. */
function filled(points: Array<Record<string, number>>, series: readonly ChartSeries[]) {
  for (const p of points) for (const s of series) p[s.key] ??= 0;
  return points.sort((a, b) => (a['period'] ?? 0) - (b['period'] ?? 0));
}

/** A period's start as the axis shows it: the hour for hourly periods, the month for monthly ones, else the day. */
export function periodLabel(ms: number, granularity: string): string {
  const iso = new Date(ms).toISOString();
  if (granularity === 'hour') return `${iso.slice(5, 10)} ${iso.slice(11, 13)}:00`;
  if (granularity === 'month') return iso.slice(0, 7);
  return iso.slice(0, 10);
}
