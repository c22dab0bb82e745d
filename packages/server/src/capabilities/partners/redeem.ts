import type { RedeemRequest } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import { DomainError } from '../../platform/domain/errors.js';
import type { CustomerRecord, OfferingRecord } from '../../platform/domain/model.js';
import type { Tx } from '../../platform/domain/ports.js';
import { recordEvent } from '../events/record.js';
import { insertCustomer } from '../customers/customers.js';
import { insertEntitlement, type EntitlementView } from '../entitlements/entitlements.js';
import { requireKeyNow } from '../entitlements/pending-key.js';
import { codeHash, isMistyped } from './codes.js';
import type { CodeBatchRecord, PartnerCodeRecord, PartnerRecord } from './ports.js';

export interface CodeFacts {
  code: PartnerCodeRecord;
  batch: CodeBatchRecord;
  partner: PartnerRecord;
  offering: OfferingRecord;
}

async function factsOf(tx: Tx, ctx: Pick<Context, 'secrets'>, typed: string): Promise<CodeFacts | undefined> {
  if (isMistyped(typed)) return undefined;
  const code = await tx.partnerCodes.find(codeHash(ctx, typed));
  if (!code) return undefined;
  const batch = (await tx.codeBatches.find(code.batchId))!;
  return { code, batch, partner: (await tx.partners.find(code.partnerId))!, offering: (await tx.offerings.find(batch.offeringId))! };
}

export type CodeVerdict =
  { authentic: false; typo: boolean } | { authentic: true; state: 'issued' | 'redeemed' | 'voided' | 'expired'; facts: CodeFacts };

/** The one decision on a code: is it ours, and may it be redeemed now? Ordered, first failure wins. */
export function judgeCode(facts: CodeFacts | undefined, typed: string, now: number): CodeVerdict {
  if (!facts) return { authentic: false, typo: isMistyped(typed) };
  if (facts.code.state !== 'issued') return { authentic: true, state: facts.code.state, facts };
  if (facts.batch.expiresAt !== null && facts.batch.expiresAt <= now) return { authentic: true, state: 'expired', facts };
  return { authentic: true, state: 'issued', facts };
}

/** Whether a code is one this account issued, for whom, and whether it can still be redeemed; changes nothing. */
export function checkCode(ctx: Context, typed: string): Promise<CodeVerdict> {
  return ctx.store.read(async (tx) => judgeCode(await factsOf(tx, ctx, typed), typed, ctx.clock.now()));
}

/** The account a code belongs to, or undefined (a forged or mistyped code). */
export function accountOfCode(ctx: Pick<Context, 'secrets' | 'store'>, typed: string): Promise<string | undefined> {
  return isMistyped(typed) ? Promise.resolve(undefined) : ctx.store.read((tx) => tx.partnerCodes.accountOf(codeHash(ctx, typed)));
}

export interface Redemption {
  customer: CustomerRecord;
  entitlement: EntitlementView;
  offering: OfferingRecord;
}

/**
 * Redeems a code into a customer and an entitlement of the batch's offering, in one transaction.
 * The code is marked redeemed first, by a write that succeeds only while it is still issued: of
 * racing redemptions exactly one passes it, the others wait for its commit and are refused
 * (CODE_ALREADY_REDEEMED) with nothing written.
 */
export function redeemCode(ctx: Context, request: RedeemRequest): Promise<Redemption> {
  return redeemInto(ctx, request.code, (tx) => customerFor(tx, ctx, request.customer));
}

/**
 * Redeems a code into a customer that exists (a signed-in customer of the portal redeeming for
 * their organisation): the same redemption, with the customer given rather than found or made.
 */
export function redeemCodeForCustomer(ctx: Context, typed: string, customer: CustomerRecord): Promise<Redemption> {
  return redeemInto(ctx, typed, () => Promise.resolve(customer));
}

function redeemInto(ctx: Context, typed: string, customerOf: (tx: Tx) => Promise<CustomerRecord>): Promise<Redemption> {
  return ctx.store.write(async (tx) => {
    const verdict = judgeCode(await factsOf(tx, ctx, typed), typed, ctx.clock.now());
    if (!verdict.authentic) throw codeInvalid(verdict.typo ? 'typo' : 'unknown');
    if (verdict.state === 'redeemed') throw alreadyRedeemed();
    if (verdict.state !== 'issued') throw codeInvalid(verdict.state);
    const { code, batch, offering } = verdict.facts;
    if (!(await tx.partnerCodes.redeem(code.hash, ctx.clock.now()))) throw alreadyRedeemed();
    const customer = await customerOf(tx);
    const entitlement = await insertEntitlement(tx, ctx, {
      customerId: customer.id,
      offeringId: offering.id,
      overrides: batch.overrides,
      metadata: { source: 'partner_code', partnerId: batch.partnerId, codeBatchId: batch.id, serial: code.serial },
    });
    requireKeyNow(entitlement, 'the code was not redeemed');
    await tx.partnerCodes.attach(code.hash, entitlement.record.id);
    await recordEvent(tx, ctx, {
      type: 'code.redeemed',
      subjectType: 'entitlement',
      subjectId: entitlement.record.id,
      entitlementId: entitlement.record.id,
      customerId: customer.id,
      productId: offering.productId,
      after: { partnerId: batch.partnerId, codeBatchId: batch.id, serial: code.serial },
    });
    return { customer, entitlement, offering };
  });
}

/**
 * The customer a redemption is for: the one with the given externalRef when its email matches
 * (a returning customer), else a new one. A stranger cannot attach to someone else's record by
 * guessing a reference: a reference taken with another email is refused.
 */
async function customerFor(tx: Tx, ctx: Context, c: RedeemRequest['customer']): Promise<CustomerRecord> {
  if (c.externalRef) {
    const known = await tx.customers.find(c.externalRef);
    if (known && known.externalRef === c.externalRef) {
      if (known.email?.toLowerCase() === c.email.toLowerCase()) return known;
      throw new DomainError('DUPLICATE_EXTERNAL_REF', 'That customer reference belongs to another customer.', {
        field: 'customer.externalRef',
      });
    }
  }
  return insertCustomer(tx, ctx, {
    name: c.name,
    email: c.email,
    externalRef: c.externalRef ?? null,
    metadata: { source: 'partner_code' },
  });
}

function codeInvalid(reason: 'typo' | 'unknown' | 'voided' | 'expired'): DomainError {
  const message = {
    typo: 'The code has a typo: its last symbol does not match the others.',
    unknown: 'This is not a code the vendor issued.',
    voided: 'This code was withdrawn by the vendor.',
    expired: 'This code has expired.',
  }[reason];
  return new DomainError('CODE_INVALID', message, { field: 'code', reason });
}

const alreadyRedeemed = () => new DomainError('CODE_ALREADY_REDEEMED', 'This code has been redeemed already.', { field: 'code' });
