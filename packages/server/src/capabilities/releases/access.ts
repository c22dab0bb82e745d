import { formatTimestamp, grants, type DownloadLimit } from '@leasehold/contract';
import { DomainError } from '../../platform/domain/errors.js';
import { addDuration } from '../../foundation/durations.js';
import { validateLicense, type LicenseFacts } from '../licensing/validation/validate.js';
import type { ArtifactRecord, ReleaseRecord } from './ports.js';

/** The date a maintenance window is compared with: backdatedTo places a fix inside older windows. */
export const releaseDate = (r: ReleaseRecord): number | null => r.backdatedTo ?? r.publishedAt;

/**
 * May this license have this release? One ordered function, stopping at the first rule that fails,
 * with the code each rule answers:
 *
 * 1. the license may run (SUSPENDED, REVOKED, RETURNED, NOT_STARTED, EXPIRED: a subscription
 *    only while in term);
 * 2. the release is of the license's product and published (a draft is NOT_FOUND to a license;
 *    a yanked release RELEASE_NOT_ENTITLED);
 * 3. the license holds every feature the release requires (RELEASE_NOT_ENTITLED);
 * 4. a perpetual license with maintenance gets releases dated before its maintenance ended
 *    (MAINTENANCE_EXPIRED).
 */
export function releaseRefusal(license: LicenseFacts, release: ReleaseRecord, now: number): DomainError | null {
  const verdict = validateLicense({ now, license, live: [] });
  if (!verdict.valid) return new DomainError(verdict.code as 'SUSPENDED', verdict.message, verdict.details);
  if (release.productId !== license.product.id || release.status === 'draft') {
    return new DomainError('NOT_FOUND', `No release ${JSON.stringify(release.id)} for this license.`, {
      resource: 'release',
      ref: release.id,
    });
  }
  if (release.status === 'yanked') {
    return new DomainError('RELEASE_NOT_ENTITLED', `Release ${release.version} was withdrawn.`, {
      reason: 'yanked',
      version: release.version,
    });
  }
  const missing = release.requires.filter((code) => !grants(license.rights.features[code]));
  if (missing.length > 0) {
    return new DomainError('RELEASE_NOT_ENTITLED', `Release ${release.version} needs features this license does not hold.`, {
      reason: 'feature_missing',
      missing,
    });
  }
  return maintenanceRefusal(license, release);
}

function maintenanceRefusal(license: LicenseFacts, release: ReleaseRecord): DomainError | null {
  const until = license.rights.maintenanceUntil;
  const dated = releaseDate(release);
  if (license.rights.licenseModel !== 'perpetual' || until === null || dated === null || dated < until) return null;
  return new DomainError('MAINTENANCE_EXPIRED', `Release ${release.version} came out after this license's maintenance ended.`, {
    maintenanceUntil: formatTimestamp(until),
    releasedAt: formatTimestamp(dated),
    resolve: 'Renew maintenance to get newer releases.',
  });
}

/** The download limit in force: the entitlement's override, else the offering's; null for none. */
export function downloadLimitOf(license: LicenseFacts): DownloadLimit | null {
  return license.entitlement.overrides.downloadLimit ?? license.offering.downloadLimit ?? null;
}

/** Where a limit's counting starts: the beginning of its period (a sliding window), or ever. */
export function countingSince(limit: DownloadLimit, now: number): number | undefined {
  if (!limit.period) return undefined;
  // The window ending now that is one period long: now minus the period, calendar-aware.
  const span = addDuration(now, limit.period) - now;
  return now - span;
}

/**
 * May this license download this artifact now? The release rules, then: the artifact's own
 * required features (RELEASE_NOT_ENTITLED), its bytes uploaded (INVALID_STATE), and the download
 * limit, given the downloads already counted in its window (DOWNLOAD_LIMIT_REACHED).
 */
export function downloadRefusal(
  license: LicenseFacts,
  release: ReleaseRecord,
  artifact: ArtifactRecord,
  used: number,
  now: number,
): DomainError | null {
  const refused = releaseRefusal(license, release, now);
  if (refused) return refused;
  const missing = artifact.requires.filter((code) => !grants(license.rights.features[code]));
  if (missing.length > 0) {
    return new DomainError('RELEASE_NOT_ENTITLED', `${artifact.filename} needs features this license does not hold.`, {
      reason: 'feature_missing',
      missing,
    });
  }
  if (artifact.status !== 'uploaded') {
    return new DomainError('INVALID_STATE', `${artifact.filename} is not available for download yet.`, { status: artifact.status });
  }
  const limit = downloadLimitOf(license);
  if (limit && used >= limit.count) {
    return new DomainError(
      'DOWNLOAD_LIMIT_REACHED',
      `This license may download this ${limit.per} ${limit.count} times${limit.period ? ` per ${limit.period}` : ''}.`,
      {
        limit,
        used,
      },
    );
  }
  return null;
}
