import { describe, expect, it } from 'vitest';
import type { ActivationRule, EnforcementMode } from '@leasehold/contract';
import { checkActivationRules, type CustomerFacts } from '../../src/capabilities/licensing/activations/rules.js';
import type { ActivationRecord, EntitlementRecord } from '../../src/platform/domain/model.js';
import { DAY, NOW, activations, entitlement, offering } from '../support/records.js';

/**
 * The customer holds the add-on (`ent_addon`, being activated) and may hold a base, a rival
 * offering and another product. Rules are checked for the add-on.
 */
const addonOffering = (rules: ActivationRule[]) => offering({ id: 'off_addon', code: 'addon', activationRules: rules });
const addon = entitlement({ id: 'ent_addon', offeringId: 'off_addon' });
const base = (o: Partial<EntitlementRecord> = {}) => ({
  entitlement: entitlement({ id: 'ent_base', offeringId: 'off_base', productId: 'prod_base', ...o }),
  offering: offering({ id: 'off_base', code: 'base', productId: 'prod_base' }),
});
const rival = () => ({
  entitlement: entitlement({ id: 'ent_rival', offeringId: 'off_rival' }),
  offering: offering({ id: 'off_rival', code: 'rival' }),
});
const on = (entitlementId: string, n: number, o: Partial<ActivationRecord> = {}) => activations(n, { entitlementId, ...o });

interface Held {
  base?: Partial<EntitlementRecord> | false;
  rival?: boolean;
  live?: ActivationRecord[];
}

function check(rules: ActivationRule[], held: Held = {}, mode: EnforcementMode = 'enforce') {
  const off = addonOffering(rules);
  const facts: CustomerFacts = {
    entitlements: [
      { entitlement: addon, offering: off },
      ...(held.base === false ? [] : [base(held.base)]),
      ...(held.rival ? [rival()] : []),
    ],
    liveActivations: held.live ?? [],
  };
  return checkActivationRules(off, addon, facts, mode, NOW);
}

const requiresProduct: ActivationRule = { type: 'requires', productId: 'prod_base' };
const requiresOffering: ActivationRule = { type: 'requires', offeringId: 'off_base' };
const max2: ActivationRule = { type: 'max_activations_per_customer', limit: 2 };
const excludesRival: ActivationRule = { type: 'excludes', offeringIds: ['off_rival'] };

