/** What the audit log's rules ask of storage; the store implements it (capabilities/events/store/). */
import type { EventRecord, Page, PageRequest } from '../../platform/domain/model.js';

export interface EventFilter {
  subjectId?: string | undefined;
  /** Exact type, or a prefix when it ends with `.*`. */
  type?: string | undefined;
  customerId?: string | undefined;
  entitlementId?: string | undefined;
  /** Only events of this kind of actor (the portal's history: `portal_user`). */
  actorType?: EventRecord['actor']['type'] | undefined;
  from?: number | undefined;
  to?: number | undefined;
}

/** The audit log: append-only. Events are written in the transaction of the change they record. */
export interface EventsPort {
  append(e: EventRecord): Promise<void>;
  /** One event by id (of the scope's product, for a product-scoped key). */
  find(id: string): Promise<EventRecord | undefined>;
  /** Newest first. */
  list(filter: EventFilter, page: PageRequest): Promise<Page<EventRecord>>;
}

/** Its repositories, in the transaction every service is handed (`Tx`, platform/domain/ports.ts). */
declare module '../../platform/domain/ports.js' {
  interface Tx {
    readonly events: EventsPort;
  }
}
