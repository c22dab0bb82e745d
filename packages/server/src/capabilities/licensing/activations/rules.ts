import { formatTimestamp } from '@leasehold/contract';
import type { ActivationRule, EnforcementMode } from '@leasehold/contract';
import type { ActivationRecord, EntitlementRecord, OfferingRecord } from '../../../platform/domain/model.js';
import { statusAt } from '../../entitlements/effective-rights.js';
import { holdsSeat } from './seats.js';

/** What the customer holds, loaded once before the rules are checked. */
export interface CustomerFacts {
  entitlements: Array<{ entitlement: EntitlementRecord; offering: OfferingRecord }>;
  liveActivations: ActivationRecord[];
}

export type RuleOutcome =
  | { ok: true; warnings: Array<{ code: string; message: string; details: Record<string, unknown> }> }
  | { ok: false; code: 'RULE_UNSATISFIED'; message: string; details: Record<string, unknown> };

/**
 * Checks the offering's activation rules, in order, stopping at the first that fails. Each refusal
 * names the rule and what would satisfy it.
 */
export function checkActivationRules(
  offering: OfferingRecord,
  entitlement: EntitlementRecord,
  facts: CustomerFacts,
  mode: EnforcementMode,
  now: number,
): RuleOutcome {
  for (const [index, rule] of offering.activationRules.entries()) {
    const failure = failureOf(rule, entitlement, facts, now);
    if (!failure) continue;
    const details = { rule: rule.type, ruleIndex: index, ...failure.details };
    if (mode === 'enforce') return { ok: false, code: 'RULE_UNSATISFIED', message: failure.message, details };
    return {
      ok: true,
      // End users may read the message: how the vendor configured enforcement goes in details.
      warnings: [
        {
          code: 'RULE_UNSATISFIED',
          message: `${failure.message} The device is let in all the same.`,
          details: { ...details, enforcement: mode },
        },
      ],
    };
  }
  return { ok: true, warnings: [] };
}

function failureOf(rule: ActivationRule, entitlement: EntitlementRecord, facts: CustomerFacts, now: number) {
  const others = facts.entitlements.filter((e) => e.entitlement.id !== entitlement.id);
  const offeringOf = new Map(facts.entitlements.map((e) => [e.entitlement.id, e.offering]));
  switch (rule.type) {
    case 'requires': {
      const held = others.some(
        (e) =>
          statusAt(e.entitlement, now) === 'active' &&
          (rule.productId ? e.entitlement.productId === rule.productId : e.entitlement.offeringId === rule.offeringId),
      );
      if (held) return null;
      const target = rule.productId ? { productId: rule.productId } : { offeringId: rule.offeringId };
      return {
        message: 'This license can only be used alongside another active license of the same customer, which is missing.',
        details: { ...target, resolve: 'Grant or renew the required base entitlement for this customer.' },
      };
    }
    case 'max_activations_per_customer': {
      const live = facts.liveActivations.filter((a) => a.productId === entitlement.productId && holdsSeat(a, now));
      if (live.length < rule.limit) return null;
      return {
        message: `The customer already has ${live.length} activations of this product; at most ${rule.limit} are allowed.`,
        details: {
          limit: rule.limit,
          used: live.length,
          holders: live.map((a) => ({
            activationId: a.id,
            entitlementId: a.entitlementId,
            fingerprint: a.fingerprint,
            lastSeenAt: formatTimestamp(a.lastSeenAt),
          })),
          resolve: 'Deactivate one of the customer’s devices.',
        },
      };
    }
    case 'excludes': {
      const clash = facts.liveActivations.find(
        (a) =>
          holdsSeat(a, now) && a.entitlementId !== entitlement.id && rule.offeringIds.includes(offeringOf.get(a.entitlementId)?.id ?? ''),
      );
      if (!clash) return null;
      const clashing = offeringOf.get(clash.entitlementId)!;
      return {
        message: `The customer has a device active on ${clashing.name}, which cannot run alongside this license.`,
        details: {
          offeringIds: rule.offeringIds,
          conflict: { offeringId: clashing.id, offeringCode: clashing.code, activationId: clash.id, fingerprint: clash.fingerprint },
          resolve: `Deactivate the devices on ${clashing.code} first.`,
        },
      };
    }
  }
}