describe('checkActivationRules in enforce mode', () => {
  it.each<[string, ActivationRule[], Held, string | null]>([
    ['no rules: allowed', [], { base: false }, null],
    // requires
    ['requires a product the customer holds, active', [requiresProduct], {}, null],
    ['requires an offering the customer holds, active', [requiresOffering], {}, null],
    ['requires a product the customer does not hold', [requiresProduct], { base: false }, 'requires'],
    ['requires a base that is suspended', [requiresOffering], { base: { state: 'suspended' } }, 'requires'],
    ['requires a base that ended exactly now', [requiresProduct], { base: { endsAt: NOW } }, 'requires'],
    ['requires a base that ends a millisecond from now', [requiresProduct], { base: { endsAt: NOW + 1 } }, null],
    ['requires a base that has not started', [requiresProduct], { base: { startsAt: NOW + DAY } }, 'requires'],
    ['requires another offering than the one held', [{ type: 'requires', offeringId: 'off_other' }], {}, 'requires'],
    [
      'the entitlement being activated does not satisfy its own requirement',
      [{ type: 'requires', offeringId: 'off_addon' }],
      {},
      'requires',
    ],
    // max activations per customer, across the customer's entitlements of this product
    ['max activations: one under the limit', [max2], { live: on('ent_rival', 1) }, null],
    [
      'max activations: exactly at the limit',
      [max2],
      { live: [...on('ent_addon', 1), ...on('ent_rival', 1)] },
      'max_activations_per_customer',
    ],
    ['max activations: other products’ devices do not count', [max2], { live: on('ent_base', 5, { productId: 'prod_base' }) }, null],
    ['max activations: stopped heartbeats do not count', [max2], { live: on('ent_addon', 5, { heartbeatDeadline: NOW - 1 }) }, null],
    ['max activations: deactivated devices do not count', [max2], { live: on('ent_addon', 5, { state: 'deactivated' }) }, null],
    // excludes
    ['excludes: a device active on the excluded offering', [excludesRival], { rival: true, live: on('ent_rival', 1) }, 'excludes'],
    ['excludes: the excluded offering held, no device on it', [excludesRival], { rival: true, live: on('ent_addon', 1) }, null],
    [
      'excludes: devices on the excluded offering all deactivated',
      [excludesRival],
      { rival: true, live: on('ent_rival', 2, { state: 'deactivated' }) },
      null,
    ],
    ['excludes: its own devices never clash', [{ type: 'excludes', offeringIds: ['off_addon'] }], { live: on('ent_addon', 2) }, null],
    // order: the first failing rule decides
    [
      'several fail: the first listed wins (requires, then max)',
      [requiresProduct, max2],
      { base: false, live: on('ent_addon', 2) },
      'requires',
    ],
    [
      'several fail: the first listed wins (max, then requires)',
      [max2, requiresProduct],
      { base: false, live: on('ent_addon', 2) },
      'max_activations_per_customer',
    ],
    ['a passing rule before a failing one', [requiresProduct, excludesRival], { rival: true, live: on('ent_rival', 1) }, 'excludes'],
  ])('%s', (_behaviour, rules, held, failing) => {
    const outcome = check(rules, held);
    if (failing === null) {
      expect(outcome).toEqual({ ok: true, warnings: [] });
    } else {
      expect(outcome).toMatchObject({ ok: false, code: 'RULE_UNSATISFIED', details: { rule: failing } });
      if (!outcome.ok) expect(outcome.details['ruleIndex']).toBe(rules.findIndex((r) => r.type === failing));
    }
  });

  it('an unmet requirement names what would satisfy it', () => {
    expect(check([requiresOffering], { base: false })).toMatchObject({
      ok: false,
      details: { offeringId: 'off_base', resolve: expect.any(String) },
    });
    expect(check([requiresProduct], { base: false })).toMatchObject({ ok: false, details: { productId: 'prod_base' } });
  });

  it('a clash names the offering and device it clashes with', () => {
    const [device] = on('ent_rival', 1);
    expect(check([excludesRival], { rival: true, live: [device!] })).toMatchObject({
      ok: false,
      details: { conflict: { offeringId: 'off_rival', offeringCode: 'rival', activationId: device!.id } },
    });
  });

  it('the activation limit counts the customer’s devices and lists them', () => {
    const live = [...on('ent_addon', 1), ...on('ent_rival', 1)];
    const outcome = check([max2], { live });
    expect(outcome).toMatchObject({ ok: false, details: { limit: 2, used: 2 } });
    if (!outcome.ok)
      expect((outcome.details['holders'] as Array<{ activationId: string }>).map((h) => h.activationId)).toEqual(live.map((a) => a.id));
  });
});

describe('checkActivationRules in warn and log mode', () => {
  it.each<EnforcementMode>(['warn', 'log'])('%s mode lets an unmet rule through with a RULE_UNSATISFIED warning', (mode) => {
    const outcome = check([requiresProduct, max2], { base: false, live: on('ent_addon', 2) }, mode);
    expect(outcome).toMatchObject({
      ok: true,
      warnings: [{ code: 'RULE_UNSATISFIED', details: { rule: 'requires', ruleIndex: 0, enforcement: mode } }],
    });
    if (outcome.ok) expect(outcome.warnings).toHaveLength(1);
    // What an end user may read names no vendor setting and no internal id.
    if (outcome.ok) expect(outcome.warnings[0]!.message).not.toMatch(/enforcement|prod_|off_/);
  });

  it.each<EnforcementMode>(['warn', 'log'])('%s mode warns nothing when the rules are met', (mode) => {
    expect(check([requiresProduct, max2], {}, mode)).toEqual({ ok: true, warnings: [] });
  });
});
