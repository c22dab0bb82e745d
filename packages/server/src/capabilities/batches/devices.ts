import { parse } from 'csv-parse/sync';
import { invalid } from '../../platform/domain/errors.js';
import type { BatchDeviceInput } from './ports.js';

const COLUMNS = ['fingerprint', 'name', 'platform', 'hostname', 'user', 'replaces'] as const;
const MAX = { fingerprint: 200, name: 200, platform: 100, hostname: 255, user: 200, replaces: 200 } as const;
export const MAX_DEVICES = 50_000;

/**
 * The devices of a CSV upload: a header row naming `fingerprint` and any of name, platform,
 * hostname, user. A bad row is refused with its line number (the header is line 1), so the upload
 * can be corrected and sent again; nothing is created from a file with a bad row.
 */
export function devicesFromCsv(text: string): BatchDeviceInput[] {
  let rows: Array<Record<string, string>>;
  try {
    rows = parse(text, { columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()), skip_empty_lines: true, trim: true });
  } catch (error) {
    throw invalid('csv', `The CSV cannot be read: ${(error as Error).message}`);
  }
  if (rows.length === 0) throw invalid('csv', 'The CSV holds no devices.');
  const unknown = Object.keys(rows[0]!).filter((c) => !(COLUMNS as readonly string[]).includes(c));
  if (unknown.length > 0)
    throw invalid('csv', `Unknown column(s): ${unknown.join(', ')}; use ${COLUMNS.join(', ')}.`, { columns: unknown });
  if (!('fingerprint' in rows[0]!)) throw invalid('csv', 'The CSV needs a fingerprint column.');
  if (rows.length > MAX_DEVICES) throw invalid('csv', `A batch holds at most ${MAX_DEVICES} devices.`);
  return rows.map((row, i) => {
    const device: BatchDeviceInput = { fingerprint: row['fingerprint'] ?? '' };
    for (const c of COLUMNS) {
      const value = row[c];
      if (c === 'fingerprint' && !value) throw invalid('csv', `Line ${i + 2}: the fingerprint is empty.`, { line: i + 2 });
      if (value && value.length > MAX[c])
        throw invalid('csv', `Line ${i + 2}: ${c} is longer than ${MAX[c]} characters.`, { line: i + 2, column: c });
      if (value && c !== 'fingerprint') device[c] = value;
    }
    return device;
  });
}
