import type { ClientRelease, Jwks, ReleaseChannel, ValidationCode } from '@leasehold/contract';
import type { BackoffPolicy } from '../backoff.js';
import type { Clock } from '../clock.js';
import type { LeaseholdError } from '../errors.js';
import type { LicenseStatus } from '../status.js';
import type { Fetch } from '../transport.js';
import type { UsageRejection } from '../usage.js';

// The license's public types, apart from the facade so that its parts can name them without importing it.

/** How to open a license. Only `product`, `publicKeys` and `cacheDir` are required. */
export interface OpenOptions {
  /** The Leasehold server, e.g. `https://licensing.example.com`. Leave out on air-gapped devices: the SDK then never calls the network. */
  serverUrl?: string | null;
  /** The product code this application is; leases for other products are refused. */
  product: string;
  /** The vendor account's JWKS (`GET /.well-known/accounts/{account}/jwks.json`), shipped inside the application. Only leases signed by these keys grant rights. */
  publicKeys: Jwks;
  /** A directory only this user can write, for the encrypted cache (`<product>.lease`). */
  cacheDir: string;
  /**
   * Another directory, for a second record of the latest trusted time that a cache restored from a
   * backup cannot wind back (see the README, "What a local attacker can do"). Default: the user's
   * state directory (`$XDG_STATE_HOME/leasehold`, `~/.local/state/leasehold`; `%LOCALAPPDATA%\leasehold`
   * on Windows; `~/Library/Application Support/leasehold` on macOS). `null`: none.
   */
  timeMarkDir?: string | null;
  /** The device fingerprint, when the application has its own idea of a device; default: the OS machine id hashed with the product. */
  fingerprint?: string;
  /** The vendor account id (lease `iss`) to insist on, when one server hosts several vendors. */
  account?: string;
  /** How far the clock may go back behind the latest trusted time before it counts as tampering (ms). Default 5 minutes. */
  clockToleranceMs?: number;
  /** Courtesy refresh: a quiet attempt when the license opens, then every `intervalMs` (0: never). Default on, every hour. */
  courtesy?: { onOpen?: boolean; intervalMs?: number };
  /** Retries of failed refreshes. Default: from 5 s, doubling, never over 15 minutes. */
  backoff?: Partial<BackoffPolicy>;
  /** `expiring` fires when less than this is left of a lease (ms). Default: a quarter of the lease's lifetime. */
  expiringWithinMs?: number;
  /** How often the SDK records the time it has seen, so a clock wound back between runs is noticed (ms). Default 10 minutes. */
  checkpointMs?: number;
  /** Per request (ms). Default 10 s. */
  requestTimeoutMs?: number;
  /**
   * Recorded usage is sent this long after the first unsent record while the server is reachable,
   * batching what comes in between (ms; 0: only with refreshes and `flushUsage()`). Default 1 minute.
   * Offline, records wait for the next refresh, which backs off.
   */
  usageFlushMs?: number;
  /** Sent with an activation, for the vendor's device list. */
  device?: {
    name?: string;
    platform?: string;
    hostname?: string;
    user?: string;
    meta?: Record<string, unknown>;
    /** A container, CI runner or autoscaled pod: the seat is held by heartbeats and freed when they stop (the offering's `ephemeralCounting` says how such instances count). */
    ephemeral?: boolean;
    /** Ephemeral instances: the machine they run on, when the offering counts per host. */
    host?: string;
  };
  /**
   * The version this application runs, for updates: it is sent with the activation (the vendor's
   * rollouts and adoption counts read it), and after every refresh the SDK asks for an update and
   * emits `criticalUpdate` when the newest one is critical or required (below a minimumVersion).
   */
  updates?: { version: string; channel?: ReleaseChannel; platform?: string; arch?: string };
  /** Injected time and timers; default the system clock. */
  clock?: Clock;
  /** Injected HTTP; default the global `fetch`. */
  fetch?: Fetch;
  /** Injected randomness for jitter, in [0, 1); default `Math.random`. */
  random?: () => number;
}

/** What the SDK would have refused, in `warn` or `log` mode where it refuses nothing. */
export interface Violation {
  code: ValidationCode;
  message: string;
  mode: 'warn' | 'log';
  at: Date;
}

/** How a refresh went. */
export interface RefreshOutcome {
  /** A new lease was received and installed. */
  refreshed: boolean;
  /** `VALID` on success; otherwise why not: `OFFLINE`, `SIGNATURE_INVALID`, a server refusal (`SUSPENDED`, …), or `SKIPPED` (no server configured, or no license). */
  code: string;
  status: LicenseStatus;
  error?: LeaseholdError;
}

/** The events a license emits. */
export interface LicenseEvents {
  /** The status changed: a new lease (new rights), a refusal, an expiry, a tampered clock. */
  changed: [LicenseStatus];
  /** A new lease arrived from the server. */
  refreshed: [LicenseStatus];
  /** The lease is running out without a refresh. */
  expiring: [{ expiresAt: Date; remainingMs: number }];
  /** The lease expired without a refresh. */
  expired: [LicenseStatus];
  /** The server stopped answering (emitted when that starts, not on every attempt). */
  offline: [LeaseholdError];
  /** The server answers again after being unreachable. */
  online: [];
  /** `warn` and `log` modes: what `enforce` would have refused; the application keeps working. */
  violation: [Violation];
  /** Usage records reached the server: how many it counted, had already counted, refused; how many are still queued. */
  usageSent: [{ accepted: number; duplicates: number; rejected: number; pending: number }];
  /** The server refused these usage records (`QUOTA_EXHAUSTED`, `FEATURE_MISSING`, …); they are not sent again. */
  usageRejected: [UsageRejection[]];
  /**
   * With the `updates` option: after a refresh, the newest release for this device is a critical
   * patch, or this version is below its minimumVersion (`required`). Emitted once per release and
   * urgency, not on every refresh.
   */
  criticalUpdate: [UpdateCheck & { release: ClientRelease }];
}

/** What the application asks about: the version it runs, and where (all but `version` optional). */
export interface UpdateQuery {
  /** The version installed now (semver, `2.3.1`). */
  version: string;
  /** `stable` (default), `rc`, `beta`, `alpha` or `dev`; a less stable channel includes the more stable ones. */
  channel?: ReleaseChannel;
  /** Only releases with a file for this platform (`linux`, `macos`, `windows`, as the vendor names them). */
  platform?: string;
  arch?: string;
}

/** The server's answer: the newest release this license may install, and how urgent it is. */
export interface UpdateCheck {
  /** The newest release above `version` this license may download, or null when there is none. */
  release: ClientRelease | null;
  /** That release, or one it skips over, is a critical patch. */
  critical: boolean;
  /** A release above `version` names a minimumVersion above it: this version must be upgraded. */
  required: boolean;
}
