import { createHash } from 'node:crypto';
import { compareVersions, parseVersion, type RolloutInput, type SemVer } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import { invalid } from '../../platform/domain/errors.js';
import type { Tx } from '../../platform/domain/ports.js';
import { recordEvent } from '../events/record.js';
import type { ReleaseRecord, RolloutRecord } from './ports.js';
import { requireRelease, viewsOf, type ReleaseView } from './releases.js';

type Comparator = { op: '<' | '<=' | '>' | '>=' | '='; version: SemVer };
/** A version range: comparator sets joined by `||`; a set holds when every comparator in it does. */
export type VersionRange = Comparator[][];

/** `>=1.2.0 <2.0.0 || =2.1.3`, or null when the text is not such a range. */
export function parseRange(text: string): VersionRange | null {
  const sets = text.split('||').map((part) => part.trim());
  const range: VersionRange = [];
  for (const set of sets) {
    if (set === '') return null;
    const comparators: Comparator[] = [];
    for (const token of set.split(/\s+/)) {
      const m = /^(<=|>=|<|>|=)?(.+)$/.exec(token);
      const version = m && parseVersion(m[2]!);
      if (!m || !version) return null;
      comparators.push({ op: (m[1] ?? '=') as Comparator['op'], version });
    }
    range.push(comparators);
  }
  return range;
}

export function inRange(version: SemVer, range: VersionRange): boolean {
  return range.some((set) =>
    set.every(({ op, version: bound }) => {
      const c = compareVersions(version, bound);
      return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : op === '>=' ? c >= 0 : c === 0;
    }),
  );
}

/**
 * Where a device falls in a release's percentage: 0 ≤ bucket < 100, from a hash of the release id
 * and the device (its fingerprint, or the license when the device did not say), so the same
 * device keeps its answer as the percentage grows, and each release draws a different sample.
 */
export function bucketOf(releaseId: string, deviceKey: string): number {
  const digest = createHash('sha256').update(`${releaseId}\u0000${deviceKey}`).digest();
  return (digest.readUInt32BE(0) % 10_000) / 100;
}

/** The license a device runs under, as a rollout's selectors see it. */
export interface RolloutLicense {
  entitlementId: string;
  customerId: string;
  offeringId: string;
}

/** The device asking (upgrade endpoint) or counted (audience): what it last said of itself. */
export interface RolloutDevice {
  fingerprint: string | null;
  platform: string | null;
  version: SemVer | null;
}

/** Is the license named by one of the license-level selectors (or are there none)? */
export function licenseTargeted(rollout: RolloutRecord, license: RolloutLicense): boolean {
  const selectors = rollout.customers.length + rollout.entitlements.length + rollout.offerings.length + rollout.devices.length;
  if (selectors === 0) return true;
  return (
    rollout.customers.includes(license.customerId) ||
    rollout.entitlements.includes(license.entitlementId) ||
    rollout.offerings.includes(license.offeringId)
  );
}

/**
 * Does the rollout reach this device? Named by a selector (its license, or its fingerprint), on
 * one of the platforms, inside the percentage, and (unless `ignoreVersions`, as when counting who
 * already upgraded) running a version in the range.
 */
export function rolloutReaches(
  releaseId: string,
  rollout: RolloutRecord,
  license: RolloutLicense,
  device: RolloutDevice,
  opts: { ignoreVersions?: boolean } = {},
): boolean {
  const named = licenseTargeted(rollout, license) || (device.fingerprint !== null && rollout.devices.includes(device.fingerprint));
  if (!named) return false;
  if (rollout.platforms.length > 0 && (device.platform === null || !rollout.platforms.includes(device.platform))) return false;
  if (rollout.percentage !== null && bucketOf(releaseId, device.fingerprint ?? license.entitlementId) >= rollout.percentage) return false;
  if (!opts.ignoreVersions && rollout.versions !== null) {
    if (device.version === null || !inRange(device.version, parseRange(rollout.versions)!)) return false;
  }
  return true;
}

/** A rollout from its input, checked: a bad range, or a customer, license or offering that is not there, is a 400. */
export async function rolloutFrom(tx: Tx, release: ReleaseRecord, input: RolloutInput, now: number): Promise<RolloutRecord> {
  if (input.versions !== undefined && input.versions !== null && !parseRange(input.versions)) {
    throw invalid('versions', 'versions must be a range of semantic versions such as ">=1.2.0 <2.0.0" or "<1.5.0 || =1.7.3".', {
      value: input.versions,
    });
  }
  const rollout: RolloutRecord = {
    customers: input.customers ?? [],
    entitlements: input.entitlements ?? [],
    offerings: input.offerings ?? [],
    devices: input.devices ?? [],
    versions: input.versions ?? null,
    platforms: input.platforms ?? [],
    percentage: input.percentage ?? null,
    updatedAt: now,
  };
  for (const id of rollout.customers)
    if (!(await tx.customers.find(id))) throw invalid('customers', `No customer ${JSON.stringify(id)}.`, { ref: id });
  for (const id of rollout.entitlements) {
    const e = await tx.entitlements.find(id);
    if (!e || e.productId !== release.productId)
      throw invalid('entitlements', `No license ${JSON.stringify(id)} of this product.`, { ref: id });
  }
  for (const id of rollout.offerings) {
    const o = await tx.offerings.find(id);
    if (!o || o.productId !== release.productId)
      throw invalid('offerings', `No offering ${JSON.stringify(id)} of this product.`, { ref: id });
  }
  return rollout;
}

/** Sets (or, with null, clears) a release's rollout; drafts and published releases alike, widened as it goes. */
export function setRollout(ctx: Context, releaseId: string, input: RolloutInput | null): Promise<ReleaseView> {
  return ctx.store.write(async (tx) => {
    const before = await requireRelease(tx, releaseId, { lock: true });
    const now = ctx.clock.now();
    const rollout = input === null ? null : await rolloutFrom(tx, before, input, now);
    const after: ReleaseRecord = { ...before, rollout, updatedAt: now };
    await tx.releases.update(after);
    await recordEvent(tx, ctx, {
      subjectType: 'release',
      subjectId: after.id,
      productId: after.productId,
      type: 'release.updated',
      before,
      after,
    });
    return (await viewsOf(tx, [after]))[0]!;
  });
}
