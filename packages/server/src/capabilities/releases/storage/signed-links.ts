import { createHmac, timingSafeEqual } from 'node:crypto';

export type LinkOp = 'get' | 'put';

/**
 * Leasehold's own signed file URLs (the filesystem driver's): an HMAC-SHA256, under a key derived
 * from the master key, of the operation, the account, the artifact, the object key and the expiry.
 * Changing any of them (another artifact, a later expiry, a download link used to upload) breaks
 * the signature; every server process sharing the master key checks it without a query.
 */
export class LinkSigner {
  constructor(private readonly key: Buffer) {}

  sign(op: LinkOp, accountId: string, artifactId: string, objectKey: string, expiresSec: number): string {
    return createHmac('sha256', this.key)
      .update(`leasehold-file-v1\n${op}\n${accountId}\n${artifactId}\n${objectKey}\n${expiresSec}`)
      .digest('base64url');
  }

  /** 'ok', 'expired' or 'invalid'; the signature is checked first, so an altered expiry is invalid, not expired. */
  check(
    op: LinkOp,
    link: { accountId: string; artifactId: string; objectKey: string; expires: string; signature: string },
    nowMs: number,
  ): 'ok' | 'expired' | 'invalid' {
    const expires = Number(link.expires);
    const want = Buffer.from(this.sign(op, link.accountId, link.artifactId, link.objectKey, expires));
    const got = Buffer.from(link.signature);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return 'invalid';
    return expires * 1000 <= nowMs ? 'expired' : 'ok';
  }
}
