/** What the integrations' rules ask of storage; the store implements it (capabilities/integrations/store/). */
import type { InboundOutcome, IntegrationProvider, PaymentFailureAction } from '@leasehold/contract';
import type { Page, PageRequest } from '../../platform/domain/model.js';

/** How an account's integration maps billing onto entitlements (the secret is kept apart, sealed). */
export interface IntegrationSettings {
  /** Stripe price id → offering code or id. */
  prices: Record<string, string>;
  onPaymentFailure: PaymentFailureAction;
  fallbackOffering: string | null;
  /** Added to a paid period's end, so a renewal paid an hour late does not stop anyone. */
  renewalGrace: string;
}

export interface IntegrationRecord {
  provider: IntegrationProvider;
  secretSealed: string | null;
  settings: IntegrationSettings;
  updatedAt: number;
}

/** One event received from a billing system, by the sender's id. */
export interface InboundEventRecord {
  id: string;
  provider: IntegrationProvider;
  eventId: string;
  type: string;
  subject: string | null;
  entitlementId: string | null;
  outcome: InboundOutcome;
  detail: string | null;
  occurredAt: number;
  receivedAt: number;
}

/** A subscription (or order) of the billing system and the entitlement it drives. */
export interface SubscriptionLink {
  provider: IntegrationProvider;
  subject: string;
  entitlementId: string;
  /** When the newest change applied to it happened, by the sender's clock: older events are stale. */
  lastEventAt: number;
  lastEventId: string;
  /** Whether billing suspended the entitlement (so billing may resume it; a suspension staff made, it may not). */
  held: boolean;
}

export interface IntegrationsPort {
  find(provider: IntegrationProvider): Promise<IntegrationRecord | undefined>;
  save(record: IntegrationRecord): Promise<void>;
  /** The event as recorded, if it was received before. */
  findEvent(provider: IntegrationProvider, eventId: string): Promise<InboundEventRecord | undefined>;
  /**
   * Records an event. A second writer of the same event id is refused with the store's conflict
   * (`inbound_event.eventId`); a `failed` one is replaced, since a failed event may be sent again.
   */
  recordEvent(e: InboundEventRecord): Promise<void>;
  events(provider: IntegrationProvider, page: PageRequest): Promise<Page<InboundEventRecord>>;
  link(provider: IntegrationProvider, subject: string, opts?: { lock?: boolean }): Promise<SubscriptionLink | undefined>;
  saveLink(link: SubscriptionLink, at: number): Promise<void>;
}

/** Its repositories, in the transaction every service is handed (`Tx`, platform/domain/ports.ts). */
declare module '../../platform/domain/ports.js' {
  interface Tx {
    readonly integrations: IntegrationsPort;
  }
}
