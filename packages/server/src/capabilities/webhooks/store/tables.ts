/** The webhooks capability's tables, merged into the one `DB` interface of `platform/store/schema.ts`. */
declare module '../../../platform/store/schema.js' {
  interface DB {
    webhook_endpoints: WebhookEndpointsTable;
    webhook_deliveries: WebhookDeliveriesTable;
    webhook_attempts: WebhookAttemptsTable;
  }
}

export interface WebhookEndpointsTable {
  account_id: string;
  id: string;
  url: string;
  description: string | null;
  /** JSON array of event type names, or ["*"]. */
  events: string;
  product_id: string | null;
  enabled: number;
  disabled_reason: string | null;
  /** Sealed with the master key (MasterKey.encrypt, purpose webhook-secret). */
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: number | null;
  consecutive_failures: number;
  parked_until: number | null;
  failing_since: number | null;
  created_at: number;
  updated_at: number;
}

export interface WebhookDeliveriesTable {
  account_id: string;
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  subject_id: string;
  /** Order among the deliveries of one (endpoint, subject); see ports.ts. */
  seq: number;
  status: string;
  attempts: number;
  next_at: number | null;
  claimed_by: string | null;
  claimed_until: number | null;
  created_at: number;
  /** When it was (last) queued: the schedule, and its expiry, count from here (a retry starts over). */
  queued_at: number;
  updated_at: number;
  delivered_at: number | null;
}

export interface WebhookAttemptsTable {
  account_id: string;
  delivery_id: string;
  n: number;
  at: number;
  status: number | null;
  error: string | null;
  excerpt: string | null;
  duration_ms: number;
}
