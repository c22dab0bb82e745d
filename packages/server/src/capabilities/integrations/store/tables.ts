/** The integrations capability's tables, merged into the one `DB` interface of `platform/store/schema.ts`. */
declare module '../../../platform/store/schema.js' {
  interface DB {
    integration_settings: IntegrationSettingsTable;
    integration_events: IntegrationEventsTable;
    integration_links: IntegrationLinksTable;
  }
}

/** One row per account and provider: the sealed signing secret and the mapping settings (JSON). */
export interface IntegrationSettingsTable {
  account_id: string;
  provider: string;
  secret_sealed: string | null;
  settings: string;
  updated_at: number;
}

/** Every inbound event by its sender's id: what makes a redelivery change nothing. */
export interface IntegrationEventsTable {
  account_id: string;
  provider: string;
  event_id: string;
  id: string;
  type: string;
  subject: string | null;
  entitlement_id: string | null;
  outcome: string;
  detail: string | null;
  occurred_at: number;
  received_at: number;
}

/** A billing subscription (or order) and the entitlement it drives, with the time of the newest change applied. */
export interface IntegrationLinksTable {
  account_id: string;
  provider: string;
  subject: string;
  entitlement_id: string;
  last_event_at: number;
  last_event_id: string;
  held: number;
  updated_at: number;
}
