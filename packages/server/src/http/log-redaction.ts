import pino from 'pino';

/**
 * What the request log may say about a request. Fastify's default request serializer logs the URL as
 * sent, and a few URLs carry secrets: a NetLicensing APIKEY token's number is the API key itself
 * (`GET /core/v2/rest/token/<key>`), and NetLicensing clients may send a node secret or an API key
 * in the query string. Headers are never logged (Authorization, cookies and Idempotency-Key are also
 * redacted should a serializer ever add them).
 */
const SECRET_PATH = /(\/core\/v2\/rest\/token\/)[^/?#\s'"]+/gi;
const SECRET_PARAM = /key|token|secret|password|passwd|session|csrf|auth/i;
const REDACTED = '[redacted]';

/** The URL with secret path segments and the values of secret-looking query parameters replaced. */
export function redactUrl(url: string): string {
  const path = url.replace(SECRET_PATH, `$1${REDACTED}`);
  const q = path.indexOf('?');
  if (q < 0) return path;
  const query = path
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      let name = pair.slice(0, eq);
      try {
        name = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // a malformed escape: judge the name as sent
      }
      return SECRET_PARAM.test(name) ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
    })
    .join('&');
  return `${path.slice(0, q)}?${query}`;
}

/** The same for free text (an error message that quotes the URL). */
const redactText = (text: string): string => text.replace(SECRET_PATH, `$1${REDACTED}`);

interface LoggedRequest {
  method: string;
  url: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

export const LOG_REDACT = {
  paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["idempotency-key"]', 'req.headers["x-csrf-token"]'],
  remove: true,
};

export const LOG_SERIALIZERS = {
  req: (req: LoggedRequest) => ({
    method: req.method,
    url: redactUrl(req.url),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  }),
  err: (err: Error) => {
    const out = pino.stdSerializers.err(err);
    if (typeof out.message === 'string') out.message = redactText(out.message);
    if (typeof out.stack === 'string') out.stack = redactText(out.stack);
    return out;
  },
};
