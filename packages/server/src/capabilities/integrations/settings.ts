import type { IntegrationProvider, IntegrationWrite } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import { DomainError, invalid } from '../../platform/domain/errors.js';
import type { Tx } from '../../platform/domain/ports.js';
import { isPositiveDuration } from '../../foundation/durations.js';
import { recordEvent } from '../events/record.js';
import type { Page, PageRequest } from '../../platform/domain/model.js';
import type { InboundEventRecord, IntegrationRecord, IntegrationSettings } from './ports.js';

/** What the master key seals signing secrets under (see secrets/master-key.ts). */
const SECRET_PURPOSE = 'integration-signing-secret';

export const DEFAULT_SETTINGS: IntegrationSettings = {
  prices: {},
  onPaymentFailure: 'suspend',
  fallbackOffering: null,
  renewalGrace: 'P1D',
};

/** An integration as staff see it: its settings and whether a secret is set, never the secret. */
export interface IntegrationView {
  provider: IntegrationProvider;
  secretSet: boolean;
  settings: IntegrationSettings;
  updatedAt: number | null;
}

function viewOf(provider: IntegrationProvider, record: IntegrationRecord | undefined): IntegrationView {
  return {
    provider,
    secretSet: Boolean(record?.secretSealed),
    settings: { ...DEFAULT_SETTINGS, ...record?.settings },
    updatedAt: record?.updatedAt ?? null,
  };
}

export function getIntegration(ctx: Context, provider: IntegrationProvider): Promise<IntegrationView> {
  return ctx.store.read(async (tx) => viewOf(provider, await tx.integrations.find(provider)));
}

/** The secret events of this provider are verified with, or a refusal saying how to set one. */
export async function signingSecret(
  tx: Tx,
  ctx: Context,
  provider: IntegrationProvider,
): Promise<{ secret: string; settings: IntegrationSettings }> {
  const record = await tx.integrations.find(provider);
  if (!record?.secretSealed) {
    throw new DomainError('INTEGRATION_NOT_CONFIGURED', `This account has no ${provider} signing secret set.`, {
      provider,
      resolve: `PUT /v1/integrations/${provider} {"signingSecret": "whsec_…"}`,
    });
  }
  return { secret: ctx.secrets.decrypt(SECRET_PURPOSE, record.secretSealed), settings: { ...DEFAULT_SETTINGS, ...record.settings } };
}

/**
 * Sets an integration's secret and mapping. Offerings named in the mapping must exist now (a
 * typo found here is better than a renewal that fails later); the secret is sealed with the master
 * key and never read back out through the API.
 */
export function putIntegration(ctx: Context, provider: IntegrationProvider, write: IntegrationWrite): Promise<IntegrationView> {
  return ctx.store.write(async (tx) => {
    const before = await tx.integrations.find(provider);
    const current = viewOf(provider, before).settings;
    const settings: IntegrationSettings = {
      prices: write.prices ?? current.prices,
      onPaymentFailure: write.onPaymentFailure ?? current.onPaymentFailure,
      fallbackOffering: write.fallbackOffering !== undefined ? write.fallbackOffering : current.fallbackOffering,
      renewalGrace: write.renewalGrace ?? current.renewalGrace,
    };
    await checkSettings(tx, settings);
    const record: IntegrationRecord = {
      provider,
      secretSealed: write.signingSecret ? ctx.secrets.encrypt(SECRET_PURPOSE, write.signingSecret) : (before?.secretSealed ?? null),
      settings,
      updatedAt: ctx.clock.now(),
    };
    await tx.integrations.save(record);
    const { prices, ...rest } = settings;
    await recordEvent(tx, ctx, {
      type: 'integration.updated',
      subjectType: 'integration',
      subjectId: provider,
      before: before ? { ...before.settings } : null,
      after: { prices, ...rest },
      context: { secretChanged: write.signingSecret !== undefined },
    });
    return viewOf(provider, record);
  });
}

async function checkSettings(tx: Tx, s: IntegrationSettings): Promise<void> {
  if (!isPositiveDuration(s.renewalGrace) && s.renewalGrace !== 'PT0S') {
    throw invalid('renewalGrace', 'renewalGrace must be an ISO 8601 duration (PT0S for none).');
  }
  if (s.onPaymentFailure === 'fallback' && !s.fallbackOffering) {
    throw invalid('fallbackOffering', 'onPaymentFailure "fallback" needs a fallbackOffering.');
  }
  const named: Array<[string, string]> = Object.entries(s.prices).map(([price, ref]) => [`prices.${price}`, ref]);
  if (s.fallbackOffering) named.push(['fallbackOffering', s.fallbackOffering]);
  for (const [field, ref] of named) {
    if (!(await tx.offerings.find(ref))) {
      throw new DomainError('UNKNOWN_REFERENCE', `${field} names no offering of this account: ${JSON.stringify(ref)}.`, { field, ref });
    }
  }
}

export function listInboundEvents(ctx: Context, provider: IntegrationProvider, page: PageRequest): Promise<Page<InboundEventRecord>> {
  return ctx.store.read((tx) => tx.integrations.events(provider, page));
}
