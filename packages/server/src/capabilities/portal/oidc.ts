/**
 * OpenID Connect through `openid-client`: discovery from the issuer, the authorization request
 * with PKCE (S256), state and nonce, and the code exchange whose ID token the library validates
 * (signature against the provider's JWKS, issuer, audience, expiry, nonce). Nothing here decides who
 * may sign in: that is sso.ts, from the claims this returns.
 */
import * as client from 'openid-client';
import { DomainError } from '../../platform/domain/errors.js';

/** A connection as the library needs it (the secret opened). */
export interface OidcClientConfig {
  connectionId: string;
  /** Changes when the connection does, so a cached discovery is not used for its new settings. */
  version: number;
  issuer: string;
  clientId: string;
  clientSecret: string;
}

/** What the ID token (or, for what it leaves out, the UserInfo endpoint) says about the person. */
export interface OidcIdentity {
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
}

export interface OidcPort {
  authorizationUrl(
    c: OidcClientConfig,
    p: { redirectUri: string; state: string; nonce: string; codeVerifier: string; loginHint: string | null },
  ): Promise<string>;
  /** Exchanges the code the provider sent to `callbackUrl`; refuses (SSO_REJECTED) what does not verify. */
  exchange(c: OidcClientConfig, p: { callbackUrl: URL; state: string; nonce: string; codeVerifier: string }): Promise<OidcIdentity>;
}

const TIMEOUT_MS = 10_000;
const DISCOVERY_TTL_MS = 10 * 60_000;

const unavailable = (issuer: string, error: unknown) =>
  new DomainError('SSO_UNAVAILABLE', 'The sign-in provider could not be reached or did not answer as OpenID Connect requires.', {
    issuer,
    reason: error instanceof Error ? error.message.slice(0, 200) : String(error).slice(0, 200),
  });

const rejected = (reason: string) =>
  new DomainError('SSO_REJECTED', 'The sign-in provider did not confirm this sign-in.', { reason: reason.slice(0, 200) });

/** Network failures (and the provider's 5xx) are the provider's unavailability; anything else is a refusal. */
function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return true;
  if (error instanceof TypeError && /fetch failed/i.test(error.message)) return true;
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' && status >= 500;
}

/**
 * The openid-client adapter. `allowHttp` (LEASEHOLD_PORTAL_SSO_ALLOW_HTTP) lets an issuer be plain
 * http, for development and tests; discoveries are kept for ten minutes per connection version.
 */
export function openidClient(options: { allowHttp: boolean; now?: () => number }): OidcPort {
  const now = options.now ?? Date.now;
  const cache = new Map<string, { version: number; at: number; config: Promise<client.Configuration> }>();
  const fetchWithTimeout: client.CustomFetch = (url, init) => fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });

  const configOf = (c: OidcClientConfig): Promise<client.Configuration> => {
    const hit = cache.get(c.connectionId);
    if (hit && hit.version === c.version && now() - hit.at < DISCOVERY_TTL_MS) return hit.config;
    const config = client
      .discovery(new URL(c.issuer), c.clientId, c.clientSecret, client.ClientSecretPost(c.clientSecret), {
        [client.customFetch]: fetchWithTimeout,
        ...(options.allowHttp ? { execute: [client.allowInsecureRequests] } : {}),
      })
      .then((found) => {
        found[client.customFetch] = fetchWithTimeout;
        return found;
      });
    cache.set(c.connectionId, { version: c.version, at: now(), config });
    // A failed discovery is not kept: the next sign-in asks again.
    config.catch(() => cache.delete(c.connectionId));
    return config;
  };

  const discovered = async (c: OidcClientConfig) => {
    try {
      return await configOf(c);
    } catch (error) {
      throw unavailable(c.issuer, error);
    }
  };

  return {
    async authorizationUrl(c, p) {
      const config = await discovered(c);
      const params: Record<string, string> = {
        redirect_uri: p.redirectUri,
        scope: 'openid email profile',
        response_type: 'code',
        state: p.state,
        nonce: p.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(p.codeVerifier),
        code_challenge_method: 'S256',
      };
      if (p.loginHint) params['login_hint'] = p.loginHint;
      return client.buildAuthorizationUrl(config, params).href;
    },

    async exchange(c, p) {
      const config = await discovered(c);
      try {
        const tokens = await client.authorizationCodeGrant(config, p.callbackUrl, {
          pkceCodeVerifier: p.codeVerifier,
          expectedState: p.state,
          expectedNonce: p.nonce,
          idTokenExpected: true,
        });
        const claims = tokens.claims();
        if (!claims) throw rejected('no ID token');
        let info: Record<string, unknown> = claims;
        // Providers that keep scope claims out of the ID token give them at UserInfo, for the same subject.
        if (typeof claims['email'] !== 'string' && config.serverMetadata().userinfo_endpoint) {
          info = { ...(await client.fetchUserInfo(config, tokens.access_token, claims.sub)), sub: claims.sub };
        }
        return {
          subject: claims.sub,
          email: typeof info['email'] === 'string' ? info['email'] : null,
          emailVerified: info['email_verified'] === true || info['email_verified'] === 'true',
          name: typeof info['name'] === 'string' ? info['name'] : null,
        };
      } catch (error) {
        if (error instanceof DomainError) throw error;
        if (isUnavailable(error)) throw unavailable(c.issuer, error);
        const e = error as { error?: unknown; code?: unknown; message?: unknown };
        throw rejected(String(e.error ?? e.code ?? e.message ?? 'refused'));
      }
    },
  };
}
