/**
 * What the concurrency test hands each race client and what the client writes back: one JSON line
 * per request it made, with what the server answered. Shared by race-client.ts (which only acts
 * and records) and race-check.ts (which judges the records against the database).
 */

/** One license the clients race on. */
export interface RaceLicense {
  /** A short name used in fingerprints and reports ('node', 'float'). */
  name: string;
  key: string;
  /** Floating seats are kept by heartbeats; node-locked devices refresh instead. */
  floating: boolean;
  /** The pool feature the clients check elements out of. */
  pool: string;
  /** The consumption features the clients report usage of. */
  meters: string[];
}

export interface RaceClientConfig {
  client: number;
  /** Server base URLs; each request goes to one of them at random. */
  urls: string[];
  seed: number;
  /** Concurrent lanes in this process; each lane owns its devices and runs its requests in order. */
  lanes: number;
  opsPerLane: number;
  devicesPerLane: number;
  licenses: RaceLicense[];
  /** The JSON-lines file to write. */
  out: string;
}

export type RaceOp = 'activate' | 'heartbeat' | 'refresh' | 'deactivate' | 'checkout' | 'checkin' | 'usage';

export interface SentRecord {
  feature: string;
  quantity: number;
  idempotencyKey: string;
}

/**
 * `fresh`: new keys of this lane (a key may repeat inside the batch); `resend`: an earlier batch of
 * this lane sent again, as after a lost answer; `shared`: one record whose key every client sends.
 */
export type BatchKind = 'fresh' | 'resend' | 'shared';

export interface RaceEntry {
  client: number;
  lane: number;
  /** Order of the request within its lane (a lane's requests never overlap). */
  seq: number;
  op: RaceOp;
  license: string;
  fingerprint: string;
  /** Index of the server URL the request went to. */
  server: number;
  /** Date.now() when the request was sent and when its answer arrived. */
  sentAt: number;
  ackAt: number;
  /** HTTP status, or 0 when no answer came (connection error, hang guard). */
  status: number;
  /** The error code of a refusal (`SEAT_LIMIT_REACHED`, …). */
  code: string | null;
  transportError?: string;
  activationId?: string;
  leaseId?: string;
  /** Elements asked for by a checkout or checkin. */
  count?: number;
  pool?: { inUse: number; limit: number; held: number };
  batch?: BatchKind;
  records?: SentRecord[];
  usage?: {
    accepted: number;
    duplicates: number;
    rejected: Array<{ idempotencyKey: string; code: string }>;
    /** `used` of each quota in the answer. */
    used: Record<string, number>;
  };
}

/** The key every client uses for its k-th shared record on a license, and what it carries. */
export function sharedRecord(meters: string[], k: number): SentRecord {
  return { feature: meters[k % meters.length]!, quantity: 1 + (k % 4), idempotencyKey: `shared-${k}` };
}
