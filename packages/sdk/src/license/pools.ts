import { LeaseholdError } from '../errors.js';
import { isCallRefusal, refusalCode } from '../status.js';
import type { PoolStatus } from '../usage.js';
import type { Connection } from './connection.js';
import { requireApi, type LicenseContext } from './context.js';
import type { LeaseState } from './state.js';

interface PoolAnswerBody {
  pool: { feature: string; inUse: number; limit: number; held: number };
}

/** Pool features: elements checked out and in on the server, which alone counts them; this device remembers what it holds. */
export class Pools {
  constructor(
    private readonly ctx: LicenseContext,
    private readonly state: LeaseState,
    private readonly connection: Connection,
  ) {}

  status(feature: string): PoolStatus | null {
    const value = this.state.featureValue(feature);
    const known = this.state.current?.pools?.[feature];
    if (typeof value !== 'number' && !known) return null;
    return {
      feature,
      limit: typeof value === 'number' ? value : known!.limit,
      held: known?.held ?? 0,
      inUse: known?.inUse ?? null,
      asOf: known ? new Date(known.at) : null,
    };
  }

  async move(feature: string, count: number, direction: 'checkout' | 'checkin'): Promise<PoolStatus> {
    if (typeof feature !== 'string' || feature.length < 1 || feature.length > 64) {
      throw new LeaseholdError('INVALID_REQUEST', 'feature must be a feature code (1–64 characters).');
    }
    if (!Number.isInteger(count) || count < 1 || count > 1_000_000) {
      throw new LeaseholdError('INVALID_REQUEST', 'count must be a whole number from 1 to 1,000,000.');
    }
    const key = this.state.current?.licenseKey;
    if (!key || !this.state.lease) throw new LeaseholdError('NO_LICENSE', `Activate before checking ${feature} elements out or in.`);
    const api = requireApi(this.ctx);
    let answer;
    try {
      answer = await this.connection.contact(() =>
        api.post<PoolAnswerBody>(`/v1/client/pools/${encodeURIComponent(feature)}/${direction}`, key, {
          fingerprint: this.ctx.fingerprint,
          count,
        }),
      );
    } catch (error) {
      if (error instanceof LeaseholdError && error.transient) {
        throw new LeaseholdError(
          error.code,
          `Pools are counted by the license server, which did not answer: ${direction} of ${feature} needs a connection.`,
          { ...error.options, cause: error },
        );
      }
      if (error instanceof LeaseholdError && isCallRefusal(error.code)) this.state.refuse(refusalCode(error.code), error.message);
      throw error;
    }
    const pool = answer.body.pool;
    const at = this.state.answerTime(answer.serverTime);
    const current = this.state.current;
    if (current) {
      this.state.current = {
        ...current,
        pools: { ...current.pools, [feature]: { held: pool.held, inUse: pool.inUse, limit: pool.limit, at } },
      };
      this.state.save();
    }
    return { feature, limit: pool.limit, held: pool.held, inUse: pool.inUse, asOf: new Date(at) };
  }
}
