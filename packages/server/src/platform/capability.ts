import type { Migration } from 'kysely';
import type { Tx } from './domain/ports.js';
import type { App } from './http/route-kit.js';
import type { Services } from './http/services.js';
import type { RepoContext } from './store/context.js';

/**
 * A capability of the server (catalog, entitlements, licensing, …) or a face (NetLicensing), as the
 * registry in `registry.ts` lists it: what it serves and what it runs in the background.
 * `buildApp` registers each one's routes in a Fastify child context of its own; `serve` runs the
 * jobs; the store builds each transaction's repositories from their `repositories` and the
 * database runs their `migrations`.
 */
export interface Capability {
  name: string;
  /**
   * The repositories it adds to every transaction, by the names its `ports.ts` declares on `Tx`
   * (the registry fails to compile when a declared name is built by no capability).
   */
  repositories?: (ctx: RepoContext) => Partial<Tx>;
  /**
   * Its schema changes, by name (`NNNN_what`, numbered after the last one in the whole history: the
   * database runs every capability's migrations and the shared history of
   * `platform/store/migrations/` as one list ordered by name).
   */
  migrations?: Readonly<Record<string, Migration>>;
  /**
   * How the callers of its routes prove who they are (an API key or console session, a license
   * key). Installed in the capability's own child context, so each area authenticates only in the
   * ways it names; a route asking for a permission (or a license) in an area that installs no
   * such authentication stops the server from starting.
   */
  auth?: readonly Authenticator[];
  /** The OpenAPI tags its routes use, with what the reference says of them. */
  tags?: ReadonlyArray<{ name: string; description?: string }>;
  routes?: (app: App, services: Services) => void;
  jobs?: readonly Job[];
}

/** One way of authenticating requests: its hooks, installed into a capability's child context. */
export interface Authenticator {
  name: 'management' | 'license' | 'portal';
  install: (scope: App, services: Services) => void;
}

/** Background work off the request path; a run never overlaps the previous one of the same job. */
export interface Job {
  name: string;
  everyMs: number;
  /** Run once at start too (after a crash, dead seats are freed at once, not an interval later). */
  atStart?: boolean;
  /** Run once more at a graceful stop, after the last request (counts held in memory are written). */
  atStop?: boolean;
  /** `worker` names this process, for jobs that claim work in the database. */
  run: (services: Services, worker: string) => Promise<unknown>;
}
