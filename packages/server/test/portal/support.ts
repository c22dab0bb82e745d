import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { Harness, Reply } from '../support/harness.js';

/** A real SMTP server on a free port that keeps every message it receives, for the portal's emails. */
export async function smtpSink(): Promise<{
  url: string;
  /** The next message to `to` (already received, or the one to come), decoded to text. */
  next(to: string): Promise<string>;
  count(to: string): number;
  close(): Promise<void>;
}> {
  const received: Array<{ to: string[]; text: string }> = [];
  const waiting: Array<{ to: string; resolve: (text: string) => void }> = [];
  const taken = new Set<number>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
        received.push({ to, text: decodeQuotedPrintable(Buffer.concat(chunks).toString('utf8')) });
        for (const w of [...waiting]) deliver(w);
        callback();
      });
    },
  });
  const deliver = (w: { to: string; resolve: (text: string) => void }): boolean => {
    const i = received.findIndex((m, n) => !taken.has(n) && m.to.includes(w.to));
    if (i < 0) return false;
    taken.add(i);
    waiting.splice(waiting.indexOf(w), 1);
    w.resolve(received[i]!.text);
    return true;
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    next: (to) =>
      new Promise((resolve) => {
        const w = { to: to.toLowerCase(), resolve };
        waiting.push(w);
        deliver(w);
      }),
    count: (to) => received.filter((m) => m.to.includes(to.toLowerCase())).length,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function decodeQuotedPrintable(raw: string): string {
  return raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** The token at the end of a portal link in a message (the invitation's `#token=`, a sign-in link's `#link=`). */
export function tokenIn(text: string): string {
  const match = /\/portal\/(?:accept#token|sign-in#link)=([A-Za-z0-9_-]+)/.exec(text);
  if (!match) throw new Error(`no portal link in:\n${text}`);
  return match[1]!;
}

/** A browser's view of the portal: its cookie and CSRF token, sent with every request. */
export interface PortalClient {
  call(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  cookie: string;
  csrf: string;
}

/** The portal cookie a sign-in answer set, as a Cookie header. */
export function portalCookieOf(res: Reply): string {
  const set = [res.headers['set-cookie']].flat().find((c) => typeof c === 'string' && c.startsWith('leasehold_portal='));
  if (!set) throw new Error(`no portal cookie in ${res.status} ${JSON.stringify(res.body)}`);
  return set.split(';')[0]!;
}

export function portalClient(h: Harness, signedIn: Reply): PortalClient {
  const cookie = portalCookieOf(signedIn);
  const csrf = signedIn.body.csrfToken as string;
  return {
    cookie,
    csrf,
    call: (method, url, body, headers = {}) =>
      h.call(method, url, body, { key: null, headers: { cookie, 'x-csrf-token': csrf, ...headers } }),
  };
}

/** Accepts an invitation link and signs in with the new password. */
export async function accept(h: Harness, token: string, password = 'correct horse battery'): Promise<PortalClient> {
  const res = await h.call('POST', '/v1/portal/invitations/accept', { token, password }, { key: null });
  if (res.status !== 201) throw new Error(`accept: ${res.status} ${JSON.stringify(res.body)}`);
  return portalClient(h, res);
}

export const tokenOfUrl = (url: string): string => url.slice(url.lastIndexOf('=') + 1);

/** A portal user of the customer, invited by staff (without SMTP the link is returned) and joined: their id and browser. */
export async function joined(
  h: Harness,
  customerId: string,
  email: string,
  role: 'admin' | 'member',
  key?: string,
): Promise<{ id: string; email: string; portal: PortalClient }> {
  const invited = await h.call('POST', `/v1/customers/${customerId}/portal-users`, { email, name: email.split('@')[0], role }, { key });
  if (invited.status !== 201) throw new Error(`invite: ${invited.status} ${JSON.stringify(invited.body)}`);
  return { id: invited.body.portalUser.id, email, portal: await accept(h, tokenOfUrl(invited.body.invitationUrl)) };
}
