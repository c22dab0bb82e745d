import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_STATUS, REFUSAL_CODES, type ErrorCode } from '@leasehold/contract';
import { createHarness, type Harness } from '../support/harness.js';
import { REPO_ROOT } from '../support/processes.js';

const doc = readFileSync(join(REPO_ROOT, 'docs', 'client-protocol.md'), 'utf8');

/** The codes every client endpoint may answer, which the page names once rather than per endpoint. */
const COMMON: ErrorCode[] = [
  'INVALID_REQUEST',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'TOO_MANY_REQUESTS',
  'INTERNAL',
  'SERVICE_UNAVAILABLE',
];

/** Table rows of the page whose first cell is one `code span`: that span → the rest of the cells. */
function rows(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of doc.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (line.startsWith('|') && /^`[^`]+`$/.test(cells[1] ?? '')) out.set(cells[1]!.slice(1, -1), cells.slice(2, -1));
  }
  return out;
}

const codesIn = (cell: string) => [...cell.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]!).sort();

// The page is checked against the routes the server declares; no store is involved beyond starting one.
describe('docs/client-protocol.md', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('sqlite');
  });
  afterAll(() => h.close());

  it('lists every client route with exactly the error codes it declares, beyond the common ones', () => {
    const table = rows();
    const routes = [...h.app.declaredErrors.keys()].filter(
      (r) =>
        r.includes(' /v1/client/') ||
        r === 'GET /.well-known/jwks.json' ||
        r === 'GET /.well-known/accounts/:account/jwks.json' ||
        r === 'POST /v1/offline/activations',
    );
    expect(routes.length).toBeGreaterThan(8);
    expect([...table.keys()].filter((k) => / \//.test(k)).sort()).toEqual(routes.sort());
    for (const route of routes) {
      const declared = h.app.declaredErrors.get(route)!.filter((c) => !COMMON.includes(c));
      expect(codesIn(table.get(route)![0]!), route).toEqual([...declared].sort());
    }
  });

  it('gives every code a client meets with the status the server answers it with', () => {
    const table = rows();
    const met = new Set<string>([...COMMON, ...[...h.app.declaredErrors.entries()].flatMap(([r, c]) => (table.has(r) ? c : []))]);
    for (const code of met) {
      expect(table.has(code), `${code} has a row`).toBe(true);
      expect(table.get(code)![0], code).toBe(String(ERROR_STATUS[code as ErrorCode]));
    }
    // The refusals the page marks are the contract's (less the two only validate reports, named in the text).
    const marked = [...table].filter(([, cells]) => /^a (\*\*)?refusal/.test(cells[1] ?? '')).map(([c]) => c);
    expect(marked.sort()).toEqual(REFUSAL_CODES.filter((c) => c !== 'FINGERPRINT_MISMATCH' && c !== 'NOT_FOUND').sort());
  });
});
