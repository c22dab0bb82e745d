/**
 * What the webhooks' rules ask of storage; the store implements it (capabilities/webhooks/store/).
 *
 * The outbox design, and why it cannot lose an event: an event's deliveries are rows written by
 * `fanOut` in the SAME transaction as the event (events/record.ts calls it), one per endpoint
 * that wants the event. A dispatcher never follows "ids greater than the last one seen" (a reader
 * doing that skips an event whose transaction commits after a later id was read); it claims rows
 * that exist only because their event committed, and each row is finished exactly once (its
 * claim is checked when the result is written). Order per subject comes from `seq`, a counter per
 * (endpoint, subject) taken when the row is written: writes to one subject hold its row lock, so
 * the later change's row is written after the earlier one committed and gets the larger number,
 * whatever the processes' clocks say.
 */
import type { EventRecord, Page, PageRequest } from '../../platform/domain/model.js';

export interface WebhookEndpointRecord {
  id: string;
  url: string;
  description: string | null;
  /** Event type names, or ['*']. */
  events: string[];
  productId: string | null;
  enabled: boolean;
  /** 'gone' when the receiver answered 410; null when enabled or disabled by a person. */
  disabledReason: string | null;
  /** The signing secret, sealed with the master key (never stored in plain text). */
  secretSealed: string;
  previousSecretSealed: string | null;
  previousSecretExpiresAt: number | null;
  consecutiveFailures: number;
  /** The circuit breaker: no deliveries before this time; then one probe at a time. */
  parkedUntil: number | null;
  failingSince: number | null;
  createdAt: number;
  updatedAt: number;
}

export type DeliveryStatus = 'pending' | 'sending' | 'delivered' | 'failed';

export interface WebhookAttemptRecord {
  n: number;
  at: number;
  status: number | null;
  error: string | null;
  excerpt: string | null;
  durationMs: number;
}

export interface WebhookDeliveryRecord {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  subjectId: string;
  seq: number;
  status: DeliveryStatus;
  attempts: number;
  nextAt: number | null;
  createdAt: number;
  deliveredAt: number | null;
  attemptLog: WebhookAttemptRecord[];
}

export interface WebhookEndpointsPort {
  find(id: string): Promise<WebhookEndpointRecord | undefined>;
  list(page: PageRequest): Promise<Page<WebhookEndpointRecord>>;
  insert(e: WebhookEndpointRecord): Promise<void>;
  update(e: WebhookEndpointRecord): Promise<void>;
  /** Deletes the endpoint with its deliveries and their attempts. */
  delete(id: string): Promise<void>;
  /** The endpoint, its row held until the transaction ends (an attempt's outcome is written under it). */
  lock(id: string): Promise<WebhookEndpointRecord | undefined>;
  /** Enabled endpoints of the account, for the fan-out of an event. */
  enabled(): Promise<WebhookEndpointRecord[]>;
  /** Deliveries waiting (pending or sending), by endpoint id. */
  backlogs(ids: readonly string[]): Promise<Map<string, number>>;
}

export interface NewDelivery {
  id: string;
  endpointId: string;
  event: Pick<EventRecord, 'id' | 'type' | 'subjectId'>;
  now: number;
}

export interface WebhookDeliveriesPort {
  /** One more delivery row (a test event, a replayed one), after the subject's earlier ones. */
  enqueue(d: NewDelivery): Promise<void>;
  find(id: string): Promise<WebhookDeliveryRecord | undefined>;
  /** Newest first, with their attempts. */
  list(endpointId: string, status: DeliveryStatus | undefined, page: PageRequest): Promise<Page<WebhookDeliveryRecord>>;
  /** A failed (or delivered) delivery is queued again: attempts start over, the webhook-id stays. */
  requeue(id: string, now: number): Promise<void>;
  /** Logs an attempt (once per number: a late duplicate is dropped). */
  logAttempt(deliveryId: string, n: number, result: AttemptResult): Promise<void>;
  /**
   * The delivery, its row held, when `worker` still holds its claim for attempt `n`; undefined when
   * the claim lapsed and another process took it over.
   */
  heldBy(deliveryId: string, worker: string, n: number): Promise<{ queuedAt: number } | undefined>;
  /** Writes what an attempt's outcome decided, and releases the claim. */
  settle(deliveryId: string, outcome: AttemptOutcome['delivery'], now: number): Promise<void>;
  /** The account's events recorded in [from, to), oldest first, bounded. */
  eventsBetween(from: number, to: number, limit: number): Promise<EventRecord[]>;
}

/** Its repositories, in the transaction every service is handed (`Tx`, platform/domain/ports.ts). */
declare module '../../platform/domain/ports.js' {
  interface Tx {
    readonly webhookEndpoints: WebhookEndpointsPort;
    readonly webhookDeliveries: WebhookDeliveriesPort;
  }
}

/** One delivery a dispatcher holds: what it needs to send it, without another query. */
export interface ClaimedDelivery {
  accountId: string;
  deliveryId: string;
  endpointId: string;
  url: string;
  secretsSealed: string[];
  attempt: number;
  event: EventRecord;
}

export interface ClaimOptions {
  /** Deliveries in flight per endpoint, across processes. */
  cap: number;
  /** Consecutive failures after which an endpoint gets one probe at a time. */
  breakerAfter: number;
  /** How long a claim holds: longer than an attempt may take; a dead worker's claims lapse after it. */
  claimMs: number;
  /** Most deliveries claimed in one call. */
  limit: number;
}

/** How an attempt ended, as the dispatcher writes it back. */
export interface AttemptResult {
  at: number;
  status: number | null;
  error: string | null;
  excerpt: string | null;
  durationMs: number;
  retryAfterMs: number | null;
}

/** What the rules decided about the delivery and its endpoint after an attempt (schedule.ts). */
export interface AttemptOutcome {
  delivery: { status: DeliveryStatus; nextAt: number | null; deliveredAt: number | null };
  endpoint: {
    consecutiveFailures: number;
    parkedUntil: number | null;
    failingSince: number | null;
    disable: boolean;
  };
  /** Events the outcome records (webhook_endpoint.failing, webhook_endpoint.disabled). */
  notices: Array<'failing' | 'disabled'>;
}

/**
 * The dispatcher's view, across accounts: claims are taken under the database's lock (FOR UPDATE
 * SKIP LOCKED on PostgreSQL, the write lock on SQLite), so any number of processes share the work.
 */
export interface WebhookDispatchPort {
  /**
   * Claims due deliveries for `worker`: per endpoint at most `cap` in flight (1 while its breaker
   * probes), never one whose subject has an earlier delivery unfinished.
   */
  claim(worker: string, now: number, o: ClaimOptions): Promise<ClaimedDelivery[]>;
  /**
   * Writes an attempt and, when the claim is still this worker's, what `decide` makes of it.
   * Returns the outcome written (undefined: the claim was lost, only the attempt was logged).
   */
  /** Pending deliveries created before `before` (their schedule is over): failed, by endpoint. */
  expire(before: number, now: number, limit: number): Promise<Array<{ accountId: string; endpointId: string; count: number }>>;
  /** Finished deliveries (and their attempts) older than `before` are deleted. */
  prune(before: number, limit: number): Promise<number>;
  /** Deliveries waiting (pending or sending), across accounts: the outbox backlog. */
  backlog(): Promise<number>;
}
