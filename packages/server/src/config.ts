import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { DEFAULT_RATE_LIMITS, type RateLimits } from './platform/http/rate-limit.js';
import { DEFAULT_LOAD_LIMITS, type LoadLimits } from './platform/http/load-shedding.js';
import { WEBHOOK_SETTINGS_TABLE, webhookSettings } from './capabilities/webhooks/settings.js';
import { PORTAL_SETTINGS_TABLE, portalSettings } from './capabilities/portal/settings.js';
import { PORTAL_SSO_SETTINGS_TABLE } from './capabilities/portal/sso-settings.js';
import { REPORT_SETTINGS_TABLE, reportSettings } from './capabilities/reports/settings.js';
import type { StorageSettings } from './capabilities/releases/storage/configure.js';
import type { CdnSettings } from './capabilities/releases/storage/cdn.js';

/** Every setting comes from the environment; README.md has the same table for operators. */
export interface Config {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string | null;
  adminKey: string | null;
  masterKey: string | null;
  logLevel: string;
  bodyLimit: number;
  pgPoolSize: number;
  /** Server processes sharing the port (node:cluster); 1 serves from this process alone. */
  workers: number;
  rateLimits: RateLimits;
  /** Fastify's trustProxy: whose X-Forwarded-For / -Proto to believe (false: nobody's). */
  trustProxy: TrustProxy;
  /** Strict-Transport-Security max-age in seconds; 0 sends none. */
  hstsMaxAge: number;
  /** Licenses each process keeps in memory for validation (0: none, every validation reads the database). */
  cacheSize: number;
  /** The URL clients reach the server at, named as the server of the OpenAPI document (null: relative). */
  publicUrl: string | null;
  /** The bearer token a Prometheus scrape must send; null leaves /metrics open. */
  metricsToken: string | null;
  /** When a process refuses new requests with 503 instead of queueing them. */
  loadLimits: LoadLimits;
  /** PostgreSQL cancels a statement running longer than this (ms; 0: never), so a stuck query cannot hold a connection for minutes. */
  pgStatementTimeoutMs: number;
  /** Where release artifacts are stored (LEASEHOLD_STORAGE and the LEASEHOLD_S3_* settings). */
  storage: StorageSettings;
}

export type TrustProxy = boolean | number | string[];

