import type { App } from './http/route-kit.js';
import type { Services } from './http/services.js';

/**
 * A capability of the server (catalog, entitlements, licensing, …) or a face (NetLicensing), as the
 * registry in `registry.ts` lists it: what it serves and what it runs in the background.
 * `buildApp` registers each one's routes in a Fastify child context of its own; `serve` runs the
 * jobs. A capability's migrations go into the one ordered history, `platform/store/migrations`
 * (order across capabilities matters, so the history stays one list).
 */
export interface Capability {
  name: string;
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
  name: 'management' | 'license';
  install: (scope: App, services: Services) => void;
}

/** Background work off the request path; a run never overlaps the previous one of the same job. */
export interface Job {
  name: string;
  everyMs: number;
  /** Run once at start too (after a crash, dead seats are freed at once, not an interval later). */
  atStart?: boolean;
  /** `worker` names this process, for jobs that claim work in the database. */
  run: (services: Services, worker: string) => Promise<unknown>;
}
