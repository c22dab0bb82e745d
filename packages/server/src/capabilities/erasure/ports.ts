/** What erasure asks of storage: every place a customer's personal data can sit (store/erasure.ts). */

/** An activation's personal fields (the rest of the row is kept as it is). */
export interface ActivationPersonal {
  id: string;
  entitlementId: string;
  name: string | null;
  hostname: string | null;
  user: string | null;
  host: string | null;
  /** JSON text, as stored. */
  meta: string;
}

/** An event's payloads, as stored (JSON text); its type, subject, ids and time are never touched. */
export interface EventPayloads {
  id: string;
  subjectType: string;
  before: string | null;
  after: string | null;
}

/**
 * One stored text outside the events that may copy the customer's data: entitlement versions,
 * migration results, NetLicensing properties, idempotent responses kept for retries. `key` is the
 * row's primary key within the account, in the table's own order.
 */
export interface StoredText {
  table: 'entitlement_versions' | 'migration_items' | 'migrations' | 'nl_objects' | 'idempotency_records' | 'activation_batch_items';
  key: readonly (string | number)[];
  column: string;
  text: string;
  /** Set when the text is sealed under the master key, with the purpose it was sealed for. */
  sealed?: string;
}

/**
 * Account-wide by design: erasure needs an account-level permission, so no product scope applies,
 * and a customer's data is erased from every product's records.
 */
export interface ErasurePort {
  /** Activations of the customer and of its entitlements, ended ones included. */
  activations(customerId: string): Promise<ActivationPersonal[]>;
  /** Writes the personal fields back and drops the license from every server's cache. */
  updateActivation(a: ActivationPersonal): Promise<void>;
  /** Events of the customer and of its entitlements. */
  events(customerId: string): Promise<EventPayloads[]>;
  updateEvent(e: EventPayloads): Promise<void>;
  /**
   * Texts that belong to the customer's entitlements, and those of tables that name no customer
   * (migrations, kept idempotent responses): the caller keeps what mentions the customer.
   */
  texts(customerId: string): Promise<StoredText[]>;
  updateText(t: StoredText): Promise<void>;
}

/** Its repository, in the transaction every service is handed (`Tx`, platform/domain/ports.ts). */
declare module '../../platform/domain/ports.js' {
  interface Tx {
    readonly erasure: ErasurePort;
  }
}