export const CONFIG_TABLE: Array<{ name: string; default: string; meaning: string }> = [
  { name: 'HOST', default: '127.0.0.1', meaning: 'Interface to listen on (0.0.0.0 for all)' },
  { name: 'PORT', default: '8080', meaning: 'TCP port' },
  { name: 'LEASEHOLD_DATA_DIR', default: './data', meaning: 'Where the embedded SQLite database and the generated master key live' },
  { name: 'DATABASE_URL', default: '(unset)', meaning: 'postgres://… to use PostgreSQL instead of the embedded SQLite' },
  {
    name: 'LEASEHOLD_ADMIN_KEY',
    default: '(unset)',
    meaning: 'On first start of an empty server, use this as the first admin API key instead of generating one',
  },
  {
    name: 'LEASEHOLD_MASTER_KEY',
    default: '(generated)',
    meaning: '32 bytes (hex or base64) protecting license and signing keys; required to be the same on every process sharing a database',
  },
  { name: 'LOG_LEVEL', default: 'info', meaning: 'fatal, error, warn, info, debug, trace or silent' },
  { name: 'LEASEHOLD_BODY_LIMIT', default: '262144', meaning: 'Largest request body accepted, in bytes' },
  { name: 'LEASEHOLD_PG_POOL', default: '10', meaning: 'PostgreSQL connections per process' },
  {
    name: 'LEASEHOLD_WORKERS',
    default: '1',
    meaning: 'Server processes sharing the port (like `serve --workers N`); the first process migrates and sets up once, then starts them',
  },
  {
    name: 'LEASEHOLD_RATE_CLIENT_KEY',
    default: String(DEFAULT_RATE_LIMITS.clientPerKey),
    meaning: 'Client API requests per minute per license key (bursts up to the same number; 0 for no limit)',
  },
  {
    name: 'LEASEHOLD_RATE_CLIENT_ADDRESS',
    default: String(DEFAULT_RATE_LIMITS.clientPerAddress),
    meaning: 'Client API requests per minute per client address (0 for no limit)',
  },
  {
    name: 'LEASEHOLD_RATE_SIGN_IN',
    default: String(DEFAULT_RATE_LIMITS.signInPerAddress),
    meaning: 'Console sign-in attempts per minute per client address, besides the limit on failed sign-ins (0 for no limit)',
  },
  {
    name: 'LEASEHOLD_TRUST_PROXY',
    default: 'false',
    meaning:
      'Behind a reverse proxy: the proxy addresses or CIDRs to trust (comma-separated; also loopback, uniquelocal), a hop count, or true for any; the client address then comes from X-Forwarded-For',
  },
  {
    name: 'LEASEHOLD_HSTS',
    default: '0',
    meaning: 'Strict-Transport-Security max-age in seconds; set it only when every client reaches the server over HTTPS (0 sends none)',
  },
  {
    name: 'LEASEHOLD_CACHE_SIZE',
    default: '100000',
    meaning:
      'Licenses each process keeps in memory to answer validations (about 2 KB each; one with more than four live devices counts one per four; 0 turns the cache off); changes from any process reach it within milliseconds',
  },
  {
    name: 'LEASEHOLD_METRICS_TOKEN',
    default: '(unset)',
    meaning:
      'When set, GET /metrics (Prometheus text format) answers only to Authorization: Bearer <token>; unset, it is open like /healthz (keep the port off the internet, or set a token)',
  },
  {
    name: 'LEASEHOLD_MAX_IN_FLIGHT',
    default: String(DEFAULT_LOAD_LIMITS.maxInFlight),
    meaning:
      'Requests one process works on at once; past it a request is refused at once with 503 and Retry-After instead of queueing (0 for no limit; health and metrics are never refused)',
  },
  {
    name: 'LEASEHOLD_MAX_EVENT_LOOP_DELAY_MS',
    default: String(DEFAULT_LOAD_LIMITS.maxEventLoopDelayMs),
    meaning:
      'When the event loop runs this late (ms), new requests get 503 and Retry-After until it catches up (0, the default, does not watch it: the in-flight limit already bounds the queue)',
  },
  {
    name: 'LEASEHOLD_PG_STATEMENT_TIMEOUT_MS',
    default: '30000',
    meaning: 'PostgreSQL cancels a statement running longer (answered 503, nothing committed; schema migrations are exempt; 0 for none)',
  },
  {
    name: 'LEASEHOLD_PUBLIC_URL',
    default: '(unset)',
    meaning:
      'The URL clients reach the server at (behind a proxy, say), given as the server in /openapi.json for client generators; unset, the document names the server relative to itself',
  },
  ...WEBHOOK_SETTINGS_TABLE,
  ...PORTAL_SETTINGS_TABLE,
  ...PORTAL_SSO_SETTINGS_TABLE,
  ...REPORT_SETTINGS_TABLE,
  {
    name: 'LEASEHOLD_STORAGE',
    default: 'fs',
    meaning:
      'Where new release artifacts are stored: fs (the data directory, served through signed URLs by the server) or s3 (any S3-compatible store, with presigned URLs); artifacts keep the storage they were uploaded to',
  },
  { name: 'LEASEHOLD_S3_BUCKET', default: '(unset)', meaning: 'The bucket artifacts go to (required with LEASEHOLD_STORAGE=s3)' },
  {
    name: 'LEASEHOLD_S3_ENDPOINT',
    default: '(unset)',
    meaning: 'The S3 endpoint URL for R2, MinIO, Ceph RGW and others; unset for AWS S3',
  },
  { name: 'LEASEHOLD_S3_REGION', default: 'us-east-1', meaning: 'The bucket region (auto for Cloudflare R2)' },
  {
    name: 'LEASEHOLD_S3_PATH_STYLE',
    default: 'false',
    meaning: 'true for path-style URLs (endpoint/bucket/key), which MinIO and Ceph RGW need',
  },
  {
    name: 'LEASEHOLD_S3_ACCESS_KEY_ID',
    default: '(unset)',
    meaning:
      'With LEASEHOLD_S3_SECRET_ACCESS_KEY, the credentials for the bucket; unset, the AWS SDK default chain (environment, profile, instance role)',
  },
  { name: 'LEASEHOLD_S3_SECRET_ACCESS_KEY', default: '(unset)', meaning: 'The secret of LEASEHOLD_S3_ACCESS_KEY_ID' },
  { name: 'LEASEHOLD_S3_PREFIX', default: '(empty)', meaning: 'Prepended to object keys, so one bucket can hold several installations' },
  {
    name: 'LEASEHOLD_CDN_URL',
    default: '(unset)',
    meaning:
      'With LEASEHOLD_STORAGE=s3: download URLs point to this CDN (its origin the bucket) with an HMAC token its edge checks (docs/releases.md, "CDN URL signing")',
  },
  {
    name: 'LEASEHOLD_CDN_SECRET',
    default: '(unset)',
    meaning: 'The HMAC-SHA256 key the CDN tokens are made with (at least 32 characters; required with LEASEHOLD_CDN_URL)',
  },
  { name: 'LEASEHOLD_CDN_TOKEN_PARAM', default: 'token', meaning: 'The query parameter that carries the CDN token' },
  { name: 'LEASEHOLD_CDN_EXPIRES_PARAM', default: 'expires', meaning: 'The query parameter that carries the token expiry (Unix seconds)' },
  {
    name: 'LEASEHOLD_CDN_SIGNING',
    default: 'hmac',
    meaning:
      "How CDN download URLs are signed: `hmac` (Leasehold's token, checked by code at the edge) or `cloudfront` (CloudFront's own signed URLs)",
  },
  {
    name: 'LEASEHOLD_CDN_KEY_PAIR_ID',
    default: '(unset)',
    meaning: "With LEASEHOLD_CDN_SIGNING=cloudfront: the ID of the public key in the distribution's trusted key group",
  },
  {
    name: 'LEASEHOLD_CDN_PRIVATE_KEY_FILE',
    default: '(unset)',
    meaning: "With LEASEHOLD_CDN_SIGNING=cloudfront: the PEM file of that key pair's RSA private key (read at start)",
  },
  {
    name: 'LEASEHOLD_CDN_HASH',
    default: 'SHA1',
    meaning: 'With LEASEHOLD_CDN_SIGNING=cloudfront: SHA1 or SHA256, the hash CloudFront is told the signature uses',
  },
];

