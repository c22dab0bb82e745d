import { parseVersion } from '@leasehold/contract';
import { LeaseholdError } from '../errors.js';
import type { Connection } from './connection.js';
import { requireApi, type LicenseContext } from './context.js';
import type { LeaseState } from './state.js';
import type { UpdateCheck, UpdateQuery } from './types.js';

export type { UpdateCheck, UpdateQuery } from './types.js';

/** Upgrades: what the license server says this device may move to. Needs a connection. */
export class Updates {
  constructor(
    private readonly ctx: LicenseContext,
    private readonly state: LeaseState,
    private readonly connection: Connection,
  ) {}

  async check(query: UpdateQuery): Promise<UpdateCheck> {
    if (typeof query?.version !== 'string' || !parseVersion(query.version)) {
      throw new LeaseholdError('INVALID_REQUEST', 'version must be a semantic version such as 2.3.1.');
    }
    const key = this.state.current?.licenseKey;
    if (!key) throw new LeaseholdError('NO_LICENSE', 'Activate before checking for updates.');
    const api = requireApi(this.ctx);
    // The fingerprint lets the vendor's rollouts (a percentage, named devices) decide for this device.
    const params = new URLSearchParams({ version: query.version, fingerprint: this.ctx.fingerprint });
    for (const name of ['channel', 'platform', 'arch'] as const) if (query[name] !== undefined) params.set(name, query[name]!);
    const answer = await this.connection.contact(() => api.get<UpdateCheck>(`/v1/client/releases/upgrade?${params}`, key));
    const { release, critical, required } = answer.body;
    return { release, critical, required };
  }

  /** What was last announced as `criticalUpdate` (release and urgency), so a refresh does not repeat it. */
  private announced: string | null = null;

  /**
   * After a refresh, with the `updates` option: asks for an update and emits `criticalUpdate`
   * when it is critical or required. Quiet: a failure (offline, a refusal) changes nothing.
   */
  afterRefresh(): Promise<void> {
    this.inflight = this.announce();
    return this.inflight;
  }

  /** The check the last refresh started (resolved when none), so `refresh()` resolves after it. */
  settled(): Promise<void> {
    return this.inflight;
  }

  private inflight: Promise<void> = Promise.resolve();

  private async announce(): Promise<void> {
    const installed = this.ctx.options.updates;
    if (!installed || this.ctx.closed) return;
    let update: UpdateCheck;
    try {
      update = await this.check(installed);
    } catch {
      return;
    }
    if (!update.release || !(update.critical || update.required)) return;
    const mark = `${update.release.id}:${update.critical}:${update.required}`;
    if (mark === this.announced) return;
    this.announced = mark;
    this.ctx.events.emit('criticalUpdate', { ...update, release: update.release });
  }
}
