import { Type, type Static } from 'typebox';
import { Code, Duration, IdOrCode, Metadata, Timestamp } from '../common.js';
import { RELEASE_CHANNELS } from '../versions.js';

export const RELEASE_STATUSES = ['draft', 'published', 'yanked'] as const;
export type ReleaseStatus = (typeof RELEASE_STATUSES)[number];
export const ARTIFACT_STATUSES = ['waiting', 'uploaded', 'failed'] as const;
export type ArtifactStatus = (typeof ARTIFACT_STATUSES)[number];

export const Version = Type.String({
  minLength: 5,
  maxLength: 100,
  pattern: '^\\d+\\.\\d+\\.\\d+([-+][0-9A-Za-z.+-]*)?$',
  description: 'A semantic version (semver 2.0.0): 1.4.0, 2.0.0-rc.1',
  examples: ['1.4.0', '2.0.0-rc.1'],
});
export const Channel = Type.Enum(RELEASE_CHANNELS, {
  description: 'stable, rc, beta, alpha or dev; asking for a less stable channel includes the more stable ones',
});
const Requires = Type.Array(Code, { maxItems: 50, uniqueItems: true, description: 'Feature codes a license must hold' });
const Notes = Type.String({ maxLength: 100_000, description: 'Release notes (Markdown)' });

export const Rollout = Type.Object(
  {
    customers: Type.Array(Type.String()),
    entitlements: Type.Array(Type.String()),
    offerings: Type.Array(Type.String()),
    devices: Type.Array(Type.String()),
    versions: Type.Union([Type.String(), Type.Null()]),
    platforms: Type.Array(Type.String()),
    percentage: Type.Union([Type.Number(), Type.Null()]),
    updatedAt: Timestamp,
  },
  { title: 'Rollout' },
);
export type Rollout = Static<typeof Rollout>;

export const Release = Type.Object(
  {
    id: Type.String(),
    productId: Type.String(),
    version: Type.String(),
    channel: Channel,
    status: Type.Enum(RELEASE_STATUSES),
    notes: Type.String(),
    critical: Type.Boolean({ description: 'A patch every device should install (security, data loss)' }),
    minimumVersion: Type.Union([Type.String(), Type.Null()], { description: 'Devices below this version must upgrade' }),
    requires: Type.Array(Type.String()),
    publishedAt: Type.Union([Timestamp, Type.Null()]),
    backdatedTo: Type.Union([Timestamp, Type.Null()], {
      description: 'The date maintenance windows compare with instead of publishedAt (a fix for an old line)',
    }),
    yankedAt: Type.Union([Timestamp, Type.Null()]),
    rollout: Type.Union([Rollout, Type.Null()], { description: 'Whom the upgrade is offered to; null: every entitled license' }),
    metadata: Metadata,
    artifacts: Type.Integer({ description: 'How many artifacts it has' }),
    downloads: Type.Integer({ description: 'How many downloads were granted' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { title: 'Release' },
);
export type Release = Static<typeof Release>;

export const ReleaseCreate = Type.Object(
  {
    version: Version,
    channel: Type.Optional(Channel),
    notes: Type.Optional(Notes),
    critical: Type.Optional(Type.Boolean()),
    minimumVersion: Type.Optional(Type.Union([Version, Type.Null()])),
    requires: Type.Optional(Requires),
    backdatedTo: Type.Optional(Type.Union([Timestamp, Type.Null()])),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);
export type ReleaseCreate = Static<typeof ReleaseCreate>;

/** The version stays; everything else may change, also after publishing. */
export const ReleasePatch = Type.Partial(Type.Omit(ReleaseCreate, ['version']), { additionalProperties: false, minProperties: 1 });
export type ReleasePatch = Static<typeof ReleasePatch>;

export const ReleaseListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  channel: Type.Optional(Channel),
  status: Type.Optional(Type.Enum(RELEASE_STATUSES)),
});
export type ReleaseListQuery = Static<typeof ReleaseListQuery>;

const Platform = Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,31}$', description: 'linux, macos, windows, android, …' });
const Arch = Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,31}$', description: 'x86_64, arm64, universal, …' });
const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the file, lower-case hex' });