/** LEASEHOLD_STORAGE and the S3 settings it needs. */
export function parseStorage(env: NodeJS.ProcessEnv): StorageSettings {
  const driver = env['LEASEHOLD_STORAGE'] || 'fs';
  if (driver === 'fs') {
    if (env['LEASEHOLD_CDN_URL']) throw new Error('LEASEHOLD_CDN_URL needs LEASEHOLD_STORAGE=s3 (the CDN pulls from the bucket)');
    return { driver };
  }
  if (driver !== 's3') throw new Error(`LEASEHOLD_STORAGE must be fs or s3, not ${JSON.stringify(driver)}`);
  const bucket = env['LEASEHOLD_S3_BUCKET'];
  if (!bucket) throw new Error('LEASEHOLD_STORAGE=s3 needs LEASEHOLD_S3_BUCKET');
  const pathStyle = env['LEASEHOLD_S3_PATH_STYLE'] || 'false';
  if (pathStyle !== 'true' && pathStyle !== 'false') throw new Error('LEASEHOLD_S3_PATH_STYLE must be true or false');
  return {
    driver,
    s3: {
      bucket,
      endpoint: env['LEASEHOLD_S3_ENDPOINT'] || null,
      region: env['LEASEHOLD_S3_REGION'] || 'us-east-1',
      pathStyle: pathStyle === 'true',
      accessKeyId: env['LEASEHOLD_S3_ACCESS_KEY_ID'] || null,
      secretAccessKey: env['LEASEHOLD_S3_SECRET_ACCESS_KEY'] || null,
      prefix: env['LEASEHOLD_S3_PREFIX'] || '',
    },
    cdn: parseCdn(env),
  };
}

/**
 * LEASEHOLD_CDN_*: downloads through a CDN (S3 storage only), which checks either Leasehold's HMAC
 * token (any edge that runs code) or, with LEASEHOLD_CDN_SIGNING=cloudfront, CloudFront's own
 * RSA-signed URL.
 */
