import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import type { ActivateResponse, LeaseResponse } from '@leasehold/contract';
import { writeAtomically } from '../cache.js';
import { LeaseholdError } from '../errors.js';
import { isOfflineResponse, type OfflineActivationRequest, type OfflineActivationResponse } from '../offline.js';
import type { Connection } from './connection.js';
import { requireApi, type LicenseContext } from './context.js';
import type { Metering } from './metering.js';
import type { LeaseState } from './state.js';

interface TrialAnswerBody {
  key: string;
  entitlementId: string;
  activation: ActivateResponse['activation'];
  lease: ActivateResponse['lease'];
}

/**
 * How this device comes to hold a license and gives it back: activation with a key, a trial,
 * an offline activation carried by file, a borrowed floating seat, deactivation. Each ends in
 * the lease state's `install` (or `forget`), which decides what a lease may replace.
 */
export class Enrolment {
  constructor(
    private readonly ctx: LicenseContext,
    private readonly state: LeaseState,
    private readonly connection: Connection,
    private readonly metering: Metering,
  ) {}

  async activate(licenseKey?: string): Promise<void> {
    const key = licenseKey?.trim() || this.state.current?.licenseKey;
    if (!key) throw new LeaseholdError('NO_LICENSE', 'Pass the license key to activate.');
    const api = requireApi(this.ctx);
    const d = this.ctx.options.device ?? {};
    const body = {
      fingerprint: this.ctx.fingerprint,
      product: this.ctx.product,
      ...this.device(),
      ...(d.user === undefined ? {} : { user: d.user }),
      ...(d.meta === undefined ? {} : { meta: d.meta }),
      ...(d.ephemeral ? { ephemeral: true } : {}),
      ...(d.host === undefined ? {} : { host: d.host }),
      ...(this.ctx.options.updates?.version === undefined ? {} : { version: this.ctx.options.updates.version }),
    };
    const answer = await this.connection.contact(() => api.post<ActivateResponse>('/v1/client/activate', key, body));
    const lease = this.state.verifyOrThrow(key, answer.body.lease.token, answer.body.activation.id, answer.serverTime);
    await this.metering.settleBefore(key);
    this.state.install(key, lease, answer.serverTime);
  }

  async startTrial(details: { name?: string; email?: string }): Promise<void> {
    if (this.state.status().valid)
      throw new LeaseholdError('ALREADY_ACTIVATED', 'This device already holds a valid license; a trial would replace it.');
    const api = requireApi(this.ctx);
    const { platform, hostname } = this.device();
    const account = this.ctx.options.account;
    const body = {
      product: this.ctx.product,
      fingerprint: this.ctx.fingerprint,
      platform,
      hostname,
      ...(account === undefined ? {} : { account }),
      ...(details.name === undefined ? {} : { name: details.name }),
      ...(details.email === undefined ? {} : { email: details.email }),
    };
    const answer = await this.connection.contact(() => api.post<TrialAnswerBody>('/v1/client/trial', null, body));
    const lease = this.state.verifyOrThrow(answer.body.key, answer.body.lease.token, answer.body.activation.id, answer.serverTime);
    await this.metering.settleBefore(answer.body.key);
    this.state.install(answer.body.key, lease, answer.serverTime);
  }

  async borrow(duration: string | number): Promise<void> {
    const key = this.state.current?.licenseKey;
    const held = this.state.lease;
    if (!key || !held) throw new LeaseholdError('NO_LICENSE', 'Activate before borrowing a seat.');
    const iso = typeof duration === 'number' ? `PT${Math.max(1, Math.floor(duration / 1000))}S` : duration;
    const api = requireApi(this.ctx);
    const answer = await this.connection.contact(() =>
      api.post<LeaseResponse>('/v1/client/borrow', key, { fingerprint: this.ctx.fingerprint, duration: iso }),
    );
    const lease = this.state.verifyOrThrow(key, answer.body.lease.token, held.claims.sub, answer.serverTime);
    this.state.install(key, lease, answer.serverTime);
  }

  async deactivate(): Promise<void> {
    const key = this.state.current?.licenseKey;
    if (key) {
      const api = requireApi(this.ctx);
      // Usage recorded here is sent first: the server takes records only from a live activation.
      const unsent = await this.metering.flush();
      if (unsent.error?.transient) throw unsent.error;
      try {
        await this.connection.contact(() =>
          api.post('/v1/client/deactivate', key, { fingerprint: this.ctx.fingerprint, product: this.ctx.product }),
        );
      } catch (error) {
        if (!(error instanceof LeaseholdError) || (error.code !== 'NOT_ACTIVATED' && error.code !== 'HEARTBEAT_DEAD')) throw error;
      }
      this.metering.drop(unsent.code, 'The device was deactivated before the server took this record.');
    }
    this.state.forget();
  }

  /** On close: a floating seat that is not borrowed goes back at once, so another user can take it. */
  async releaseFloatingSeat(): Promise<void> {
    const key = this.state.current?.licenseKey;
    const api = this.ctx.api;
    if (!api || !key || !this.state.lease || !this.state.holdsByHeartbeat() || this.state.isBorrowed()) return;
    try {
      await api.post('/v1/client/deactivate', key, { fingerprint: this.ctx.fingerprint, product: this.ctx.product });
    } catch {
      // Unreachable: the server frees the seat when its heartbeat deadline passes.
    }
    this.state.dropSeat();
  }

