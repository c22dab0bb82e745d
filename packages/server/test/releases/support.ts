import { createHash } from 'node:crypto';
import type { Harness, Reply } from '../support/harness.js';

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** PUTs bytes to an artifact's upload URL, wherever it points, and finishes the upload as its storage needs. */
export async function upload(h: Harness, ticket: { artifact: { id: string }; uploadUrl: string }, bytes: Buffer): Promise<Reply> {
  if (ticket.uploadUrl.startsWith('/')) {
    const res = await h.app.inject({
      method: 'PUT',
      url: ticket.uploadUrl,
      payload: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    return { status: res.statusCode, body: JSON.parse(res.body), headers: res.headers, raw: res };
  }
  const put = await fetch(ticket.uploadUrl, { method: 'PUT', body: bytes });
  if (!put.ok) throw new Error(`S3 PUT answered ${put.status}: ${await put.text()}`);
  return h.call('POST', `/v1/artifacts/${ticket.artifact.id}/complete`);
}

/** Follows a download URL (Leasehold's own or a presigned S3 one) and returns the bytes. */
export async function fetchBytes(h: Harness, url: string): Promise<{ status: number; bytes: Buffer; body: unknown }> {
  if (url.startsWith('/')) {
    const res = await h.app.inject({ method: 'GET', url });
    const bytes = res.rawPayload;
    let body: unknown = null;
    if (res.statusCode !== 200) body = JSON.parse(res.body);
    return { status: res.statusCode, bytes, body };
  }
  const res = await fetch(url);
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()), body: null };
}

/** A GET of the client API as the license `key`. */
export const asClient =
  (h: Harness, key: string) =>
  (url: string, headers: Record<string, string> = {}) =>
    h.call('GET', url, undefined, { key: null, headers: { authorization: `License ${key}`, ...headers } });
