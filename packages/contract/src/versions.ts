/**
 * Semantic versions (semver 2.0.0) as releases use them: parsing, precedence and the channel a
 * version belongs to. Plain code, so the SDK can compare its own version the way the server does.
 */

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  /** Pre-release identifiers (`1.2.0-rc.1` → `['rc', '1']`); empty for a release. */
  pre: string[];
  build: string | null;
}

const SEMVER =
  /^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})(?:-((?:0|[1-9]\d{0,8}|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d{0,8}|\d*[A-Za-z-][0-9A-Za-z-]*))*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

/** The version, or null when the text is not a semantic version (`1.2`, `v1.2.3`, `01.2.3`). */
export function parseVersion(text: string): SemVer | null {
  const m = SEMVER.exec(text);
  if (!m) return null;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), pre: m[4] ? m[4].split('.') : [], build: m[5] ?? null };
}

const numeric = (id: string) => /^\d+$/.test(id);

/** Semver precedence: negative when a < b, 0 when equal (build metadata is ignored), positive when a > b. */
export function compareVersions(a: SemVer, b: SemVer): number {
  const core = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
  if (core !== 0) return Math.sign(core);
  if (a.pre.length === 0 || b.pre.length === 0) return Math.sign(b.pre.length - a.pre.length);
  for (let i = 0; i < Math.min(a.pre.length, b.pre.length); i++) {
    const x = a.pre[i]!;
    const y = b.pre[i]!;
    if (x === y) continue;
    if (numeric(x) && numeric(y)) return Math.sign(Number(x) - Number(y));
    if (numeric(x)) return -1;
    if (numeric(y)) return 1;
    return x < y ? -1 : 1;
  }
  return Math.sign(a.pre.length - b.pre.length);
}

/**
 * A key whose byte order (and order under any database collation: hex digits only) is semver
 * precedence, so the store can sort and page releases by version: each core number in 9 digits,
 * then the pre-release identifiers (numeric before alphanumeric, fewer before more), a release
 * after its pre-releases.
 */
export function versionKey(v: SemVer): string {
  const pad = (n: number) => String(n).padStart(9, '0');
  let key = `${pad(v.major)}${pad(v.minor)}${pad(v.patch)}`;
  if (v.pre.length === 0) key += '~';
  else key += v.pre.map((id) => (numeric(id) ? `!a${pad(Number(id))}` : `!b${id}`)).join('');
  let hex = '';
  for (let i = 0; i < key.length; i++) hex += key.charCodeAt(i).toString(16).padStart(2, '0');
  return hex;
}

/** Channels from the most stable to the least; asking for one includes every more stable one. */
export const RELEASE_CHANNELS = ['stable', 'rc', 'beta', 'alpha', 'dev'] as const;
export type ReleaseChannel = (typeof RELEASE_CHANNELS)[number];

/** The channels a request for `channel` includes: itself and every more stable one. */
export function channelsIncluded(channel: ReleaseChannel): ReleaseChannel[] {
  return RELEASE_CHANNELS.slice(0, RELEASE_CHANNELS.indexOf(channel) + 1);
}
