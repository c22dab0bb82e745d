import { describe, expect, it } from 'vitest';
import { learnText, Replacements, scrubText } from '../../src/capabilities/erasure/scrub.js';

const fresh = () => new Replacements({ customerId: 'cus_1', activationIds: new Set(['act_1']) }, ['name', 'email']);

describe('erasure scrubbing', () => {
  it('gives each distinct named user or host its own pseudonym, after those an earlier erasure gave', () => {
    const r = fresh();
    r.reserve('[erased-4]');
    r.learnAll({ user: 'ann@x.test', host: 'node-a' }, 'activation');
    r.learnAll({ user: 'ann@x.test', host: 'node-b' }, 'activation');
    expect(['ann@x.test', 'node-a', 'node-b'].map((v) => r.replace(v))).toEqual(['[erased-5]', '[erased-6]', '[erased-7]']);
  });

  it('learns names by the shape of the object: the customer, an activation (by id or fingerprint), not an offering', () => {
    const r = fresh();
    r.learnAll({ removedDevices: [{ fingerprint: 'fp', name: 'Ann’s laptop' }], offering: { name: 'Studio Pro' } }, 'other');
    learnText(JSON.stringify({ name: 'Ann Old Name', email: 'ann@old.test' }), 'customer', r);
    expect(r.values().sort()).toEqual(['Ann Old Name', 'Ann’s laptop', 'ann@old.test']);
  });

  it.each([
    ['a whole value', { reason: 'Ann Old Name' }, { reason: '[erased]' }],
    ['inside longer text, when six characters or more', { reason: 'asked by ann@old.test today' }, { reason: 'asked by [erased] today' }],
    ['a short value only as a whole value', { a: 'Al', b: 'Alpha Al' }, { a: '[erased]', b: 'Alpha Al' }],
    ['the customer’s metadata, emptied', { id: 'cus_1', metadata: { street: 'Main 1' } }, { id: 'cus_1', metadata: {} }],
    ['an entitlement’s metadata, kept', { id: 'ent_1', metadata: { po: 'PO-1' } }, { id: 'ent_1', metadata: { po: 'PO-1' } }],
    [
      'an activation’s meta in a nested list, emptied',
      { list: [{ id: 'act_1', meta: { k: 'v' } }] },
      { list: [{ id: 'act_1', meta: {} }] },
    ],
  ])('replaces %s', (_what, input, output) => {
    const r = fresh();
    r.learnAll({ name: 'Ann Old Name', email: 'ann@old.test' }, 'customer');
    r.learnAll({ name: 'Al' }, 'customer');
    expect(JSON.parse(scrubText(JSON.stringify(input), 'other', r))).toEqual(output);
  });

  it('returns the very same text when nothing in it is personal, and scrubs plain text too', () => {
    const r = fresh();
    r.learnAll({ name: 'Ann Old Name' }, 'customer');
    const untouched = '{"a":  1}';
    expect(scrubText(untouched, 'other', r)).toBe(untouched);
    expect(scrubText('not json: Ann Old Name', 'other', r)).toBe('not json: [erased]');
  });
});
