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

/**
 * Secrets by their shape, wherever they stand in a URL (a path segment, a free-text `?q=`) or a
 * message. An API key is `lh_` and at least 16 more symbols (a generated one has 40; the 10-symbol
 * prefix shown in key lists is not secret and stays). A license key is a run of exactly 25
 * Crockford symbols — the generated shape — grouped by dashes (or `+`/`%20` for spaces) or not, in
 * any case, with O, I and L allowed since lookup maps them; the check symbol is not required, so a
 * key with a typo (still 24 of 25 secret symbols) is hidden too. A ULID is 26 symbols and product
 * codes are shorter, so ordinary ids stay readable. Imported keys of other shapes are not
 * recognisable here; only their position (a token path, a secret-named parameter) hides them.
 */
const API_KEY_SHAPE = /(?<![A-Za-z0-9])lh_[^/?#&=;,\s'"]{16,}/g;
// A run starts after a non-symbol or after a whole percent escape (`?q=%20KEY`), never inside one.
const LICENSE_KEY_RUN = /(?<=^|[^A-Za-z0-9%]|%[0-9A-Fa-f]{2})[0-9A-TV-Za-tv-z]+(?:(?:-|\+|%20)[0-9A-TV-Za-tv-z]+)*(?![A-Za-z0-9])/g;
const LICENSE_KEY_SYMBOLS = 25;

function redactShapes(text: string): string {
  return text
    .replace(API_KEY_SHAPE, REDACTED)
    .replace(LICENSE_KEY_RUN, (run) => (run.replace(/-|\+|%20/g, '').length === LICENSE_KEY_SYMBOLS ? REDACTED : run));
}

/**
 * The URL with secret path segments, the values of secret-looking query parameters, and anything
 * shaped like an API key or a license key replaced.
 */
export function redactUrl(url: string): string {
  const path = redactShapes(url.replace(SECRET_PATH, `$1${REDACTED}`));
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
const redactText = (text: string): string => redactShapes(text.replace(SECRET_PATH, `$1${REDACTED}`));

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
