import type { GenericMessage } from '@leasehold/contract';
import { timeFrom } from '../../platform/domain/dates.js';
import { invalid } from '../../platform/domain/errors.js';
import type { BillingChange } from './inbound.js';

/**
 * What a message to the generic endpoint asks, as a billing change. The actions and the fields each
 * needs (docs/billing.md):
 *
 * | action            | needs                          | does                                              |
 * | ----------------- | ------------------------------ | ------------------------------------------------- |
 * | `create`          | customer, offering (endsAt)    | the customer and entitlement, unless they exist   |
 * | `renew`           | endsAt                         | moves the end (later: a renewal), resumes         |
 * | `suspend`         |                                | suspends                                          |
 * | `resume`          |                                | resumes what billing suspended                    |
 * | `change_offering` | offering                       | moves the entitlement to the offering             |
 * | `end`             | (endsAt, default now)          | ends the entitlement then                         |
 */
export function genericChange(message: GenericMessage, id: string, sentAt: number, now: number): BillingChange {
  const base = {
    provider: 'generic' as const,
    eventId: id,
    type: message.action,
    occurredAt: message.occurredAt ? timeFrom('occurredAt', message.occurredAt) : sentAt,
    subject: message.entitlement.externalRef,
    ...(message.customer ? { customer: message.customer } : {}),
  };
  const endsAt = message.endsAt === undefined ? undefined : message.endsAt === null ? null : timeFrom('endsAt', message.endsAt);
  switch (message.action) {
    case 'create':
      if (!message.customer) throw invalid('customer', 'create needs the customer (externalRef, name, email).');
      if (!message.offering) throw invalid('offering', 'create needs the offering (its code or id).');
      return { ...base, creates: true, target: { offering: message.offering, active: true, ...(endsAt !== undefined ? { endsAt } : {}) } };
    case 'renew':
      if (endsAt === undefined) throw invalid('endsAt', 'renew needs endsAt: the end of the period paid for (null: no end).');
      return { ...base, target: { endsAt, active: true } };
    case 'suspend':
      return { ...base, target: { active: false } };
    case 'resume':
      return { ...base, target: { active: true } };
    case 'change_offering':
      if (!message.offering) throw invalid('offering', 'change_offering needs the offering (its code or id).');
      return { ...base, target: { offering: message.offering } };
    case 'end':
      return { ...base, target: { endsAt: endsAt ?? now } };
  }
}
