/**
 * The portal's settings, read from the environment when used (README's configuration table lists
 * them with the server's other settings).
 */
export interface PortalSettings {
  /** LEASEHOLD_SMTP_URL: where invitation and sign-in emails go out (`smtp://…`, `smtps://…`); null sends none. */
  smtpUrl: string | null;
  /** LEASEHOLD_MAIL_FROM: the sender of those emails. */
  mailFrom: string;
  /** LEASEHOLD_PUBLIC_URL: the start of every link the portal hands out or mails. */
  publicUrl: string | null;
  /** LEASEHOLD_PORTAL_INVITATION_HOURS: how long an invitation link stays valid. */
  invitationMs: number;
  /** LEASEHOLD_PORTAL_LINK_MINUTES: how long an emailed sign-in link stays valid. */
  signInLinkMs: number;
}

function whole(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(text)}`);
  return n;
}

export function portalSettings(env: NodeJS.ProcessEnv = process.env): PortalSettings {
  const smtpUrl = env['LEASEHOLD_SMTP_URL'] || null;
  if (smtpUrl !== null && !/^smtps?:\/\/[^\s]+$/.test(smtpUrl)) {
    throw new Error('LEASEHOLD_SMTP_URL must be an smtp:// or smtps:// URL');
  }
  const publicUrl = env['LEASEHOLD_PUBLIC_URL']?.replace(/\/+$/, '') || null;
  // A link in an email must name the server itself: built from a request's Host header, anyone
  // asking for a sign-in link could have it point at their own site.
  if (smtpUrl !== null && publicUrl === null) {
    throw new Error('LEASEHOLD_SMTP_URL needs LEASEHOLD_PUBLIC_URL: the links the portal emails must name this server');
  }
  return {
    smtpUrl,
    mailFrom: env['LEASEHOLD_MAIL_FROM'] || 'Leasehold <no-reply@localhost>',
    publicUrl,
    invitationMs: whole(env, 'LEASEHOLD_PORTAL_INVITATION_HOURS', 72, 1, 24 * 30) * 3_600_000,
    signInLinkMs: whole(env, 'LEASEHOLD_PORTAL_LINK_MINUTES', 15, 1, 24 * 60) * 60_000,
  };
}

export const PORTAL_SETTINGS_TABLE = [
  {
    name: 'LEASEHOLD_SMTP_URL',
    default: '(unset)',
    meaning:
      'smtp:// or smtps:// URL (with user and password if needed) the customer portal sends invitations and sign-in links through; unset, invitation links are returned to staff and sign-in links are not available (needs LEASEHOLD_PUBLIC_URL)',
  },
  { name: 'LEASEHOLD_MAIL_FROM', default: 'Leasehold <no-reply@localhost>', meaning: "The sender of the portal's emails" },
  { name: 'LEASEHOLD_PORTAL_INVITATION_HOURS', default: '72', meaning: 'How long a portal invitation link stays valid, in hours' },
  { name: 'LEASEHOLD_PORTAL_LINK_MINUTES', default: '15', meaning: 'How long an emailed portal sign-in link stays valid, in minutes' },
];