export const Artifact = Type.Object(
  {
    id: Type.String(),
    releaseId: Type.String(),
    filename: Type.String(),
    platform: Type.String(),
    arch: Type.String(),
    status: Type.Enum(ARTIFACT_STATUSES),
    size: Type.Union([Type.Integer(), Type.Null()]),
    sha256: Type.Union([Type.String(), Type.Null()]),
    requires: Type.Array(Type.String()),
    signature: Type.Union([Type.String(), Type.Null()], {
      description: 'Ed25519 signature (base64url) of the artifact statement, by the account signing key (see docs/releases.md)',
    }),
    signatureKid: Type.Union([Type.String(), Type.Null()], { description: 'The signing key (in the JWKS) that made signature' }),
    storage: Type.String({ description: 'The storage driver holding the bytes (fs, s3)' }),
    error: Type.Union([Type.String(), Type.Null()], { description: 'Why a failed upload failed' }),
    downloads: Type.Integer(),
    metadata: Metadata,
    createdAt: Timestamp,
    uploadedAt: Type.Union([Timestamp, Type.Null()]),
  },
  { title: 'Artifact' },
);
export type Artifact = Static<typeof Artifact>;

export const ArtifactCreate = Type.Object(
  {
    filename: Type.String({ minLength: 1, maxLength: 255, pattern: '^[^/\\\\\\x00-\\x1f]+$', description: 'A file name, no path' }),
    platform: Platform,
    arch: Arch,
    size: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 1e13, description: 'Expected size in bytes; the upload is checked against it' }),
    ),
    sha256: Type.Optional(Sha256),
    requires: Type.Optional(Requires),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);
export type ArtifactCreate = Static<typeof ArtifactCreate>;

export const ArtifactUpload = Type.Object({
  artifact: Artifact,
  uploadUrl: Type.String({ description: 'PUT the bytes here before uploadExpiresAt' }),
  uploadExpiresAt: Timestamp,
});

export const DownloadLink = Type.Object({
  url: Type.String(),
  expiresAt: Timestamp,
  artifact: Artifact,
});

export const SignedFileQuery = Type.Object({
  expires: Type.String({ pattern: '^\\d{1,12}$', description: 'Expiry, Unix seconds' }),
  signature: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }),
});
export const SignedFileParams = Type.Object({
  account: Type.String({ pattern: '^acc_[0-9a-z]{26}$' }),
  artifact: Type.String({ pattern: '^art_[0-9a-z]{26}$' }),
});

export const Download = Type.Object(
  {
    id: Type.String(),
    artifactId: Type.String(),
    releaseId: Type.String(),
    entitlementId: Type.String(),
    customerId: Type.String(),
    fingerprint: Type.Union([Type.String(), Type.Null()]),
    address: Type.Union([Type.String(), Type.Null()]),
    userAgent: Type.Union([Type.String(), Type.Null()]),
    at: Timestamp,
  },
  { title: 'Download' },
);
export type Download = Static<typeof Download>;

export const DownloadListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  customer: Type.Optional(IdOrCode),
  entitlement: Type.Optional(IdOrCode),
  artifact: Type.Optional(Type.String({ maxLength: 200 })),
});

export const DownloadLimit = Type.Object(
  {
    count: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    per: Type.Enum(['artifact', 'release'] as const),
    period: Type.Optional(Duration),
  },
  { additionalProperties: false, description: 'At most count downloads per entitlement per artifact (or release), optionally per period' },
);
export type DownloadLimit = Static<typeof DownloadLimit>;

const ClientPlatform = Type.Optional(Platform);
export const ClientReleaseQuery = Type.Object({ channel: Type.Optional(Channel), platform: ClientPlatform, arch: Type.Optional(Arch) });
export const ClientUpgradeQuery = Type.Object({
  version: Type.String({ minLength: 1, maxLength: 100, description: 'The version installed now (semver)' }),
  channel: Type.Optional(Channel),
  platform: ClientPlatform,
  arch: Type.Optional(Arch),
  fingerprint: Type.Optional(
    Type.String({
      minLength: 8,
      maxLength: 256,
      pattern: '^[\\x21-\\x7e]+$',
      description: 'The device asking: rollouts that target devices, or a percentage of them, decide by it',
    }),
  ),
});
export const ClientDownloadQuery = Type.Object({
  fingerprint: Type.Optional(Type.String({ minLength: 8, maxLength: 256, pattern: '^[\\x21-\\x7e]+$' })),
});

