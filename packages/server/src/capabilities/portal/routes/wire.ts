import type { FastifyRequest } from 'fastify';
import type { PortalDevice, PortalEntitlement, PortalInvitationOut, PortalSession, PortalUser } from '@leasehold/contract';
import { iso, isoOrNull } from '../../../platform/http/wire.js';
import type { ActivationRecord, EventRecord } from '../../../platform/domain/model.js';
import type { Services } from '../../../platform/http/services.js';
import { csrfTokenOf } from '../../access/sessions.js';
import { portalUserState, type PortalUserRecord } from '../records.js';
import type { PortalEntitlementView } from '../self-service.js';
import type { PortalSignedIn } from '../sign-in.js';
import type { Invitation, LinkDeps } from '../users.js';
import { portalSettings, type PortalSettings } from '../settings.js';
import { smtpMailer } from '../mailer.js';
import type { MailPort } from '../ports.js';

export const portalUserOut = (u: PortalUserRecord): PortalUser => ({
  id: u.id,
  customerId: u.customerId,
  email: u.email,
  name: u.name,
  role: u.role,
  state: portalUserState(u),
  invitedAt: iso(u.invitedAt),
  joinedAt: isoOrNull(u.joinedAt),
  lastSignInAt: isoOrNull(u.lastSignInAt),
  disabledAt: isoOrNull(u.disabledAt),
});

export const invitationOut = (i: Invitation): PortalInvitationOut => ({
  portalUser: portalUserOut(i.user),
  invitationUrl: i.url,
  emailed: i.emailed,
  expiresAt: iso(i.expiresAt),
});

export const portalSessionOut = (s: Pick<PortalSignedIn, 'token' | 'session' | 'user'>, customerName: string): PortalSession => ({
  user: portalUserOut(s.user),
  customer: { id: s.user.customerId, name: customerName },
  csrfToken: csrfTokenOf(s.token),
  expiresAt: iso(s.session.expiresAt),
});

export const portalEntitlementOut = (v: PortalEntitlementView): PortalEntitlement => ({
  id: v.record.id,
  product: v.product,
  offering: v.offering,
  orderRef: v.record.orderRef,
  state: v.record.state,
  effective: {
    ...v.effective,
    startsAt: iso(v.effective.startsAt),
    endsAt: isoOrNull(v.effective.endsAt),
    maintenanceUntil: isoOrNull(v.effective.maintenanceUntil),
  },
  seats: { bought: v.effective.seats, used: v.seatsUsed },
  rehosts: { limit: v.effective.rehostLimit, period: v.rehostPeriod },
});

export const portalDeviceOut = (a: ActivationRecord): PortalDevice => ({
  id: a.id,
  entitlementId: a.entitlementId,
  name: a.name,
  hostname: a.hostname,
  platform: a.platform,
  version: a.version,
  user: a.user,
  seatKind: a.seatKind,
  state: a.state,
  activatedAt: iso(a.createdAt),
  lastSeenAt: iso(a.lastSeenAt),
  endedAt: isoOrNull(a.endedAt),
});

export const historyOut = (e: EventRecord) => ({
  id: e.id,
  type: e.type,
  subjectType: e.subjectType,
  subjectId: e.subjectId,
  entitlementId: e.entitlementId,
  actor: e.actor,
  at: iso(e.at),
});

/** One mailer per process (per Services: tests run several servers in one process), made from the settings at first use. */
const mailers = new WeakMap<Services, { settings: PortalSettings; mail: MailPort | null }>();

export function mailOf(services: Services): { settings: PortalSettings; mail: MailPort | null } {
  let m = mailers.get(services);
  if (!m) {
    const settings = portalSettings();
    m = { settings, mail: settings.smtpUrl ? smtpMailer(settings.smtpUrl, settings.mailFrom) : null };
    mailers.set(services, m);
  }
  return m;
}

/** Links start at LEASEHOLD_PUBLIC_URL, or (never for an email: see settings.ts) at the origin the request came to. */
export function linkDeps(services: Services, request: FastifyRequest): LinkDeps {
  const { settings, mail } = mailOf(services);
  const base = settings.publicUrl ?? `${request.protocol}://${request.host}`;
  return { settings, mail, base, onMailError: (error) => request.log.error({ err: error }, 'portal mail not sent') };
}
