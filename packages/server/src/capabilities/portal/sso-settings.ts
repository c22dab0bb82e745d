/** The portal SSO's one setting, read from the environment when used (README's configuration table lists it). */
export interface PortalSsoSettings {
  /** LEASEHOLD_PORTAL_SSO_ALLOW_HTTP=true: an issuer may be plain http on a private or loopback address. */
  allowHttp: boolean;
}

export function portalSsoSettings(env: NodeJS.ProcessEnv = process.env): PortalSsoSettings {
  return { allowHttp: env['LEASEHOLD_PORTAL_SSO_ALLOW_HTTP'] === 'true' };
}

export const PORTAL_SSO_SETTINGS_TABLE = [
  {
    name: 'LEASEHOLD_PORTAL_SSO_ALLOW_HTTP',
    default: 'false',
    meaning:
      "true lets a portal SSO connection's issuer be plain http and on a loopback or private address (development, tests, a provider inside your own network); otherwise only https to public addresses",
  },
];
