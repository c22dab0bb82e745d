import type { Clock } from '../../foundation/clock.js';
import type { IdGenerator } from '../../foundation/ids.js';
import type { MasterKey } from '../../secrets/master-key.js';
import type { AccountStore } from './ports.js';
import type { ActorRef } from './model.js';

/** What a domain service needs to act for one caller: its account's store, time, ids, who and why. */
export interface Context {
  store: AccountStore;
  clock: Clock;
  ids: IdGenerator;
  secrets: MasterKey;
  actor: ActorRef;
  requestId: string | null;
}
