import { compareVersions, parseVersion, type SemVer } from '@leasehold/contract';
import type { ArtifactRecord, ReleaseRecord } from './ports.js';

/** A release as a license sees it: with the artifacts it may download (for its platform, when asked). */
export interface EntitledRelease {
  release: ReleaseRecord;
  artifacts: ArtifactRecord[];
}

export interface UpgradePlan {
  target: EntitledRelease | null;
  critical: boolean;
  required: boolean;
}

/**
 * What a device on `current` should do, given the releases its license may install (newest
 * first): move to the newest one above its version; `critical` when that release or one it
 * skips is critical (a security fix the device would otherwise miss); `required` when one of them
 * names a minimumVersion above the device's version.
 */
export function planUpgrade(current: SemVer, entitled: readonly EntitledRelease[]): UpgradePlan {
  const newer = entitled.filter((e) => compareVersions(parseVersion(e.release.version)!, current) > 0);
  if (newer.length === 0) return { target: null, critical: false, required: false };
  const below = (minimum: string | null) => {
    const v = minimum === null ? null : parseVersion(minimum);
    return v !== null && compareVersions(current, v) < 0;
  };
  return {
    target: newer[0]!,
    critical: newer.some((e) => e.release.critical),
    required: newer.some((e) => below(e.release.minimumVersion)),
  };
}

/** Does an artifact suit the device? Its platform when one is named; its arch, or a universal build. */
export function suits(a: ArtifactRecord, platform: string | undefined, arch: string | undefined): boolean {
  if (platform !== undefined && a.platform !== platform && a.platform !== 'any') return false;
  if (arch !== undefined && a.arch !== arch && a.arch !== 'universal' && a.arch !== 'any') return false;
  return true;
}