function parseCdn(env: NodeJS.ProcessEnv): CdnSettings | null {
  const url = env['LEASEHOLD_CDN_URL'];
  if (!url) return null;
  if (!/^https?:\/\/[^/?#]+(\/[^?#]*)?$/.test(url)) throw new Error('LEASEHOLD_CDN_URL must be an http(s) URL without query');
  const base = url.replace(/\/$/, '');
  const scheme = env['LEASEHOLD_CDN_SIGNING'] || 'hmac';
  if (scheme === 'cloudfront') return parseCloudFront(env, base);
  if (scheme !== 'hmac') throw new Error(`LEASEHOLD_CDN_SIGNING must be hmac or cloudfront, not ${JSON.stringify(scheme)}`);
  const secret = env['LEASEHOLD_CDN_SECRET'] ?? '';
  if (secret.length < 32) throw new Error('LEASEHOLD_CDN_URL needs LEASEHOLD_CDN_SECRET, at least 32 characters');
  const param = (name: string, fallback: string) => {
    const value = env[name] || fallback;
    if (!/^[A-Za-z0-9_-]{1,40}$/.test(value)) throw new Error(`${name} must be a query parameter name, not ${JSON.stringify(value)}`);
    return value;
  };
  const tokenParam = param('LEASEHOLD_CDN_TOKEN_PARAM', 'token');
  const expiresParam = param('LEASEHOLD_CDN_EXPIRES_PARAM', 'expires');
  if (tokenParam === expiresParam || [tokenParam, expiresParam].includes('filename')) {
    throw new Error('LEASEHOLD_CDN_TOKEN_PARAM and LEASEHOLD_CDN_EXPIRES_PARAM must differ from each other and from filename');
  }
  return { scheme: 'hmac', url: base, secret, tokenParam, expiresParam };
}

/** CloudFront signed URLs: the key's ID, and its RSA private key read from a file (a mounted secret), checked at start. */
function parseCloudFront(env: NodeJS.ProcessEnv, url: string): CdnSettings {
  const keyPairId = env['LEASEHOLD_CDN_KEY_PAIR_ID'] ?? '';
  if (!/^[A-Z0-9]{8,64}$/.test(keyPairId)) {
    throw new Error(
      'LEASEHOLD_CDN_SIGNING=cloudfront needs LEASEHOLD_CDN_KEY_PAIR_ID, the public key ID CloudFront shows (e.g. K2JCJMDEHXQW5F)',
    );
  }
  const file = env['LEASEHOLD_CDN_PRIVATE_KEY_FILE'];
  if (!file) throw new Error('LEASEHOLD_CDN_SIGNING=cloudfront needs LEASEHOLD_CDN_PRIVATE_KEY_FILE, the PEM file of the RSA private key');
  let privateKey: string;
  try {
    privateKey = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`LEASEHOLD_CDN_PRIVATE_KEY_FILE cannot be read: ${(err as Error).message}`, { cause: err });
  }
  let type: string | undefined;
  try {
    type = createPrivateKey(privateKey).asymmetricKeyType;
  } catch {
    throw new Error('LEASEHOLD_CDN_PRIVATE_KEY_FILE does not hold a PEM private key');
  }
  if (type !== 'rsa') throw new Error(`LEASEHOLD_CDN_PRIVATE_KEY_FILE must hold an RSA key (CloudFront signs with RSA), not ${type}`);
  const hash = env['LEASEHOLD_CDN_HASH'] || 'SHA1';
  if (hash !== 'SHA1' && hash !== 'SHA256') throw new Error(`LEASEHOLD_CDN_HASH must be SHA1 or SHA256, not ${JSON.stringify(hash)}`);
  return { scheme: 'cloudfront', url, keyPairId, privateKey, hash };
}

function integer(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}`);
  return n;
}

/**
 * LEASEHOLD_TRUST_PROXY: `false` (the default: the connection's address is the client's), `true`
 * (believe any X-Forwarded-For: only when nothing reaches the port but the proxy), a number of
 * proxy hops, or a list of proxy addresses and CIDRs (or `loopback`, `linklocal`, `uniquelocal`).
 */
/** proxy-addr's names for the loopback, link-local and private ranges. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

export function parseTrustProxy(value: string | undefined): TrustProxy {
  const text = (value ?? '').trim();
  if (text === '' || text === 'false') return false;
  if (text === 'true') return true;
  if (/^\d+$/.test(text)) return integer('LEASEHOLD_TRUST_PROXY', text, 0, 0, 100);
  const entries = text.split(',').map((s) => s.trim());
  for (const entry of entries) {
    if (NAMED_RANGES.has(entry)) continue;
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const maxBits = family === 6 ? 128 : 32;
    const bitsOk = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= maxBits);
    if (!family || !bitsOk || extra !== undefined) {
      throw new Error(
        `LEASEHOLD_TRUST_PROXY must be true, false, a hop count, or proxy addresses/CIDRs separated by commas; ${JSON.stringify(entry)} is none of these`,
      );
    }
  }
  return entries;
}

/** An absolute http(s) URL without query or fragment, kept without a trailing slash. */
function publicUrl(value: string | undefined): string | null {
  if (!value) return null;
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    url = null;
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.search || url.hash || url.username || url.password) {
    throw new Error(
      `LEASEHOLD_PUBLIC_URL must be an http or https URL without query, fragment or credentials, not ${JSON.stringify(value)}`,
    );
  }
  return url.href.replace(/\/+$/, '');
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // The webhooks read theirs when used; a bad value stops the start here, with the others.
  webhookSettings(env);
  portalSettings(env);
  reportSettings(env);
  return {
    host: env['HOST'] || '127.0.0.1',
    port: integer('PORT', env['PORT'], 8080, 0, 65535),
    dataDir: resolve(env['LEASEHOLD_DATA_DIR'] || './data'),
    databaseUrl: env['DATABASE_URL'] || null,
    adminKey: env['LEASEHOLD_ADMIN_KEY'] || null,
    masterKey: env['LEASEHOLD_MASTER_KEY'] || null,
    logLevel: env['LOG_LEVEL'] || 'info',
    bodyLimit: integer('LEASEHOLD_BODY_LIMIT', env['LEASEHOLD_BODY_LIMIT'], 256 * 1024, 1024, 64 * 1024 * 1024),
    pgPoolSize: integer('LEASEHOLD_PG_POOL', env['LEASEHOLD_PG_POOL'], 10, 1, 500),
    workers: integer('LEASEHOLD_WORKERS', env['LEASEHOLD_WORKERS'], 1, 1, 64),
    rateLimits: {
      clientPerKey: integer('LEASEHOLD_RATE_CLIENT_KEY', env['LEASEHOLD_RATE_CLIENT_KEY'], DEFAULT_RATE_LIMITS.clientPerKey, 0, 1_000_000),
      clientPerAddress: integer(
        'LEASEHOLD_RATE_CLIENT_ADDRESS',
        env['LEASEHOLD_RATE_CLIENT_ADDRESS'],
        DEFAULT_RATE_LIMITS.clientPerAddress,
        0,
        1_000_000,
      ),
      signInPerAddress: integer(
        'LEASEHOLD_RATE_SIGN_IN',
        env['LEASEHOLD_RATE_SIGN_IN'],
        DEFAULT_RATE_LIMITS.signInPerAddress,
        0,
        1_000_000,
      ),
    },
    trustProxy: parseTrustProxy(env['LEASEHOLD_TRUST_PROXY']),
    hstsMaxAge: integer('LEASEHOLD_HSTS', env['LEASEHOLD_HSTS'], 0, 0, 2 * 365 * 24 * 3600),
    cacheSize: integer('LEASEHOLD_CACHE_SIZE', env['LEASEHOLD_CACHE_SIZE'], 100_000, 0, 10_000_000),
    publicUrl: publicUrl(env['LEASEHOLD_PUBLIC_URL']),
    metricsToken: env['LEASEHOLD_METRICS_TOKEN'] || null,
    loadLimits: {
      maxInFlight: integer('LEASEHOLD_MAX_IN_FLIGHT', env['LEASEHOLD_MAX_IN_FLIGHT'], DEFAULT_LOAD_LIMITS.maxInFlight, 0, 1_000_000),
      maxEventLoopDelayMs: integer(
        'LEASEHOLD_MAX_EVENT_LOOP_DELAY_MS',
        env['LEASEHOLD_MAX_EVENT_LOOP_DELAY_MS'],
        DEFAULT_LOAD_LIMITS.maxEventLoopDelayMs,
        0,
        600_000,
      ),
    },
    pgStatementTimeoutMs: integer('LEASEHOLD_PG_STATEMENT_TIMEOUT_MS', env['LEASEHOLD_PG_STATEMENT_TIMEOUT_MS'], 30_000, 0, 3_600_000),
    storage: parseStorage(env),
  };
}
