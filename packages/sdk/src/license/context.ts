import type { EventEmitter } from 'node:events';
import { LeaseCache } from '../cache.js';
import { systemClock, type Clock } from '../clock.js';
import { LeaseholdError } from '../errors.js';
import { deviceFingerprint, isValidFingerprint, type FingerprintSource } from '../fingerprint.js';
import { TrustedKeys } from '../lease.js';
import { defaultTimeMarkDir, TimeMark } from '../time-mark.js';
import { ClientApi } from '../transport.js';
import type { LicenseEvents, OpenOptions } from './types.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

/**
 * What every part of a license shares and none of them owns: the options, this device, the
 * cache, the clock, the server, and the events the application listens to. Built once, from the
 * options, when the license opens.
 */
export interface LicenseContext {
  readonly options: OpenOptions;
  readonly product: string;
  readonly keys: TrustedKeys;
  readonly fingerprint: string;
  readonly fingerprintSource: FingerprintSource;
  readonly cache: LeaseCache;
  readonly mark: TimeMark | null;
  /** Null without a `serverUrl`: the device never calls the network. */
  readonly api: ClientApi | null;
  readonly clock: Clock;
  readonly random: () => number;
  /** How far the clock may go back behind the trusted time before it counts as tampering (ms). */
  readonly tolerance: number;
  readonly events: EventEmitter<LicenseEvents>;
  /** Set once, by `close()`: from then on no part starts new work. */
  closed: boolean;
}

/** The context of a license opened with `options`; throws a TypeError on options that cannot work. */
export function contextOf(options: OpenOptions, events: EventEmitter<LicenseEvents>): LicenseContext {
  if (!options.product) throw new TypeError('product is required');
  if (!options.cacheDir) throw new TypeError('cacheDir is required');
  const keys = new TrustedKeys(options.publicKeys);
  let device: { value: string; source: FingerprintSource };
  if (options.fingerprint !== undefined) {
    if (!isValidFingerprint(options.fingerprint)) throw new TypeError('fingerprint must be 8–256 printable ASCII characters');
    device = { value: options.fingerprint, source: 'app' };
  } else {
    device = deviceFingerprint(options.product, options.cacheDir);
  }
  const cache = new LeaseCache(options.cacheDir, options.product, device.value);
  const markDir = options.timeMarkDir === undefined ? defaultTimeMarkDir() : options.timeMarkDir;
  return {
    options,
    product: options.product,
    keys,
    fingerprint: device.value,
    fingerprintSource: device.source,
    cache,
    mark: markDir === null ? null : new TimeMark(markDir, options.product, device.value, cache.file),
    api: options.serverUrl
      ? new ClientApi(options.serverUrl, options.fetch ?? ((input, init) => fetch(input, init)), options.requestTimeoutMs ?? 10_000)
      : null,
    clock: options.clock ?? systemClock,
    random: options.random ?? Math.random,
    tolerance: options.clockToleranceMs ?? 5 * MINUTE,
    events,
    closed: false,
  };
}

/** The server, for an operation that cannot be done without one. */
export function requireApi(ctx: LicenseContext): ClientApi {
  if (!ctx.api) throw new LeaseholdError('OFFLINE', 'No serverUrl is configured: this device activates offline (writeOfflineRequest).');
  if (ctx.closed) throw new LeaseholdError('CLOSED', 'The license was closed.');
  return ctx.api;
}

/** Anything a part caught, as a LeaseholdError: a bug or a runtime failure counts as `INTERNAL`. */
export function asLeaseholdError(caught: unknown): LeaseholdError {
  return caught instanceof LeaseholdError ? caught : new LeaseholdError('INTERNAL', String((caught as Error)?.message ?? caught));
}