export const ClientRelease = Type.Object({
  id: Type.String(),
  version: Type.String(),
  channel: Channel,
  notes: Type.String(),
  critical: Type.Boolean(),
  minimumVersion: Type.Union([Type.String(), Type.Null()]),
  publishedAt: Type.Union([Timestamp, Type.Null()]),
  artifacts: Type.Array(
    Type.Object({
      id: Type.String(),
      filename: Type.String(),
      platform: Type.String(),
      arch: Type.String(),
      size: Type.Union([Type.Integer(), Type.Null()]),
      sha256: Type.Union([Type.String(), Type.Null()]),
      signature: Type.Union([Type.String(), Type.Null()]),
      signatureKid: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
});
export type ClientRelease = Static<typeof ClientRelease>;

export const ClientReleaseList = Type.Object({ data: Type.Array(ClientRelease) });

export const UpgradeAnswer = Type.Object({
  release: Type.Union([ClientRelease, Type.Null()], { description: 'The newest release this license may install, or null' }),
  critical: Type.Boolean({ description: 'The release, or one between the installed version and it, is critical' }),
  required: Type.Boolean({ description: 'The installed version is below a minimumVersion: the device must upgrade' }),
  serverTime: Timestamp,
});
export type UpgradeAnswer = Static<typeof UpgradeAnswer>;

export const AudienceQuery = Type.Object({ platform: ClientPlatform });
export const ReleaseAudience = Type.Object(
  {
    customers: Type.Integer({ description: 'Customers with a license that may download the release' }),
    entitlements: Type.Integer(),
    devices: Type.Object({
      total: Type.Integer(),
      below: Type.Integer({ description: 'Devices reporting a lower version: those the upgrade is offered to' }),
      atOrAbove: Type.Integer({ description: 'Devices on this version or newer' }),
      unknownVersion: Type.Integer({ description: 'Devices that never reported a (semver) version' }),
      outOfRange: Type.Integer({ description: "Devices below the release that its rollout's version range leaves out" }),
    }),
    affectedCustomers: Type.Integer({ description: 'Customers with at least one device the upgrade is offered to (devices.below)' }),
    rollout: Type.Boolean({ description: 'Counted through the release rollout (or the candidate rollout of a preview)' }),
    adoption: Type.Union([Type.Number(), Type.Null()], { description: 'Share (0..1) of devices on this version or newer' }),
  },
  { title: 'ReleaseAudience' },
);

const Ids = Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 1000, uniqueItems: true });

/**
 * Whom the upgrade endpoint offers a release to. Selectors (customers, entitlements, offerings,
 * devices) add up: a license or device named by any of them is targeted; none named targets every
 * entitled license. Filters (versions, platforms, percentage) then narrow to devices.
 */
export const RolloutInput = Type.Object(
  {
    customers: Type.Optional(Type.Union([Ids], { description: 'Customer ids' })),
    entitlements: Type.Optional(Type.Union([Ids], { description: 'Entitlement (license) ids' })),
    offerings: Type.Optional(Type.Union([Ids], { description: 'Offering ids' })),
    devices: Type.Optional(
      Type.Array(Type.String({ minLength: 8, maxLength: 256, pattern: '^[\\x21-\\x7e]+$' }), {
        maxItems: 1000,
        uniqueItems: true,
        description: 'Device fingerprints',
      }),
    ),
    versions: Type.Optional(
      Type.Union([Type.String({ minLength: 1, maxLength: 300 }), Type.Null()], {
        description: 'The range the device’s current version must be in: `>=1.2.0 <2.0.0`, `<1.5.0 || =1.7.3`',
        examples: ['>=1.2.0 <2.0.0'],
      }),
    ),
    platforms: Type.Optional(Type.Array(Platform, { maxItems: 50, uniqueItems: true, description: 'Device platforms' })),
    percentage: Type.Optional(
      Type.Union([Type.Number({ exclusiveMinimum: 0, maximum: 100, multipleOf: 0.01 }), Type.Null()], {
        description: 'Share of the targeted devices (deterministic per device: a hash of release id and fingerprint)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type RolloutInput = Static<typeof RolloutInput>;

export const RolloutAnswer = Type.Object({
  rollout: Type.Union([Rollout, Type.Null()], { description: 'Null: the release is offered to every entitled license' }),
  audience: ReleaseAudience,
});

export const ArtifactResign = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200, description: 'At most this many per call' })),
});
export const ArtifactResignAnswer = Type.Object({
  kid: Type.String({ description: 'The active signing key, which signed them' }),
  resigned: Type.Integer(),
  more: Type.Boolean({ description: 'Artifacts signed by an older key remain: call again' }),
});
