import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_TYPES } from '@leasehold/contract';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../../src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/**
 * The contract's EVENT_TYPES is what webhooks publish and vendors subscribe to. The compiler keeps
 * the server from recording a type that is not listed; this keeps the list from promising a type
 * the server never records.
 */
describe('the closed list of event types', () => {
  const text = sources(SRC)
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');

  it.each(Object.keys(EVENT_TYPES))('%s is recorded somewhere in the server', (type) => {
    expect(text).toContain(`'${type}'`);
  });

  it('names a known subject for every type, and no type twice', () => {
    const names = Object.keys(EVENT_TYPES);
    expect(new Set(names).size).toBe(names.length);
    for (const spec of Object.values(EVENT_TYPES)) expect(spec.summary.length).toBeGreaterThan(10);
  });
});