  writeOfflineRequest(licenseKey: string, file: string): OfflineActivationRequest {
    const now = this.ctx.clock.now();
    const request: OfflineActivationRequest = {
      format: 'leasehold-offline-request',
      v: 1,
      product: this.ctx.product,
      fingerprint: this.ctx.fingerprint,
      licenseKey: licenseKey.trim(),
      nonce: randomBytes(16).toString('base64url'),
      createdAt: new Date(now).toISOString(),
      ...this.device(),
    };
    const keep = this.state.current?.licenseKey === request.licenseKey ? this.state.current : null;
    if (!keep)
      this.metering.drop('LICENSE_CHANGED', 'Another license replaced the one this record was made under before the server took it.');
    this.state.current = { ...(keep ?? this.state.fresh(request.licenseKey)), pendingOffline: { nonce: request.nonce, createdAt: now } };
    this.state.save();
    writeAtomically(file, JSON.stringify(request, null, 2) + '\n');
    return request;
  }

  importOfflineResponse(source: string | OfflineActivationResponse): void {
    let response: unknown = source;
    if (typeof source === 'string') {
      try {
        response = JSON.parse(readFileSync(source, 'utf8'));
      } catch (cause) {
        throw new LeaseholdError('OFFLINE_RESPONSE_INVALID', `Cannot read ${source}: ${(cause as Error).message}`, { cause });
      }
    }
    const invalid = (why: string) => new LeaseholdError('OFFLINE_RESPONSE_INVALID', why);
    if (!isOfflineResponse(response)) throw invalid('This is not a Leasehold offline activation response.');
    const current = this.state.current;
    const pending = current?.pendingOffline;
    if (!pending || !current) throw invalid('This device has no offline activation request waiting for an answer.');
    if (response.nonce !== pending.nonce) throw invalid('The response answers another request (its nonce differs).');
    if (response.product !== this.ctx.product || response.fingerprint !== this.ctx.fingerprint) {
      throw invalid('The response is for another product or device.');
    }
    const lease = this.state.verifyOrThrow(current.licenseKey, response.lease.token, response.activationId);
    const issued = Date.parse(response.serverTime);
    this.state.install(current.licenseKey, lease, null, Number.isFinite(issued) ? issued : lease.claims.iat * 1000);
  }

  /**
   * Installs this device's lease from a batch's offline lease bundle: JSON Lines, one
   * `leasehold-offline-response` per device a batch activated (nonce `batch:<id>`). The entry for
   * this product and fingerprint is picked out and its lease verified like any other — pinned key,
   * product, this device, the activation it names — so a bundle copied whole onto every machine
   * of a factory line gives each only its own seat. No request nonce is asked for: the vendor
   * activated these devices before they existed, and the signature binds each lease to its device.
   */
  importLeaseBundle(source: string | readonly OfflineActivationResponse[], licenseKey: string): void {
    const invalid = (why: string) => new LeaseholdError('OFFLINE_RESPONSE_INVALID', why);
    const key = licenseKey.trim();
    if (!key) throw new LeaseholdError('NO_LICENSE', 'Pass the license key the batch activated.');
    const entries: readonly unknown[] = typeof source === 'string' ? readBundle(source) : source;
    const mine = entries.filter(isOfflineResponse).filter((e) => e.product === this.ctx.product && e.fingerprint === this.ctx.fingerprint);
    if (mine.length === 0) throw invalid(`The bundle holds no lease for this device (${this.ctx.fingerprint}) of ${this.ctx.product}.`);
    if (mine.length > 1) throw invalid('The bundle holds more than one lease for this device.');
    const entry = mine[0]!;
    if (!entry.nonce.startsWith('batch:')) throw invalid('This entry answers an offline request: import it with importOfflineResponse.');
    const lease = this.state.verifyOrThrow(key, entry.lease.token, entry.activationId);
    const issued = Date.parse(entry.serverTime);
    this.state.install(key, lease, null, Number.isFinite(issued) ? issued : lease.claims.iat * 1000);
  }

  /** This device as the vendor's device list shows it. */
  private device(): { name: string; platform: string; hostname: string } {
    const d = this.ctx.options.device ?? {};
    return {
      name: d.name ?? osHostname(),
      platform: d.platform ?? `${process.platform}-${process.arch}`,
      hostname: d.hostname ?? osHostname(),
    };
  }
}

/** A bundle file (or its text): one JSON object a line; a line that is not JSON makes the whole file invalid. */
function readBundle(source: string): unknown[] {
  let text = source;
  if (!source.trimStart().startsWith('{')) {
    try {
      text = readFileSync(source, 'utf8');
    } catch (cause) {
      throw new LeaseholdError('OFFLINE_RESPONSE_INVALID', `Cannot read ${source}: ${(cause as Error).message}`, { cause });
    }
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        throw new LeaseholdError('OFFLINE_RESPONSE_INVALID', `Line ${i + 1} of the bundle is not JSON.`);
      }
    });
}
