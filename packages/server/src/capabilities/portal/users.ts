import type { PortalUserCreate, PortalUserUpdate } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import { DomainError, notFound } from '../../platform/domain/errors.js';
import type { Page, PageRequest } from '../../platform/domain/model.js';
import { recordEvent } from '../events/record.js';
import { requireCustomer } from '../customers/customers.js';
import { normalizeEmail } from '../access/staff-users.js';
import type { Tx } from '../../platform/domain/ports.js';
import type { MailPort } from './ports.js';
import type { PortalUserRecord } from './records.js';
import { linkUrl, newLink } from './links.js';
import { ENGLISH } from './messages.js';
import type { PortalSettings } from './settings.js';

/** What sending a link needs besides the store: the settings, the mail (null: none configured) and where links start. */
export interface LinkDeps {
  settings: PortalSettings;
  mail: MailPort | null;
  /** The start of every link: LEASEHOLD_PUBLIC_URL, or the origin the request came to. */
  base: string;
  /** Where a mail that could not be sent is reported (it is never retried: the sender can ask again). */
  onMailError: (error: unknown) => void;
}

export interface Invitation {
  user: PortalUserRecord;
  /** The link, for the sender to pass on; null when it was emailed. */
  url: string | null;
  emailed: boolean;
  expiresAt: number;
}

// Events carry who and what, never a password hash or a link.
const visible = (u: PortalUserRecord) => ({ id: u.id, customerId: u.customerId, email: u.email, name: u.name, role: u.role });

export async function requirePortalUser(tx: Tx, id: string, customerId?: string): Promise<PortalUserRecord> {
  const user = await tx.portalUsers.find(id);
  // Another customer's user is as unknown as a made-up id: nothing tells them apart.
  if (!user || (customerId !== undefined && user.customerId !== customerId)) throw notFound('portal user', id);
  return user;
}

export function listPortalUsers(ctx: Context, customerRef: string, page: PageRequest): Promise<Page<PortalUserRecord>> {
  return ctx.store.read(async (tx) => tx.portalUsers.listOfCustomer((await requireCustomer(tx, customerRef)).id, page));
}

export function getPortalUser(ctx: Context, id: string, customerId?: string): Promise<PortalUserRecord> {
  return ctx.store.read((tx) => requirePortalUser(tx, id, customerId));
}

/**
 * Invites a person of a customer: a user in state `invited` and a single-use, expiring link. The
 * link is emailed when SMTP is configured, else handed to the sender to pass on.
 */
export async function invitePortalUser(ctx: Context, deps: LinkDeps, customerRef: string, input: PortalUserCreate): Promise<Invitation> {
  const { user, token, expiresAt, vendor, customer } = await ctx.store.write(async (tx) => {
    const customer = await requireCustomer(tx, customerRef);
    const now = ctx.clock.now();
    const user: PortalUserRecord = {
      id: ctx.ids.next('portalUser'),
      accountId: ctx.store.scope.accountId,
      customerId: customer.id,
      email: normalizeEmail(input.email),
      name: input.name,
      role: input.role,
      invitedAt: now,
      joinedAt: null,
      lastSignInAt: null,
      disabledAt: null,
      updatedAt: now,
    };
    await tx.portalUsers.insert(user);
    const link = await issueInvitation(tx, ctx, deps, user, 'portal_user.invited');
    return { user, ...link, customer, vendor: await tx.portalUsers.accountName() };
  });
  return deliverInvitation(deps, { user, token, expiresAt, vendor, customer: customer.name });
}

/** A new invitation link for a user who is not disabled (one who lost the first, or their password); the earlier link stops working. */
export async function reinvitePortalUser(ctx: Context, deps: LinkDeps, id: string, customerId?: string): Promise<Invitation> {
  const out = await ctx.store.write(async (tx) => {
    const user = await requirePortalUser(tx, id, customerId);
    if (user.disabledAt !== null) throw new DomainError('INVALID_STATE', 'This portal user is disabled; invite the address anew.');
    const customer = await requireCustomer(tx, user.customerId);
    const link = await issueInvitation(tx, ctx, deps, user, 'portal_user.invited');
    return { user, ...link, customer: customer.name, vendor: await tx.portalUsers.accountName() };
  });
  return deliverInvitation(deps, out);
}

async function issueInvitation(tx: Tx, ctx: Context, deps: LinkDeps, user: PortalUserRecord, type: 'portal_user.invited') {
  const { token, record } = newLink(user, 'invitation', ctx.clock.now(), deps.settings.invitationMs);
  await tx.portalUsers.issueLink(record);
  await recordEvent(tx, ctx, {
    type,
    subjectType: 'portal_user',
    subjectId: user.id,
    customerId: user.customerId,
    after: visible(user),
    context: { expiresAt: new Date(record.expiresAt).toISOString(), emailed: deps.mail !== null },
  });
  return { token, expiresAt: record.expiresAt };
}

async function deliverInvitation(
  deps: LinkDeps,
  p: { user: PortalUserRecord; token: string; expiresAt: number; vendor: string; customer: string },
): Promise<Invitation> {
  const url = linkUrl(deps.base, 'invitation', p.token);
  if (!deps.mail) return { user: p.user, url, emailed: false, expiresAt: p.expiresAt };
  try {
    await deps.mail.send({
      to: p.user.email,
      subject: ENGLISH.invitationSubject(p.vendor),
      text: ENGLISH.invitationText({
        name: p.user.name,
        vendor: p.vendor,
        customer: p.customer,
        url,
        hours: Math.round(deps.settings.invitationMs / 3_600_000),
      }),
    });
    return { user: p.user, url: null, emailed: true, expiresAt: p.expiresAt };
  } catch (error) {
    // The invitation stands; the sender is handed the link to pass on instead.
    deps.onMailError(error);
    return { user: p.user, url, emailed: false, expiresAt: p.expiresAt };
  }
}

export function updatePortalUser(ctx: Context, id: string, input: PortalUserUpdate, customerId?: string): Promise<PortalUserRecord> {
  return ctx.store.write(async (tx) => {
    const before = await requirePortalUser(tx, id, customerId);
    if (before.disabledAt !== null) throw new DomainError('INVALID_STATE', 'This portal user is disabled.');
    const after: PortalUserRecord = {
      ...before,
      name: input.name ?? before.name,
      role: input.role ?? before.role,
      updatedAt: ctx.clock.now(),
    };
    await tx.portalUsers.update(after);
    await recordEvent(tx, ctx, {
      type: 'portal_user.updated',
      subjectType: 'portal_user',
      subjectId: id,
      customerId: before.customerId,
      before: visible(before),
      after: visible(after),
    });
    return after;
  });
}

/** Disables the user: their sessions end, their links stop working, and the address may be invited anew. Repeating it changes nothing. */
export function disablePortalUser(ctx: Context, id: string, customerId?: string): Promise<PortalUserRecord> {
  return ctx.store.write(async (tx) => {
    const user = await requirePortalUser(tx, id, customerId);
    if (user.disabledAt !== null) return user;
    const now = ctx.clock.now();
    await tx.portalUsers.disable(id, now);
    await recordEvent(tx, ctx, {
      type: 'portal_user.disabled',
      subjectType: 'portal_user',
      subjectId: id,
      customerId: user.customerId,
      before: visible(user),
    });
    return (await tx.portalUsers.find(id))!;
  });
}
