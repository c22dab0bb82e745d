import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Readable } from 'node:stream';
import { getSignedUrl as cloudFrontSignedUrl } from '@aws-sdk/cloudfront-signer';
import type { ArtifactStorage, StoredFile } from './storage.js';
import { contentDisposition } from './s3.js';

/**
 * Download URLs through a CDN with a token its edge checks (LEASEHOLD_CDN_*): the CDN pulls from
 * the bucket (its origin) and serves a request only when its token is right and unexpired.
 *
 * The token scheme, for the edge's verifier (docs/releases.md has a Cloudflare Worker):
 *
 *     token = base64url( HMAC-SHA256( secret, path + "\n" + expires ) )
 *
 * `path` is the URL path as sent (`/<prefix><account>/<artifact>`, percent-encoded as in the URL,
 * below the CDN URL's own path), `expires` the Unix time in seconds in the `expires` parameter.
 * The parameter names are configurable; `filename` (the name to save under) is not signed.
 */
export type CdnSettings = HmacCdnSettings | CloudFrontSettings;

export interface HmacCdnSettings {
  scheme: 'hmac';
  /** The CDN's base URL, e.g. `https://downloads.example.com` (a path is allowed: `https://cdn.example.com/app`). */
  url: string;
  secret: string;
  tokenParam: string;
  expiresParam: string;
}

/**
 * Amazon CloudFront's own signed URLs: a canned policy (the URL and its expiry) signed with the
 * private key of a key in one of the distribution's trusted key groups, which CloudFront checks at
 * its edge before it asks the origin. The signing is `@aws-sdk/cloudfront-signer`'s, AWS's package.
 */
export interface CloudFrontSettings {
  scheme: 'cloudfront';
  /** The distribution's URL (its domain or an alternate domain), with a path if the behaviour has one. */
  url: string;
  /** The ID of the public key in CloudFront (the `Key-Pair-Id` parameter). */
  keyPairId: string;
  /** The RSA private key, PEM. */
  privateKey: string;
  /** SHA1 (CloudFront's default) or SHA256 (sent as `Hash-Algorithm=SHA256`). */
  hash: 'SHA1' | 'SHA256';
}

export function cdnToken(secret: string, path: string, expiresSec: number): string {
  return createHmac('sha256', secret).update(`${path}\n${expiresSec}`).digest('base64url');
}

/**
 * The reference verifier, as a CDN edge runs it: 'ok', 'expired' or 'invalid' for a request URL.
 * The signature is checked first, so an altered expiry is invalid, not expired.
 */
export function verifyCdnUrl(
  settings: Pick<HmacCdnSettings, 'secret' | 'tokenParam' | 'expiresParam'>,
  requestUrl: string,
  nowMs: number,
  basePath = '',
): 'ok' | 'expired' | 'invalid' {
  const url = new URL(requestUrl);
  const expires = url.searchParams.get(settings.expiresParam) ?? '';
  const token = url.searchParams.get(settings.tokenParam) ?? '';
  if (!/^\d{1,12}$/.test(expires) || !url.pathname.startsWith(basePath)) return 'invalid';
  const want = Buffer.from(cdnToken(settings.secret, url.pathname.slice(basePath.length), Number(expires)));
  const got = Buffer.from(token);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return 'invalid';
  return Number(expires) * 1000 <= nowMs ? 'expired' : 'ok';
}

/** A storage whose downloads go through the CDN; uploads and reads still go to the storage itself. */
export class CdnSignedStorage implements ArtifactStorage {
  readonly name: string;

  constructor(
    private readonly inner: ArtifactStorage,
    private readonly settings: CdnSettings,
    private readonly objectKey: (file: StoredFile) => string,
  ) {
    this.name = inner.name;
  }

  uploadUrl(file: StoredFile, expiresAt: number): Promise<string> {
    return this.inner.uploadUrl(file, expiresAt);
  }

  async downloadUrl(file: StoredFile, expiresAt: number): Promise<string> {
    const settings = this.settings;
    const base = new URL(settings.url);
    const basePath = base.pathname.replace(/\/$/, '');
    const path = `/${this.objectKey(file).split('/').map(encodeURIComponent).join('/')}`;
    // Whole seconds, rounded down: the URL never outlives the expiry Leasehold answered with.
    const expires = Math.floor(expiresAt / 1000);
    if (settings.scheme === 'cloudfront') {
      // The name to save under goes to the S3 origin as its own response override (CloudFront's
      // origin request policy must forward query strings); it is part of the signed URL.
      const query = new URLSearchParams({ 'response-content-disposition': contentDisposition(file.filename) });
      return cloudFrontSignedUrl({
        url: `${base.origin}${basePath}${path}?${query}`,
        keyPairId: settings.keyPairId,
        privateKey: settings.privateKey,
        dateLessThan: new Date(expires * 1000),
        algorithm: settings.hash,
      });
    }
    const query = new URLSearchParams({
      filename: file.filename,
      [settings.expiresParam]: String(expires),
      [settings.tokenParam]: cdnToken(settings.secret, path, expires),
    });
    return `${base.origin}${basePath}${path}?${query}`;
  }

  open(file: StoredFile): Promise<Readable | undefined> {
    return this.inner.open(file);
  }

  remove(file: StoredFile): Promise<void> {
    return this.inner.remove(file);
  }
}
