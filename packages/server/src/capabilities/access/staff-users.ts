import type { FirstUserSetup, StaffUserCreate, StaffUserUpdate } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import { DomainError, notFound } from '../../platform/domain/errors.js';
import type { Page, PageRequest } from '../../platform/domain/model.js';
import { recordEvent } from '../events/record.js';
import { hashPassword } from '../../secrets/passwords.js';
import type { Store } from '../../platform/domain/ports.js';
import type { Clock } from '../../foundation/clock.js';
import type { IdGenerator } from '../../foundation/ids.js';
import type { MasterKey } from '../../secrets/master-key.js';

/** A person who signs in to the console, with one of the API keys' roles. */
import type { StaffUserRecord } from '../../platform/domain/model.js';
export type { StaffUserRecord };

/** Emails are compared case-insensitively: they are stored trimmed and lower-cased. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

// Events carry who and what, never the password hash.
const visible = (u: StaffUserRecord) => ({ id: u.id, email: u.email, name: u.name, role: u.role });

export function listStaffUsers(ctx: Context, page: PageRequest): Promise<Page<StaffUserRecord>> {
  return ctx.store.read((tx) => tx.staffUsers.list(page));
}

export async function createStaffUser(ctx: Context, input: StaffUserCreate): Promise<StaffUserRecord> {
  const passwordHash = await hashPassword(input.password);
  return ctx.store.write(async (tx) => {
    const now = ctx.clock.now();
    const user: StaffUserRecord = {
      id: ctx.ids.next('staffUser'),
      accountId: ctx.store.scope.accountId,
      email: normalizeEmail(input.email),
      name: input.name,
      role: input.role,
      createdAt: now,
      updatedAt: now,
      lastSignInAt: null,
    };
    await tx.staffUsers.insert(user, passwordHash);
    await recordEvent(tx, ctx, { type: 'staff_user.created', subjectType: 'staff_user', subjectId: user.id, after: visible(user) });
    return user;
  });
}

/** Changes name, role or password. The last admin cannot lose the role: the console would have no one to manage it. */
export async function updateStaffUser(ctx: Context, id: string, input: StaffUserUpdate): Promise<StaffUserRecord> {
  const passwordHash = input.password ? await hashPassword(input.password) : null;
  return ctx.store.write(async (tx) => {
    const before = await tx.staffUsers.find(id);
    if (!before) throw notFound('staff user', id);
    if (before.role === 'admin' && input.role && input.role !== 'admin' && (await tx.staffUsers.countAdmins()) <= 1) {
      throw new DomainError('INVALID_STATE', 'This is the last admin user; make another user an admin first.', { field: 'role' });
    }
    const after: StaffUserRecord = {
      ...before,
      name: input.name ?? before.name,
      role: input.role ?? before.role,
      updatedAt: ctx.clock.now(),
    };
    await tx.staffUsers.update(after, passwordHash);
    await recordEvent(tx, ctx, {
      type: 'staff_user.updated',
      subjectType: 'staff_user',
      subjectId: id,
      before: { ...visible(before), password: null },
      after: { ...visible(after), password: passwordHash ? 'changed' : null },
    });
    return after;
  });
}

export function removeStaffUser(ctx: Context, id: string): Promise<void> {
  return ctx.store.write(async (tx) => {
    const user = await tx.staffUsers.find(id);
    if (!user) throw notFound('staff user', id);
    if (user.role === 'admin' && (await tx.staffUsers.countAdmins()) <= 1) {
      throw new DomainError('INVALID_STATE', 'This is the last admin user; make another user an admin first.');
    }
    await tx.staffUsers.disable(id, ctx.clock.now());
    await recordEvent(tx, ctx, { type: 'staff_user.removed', subjectType: 'staff_user', subjectId: id, before: visible(user) });
  });
}

/**
 * The first staff user of an empty server becomes an admin of its first account. Only while no
 * staff user exists, and only once even when two requests race (the setting is claimed first).
 */
export async function setupFirstUser(
  deps: { store: Store; clock: Clock; ids: IdGenerator; secrets: MasterKey },
  input: FirstUserSetup,
  requestId: string | null,
): Promise<StaffUserRecord> {
  const staff = deps.store.staff;
  const accountId = await staff.firstAccountId();
  if ((await staff.userCount()) > 0 || !accountId) {
    throw new DomainError('INVALID_STATE', 'This server has staff users already; ask an admin for an account.');
  }
  if (!(await deps.store.claimSetting('first_staff_user', new Date(deps.clock.now()).toISOString()))) {
    throw new DomainError('INVALID_STATE', 'This server has staff users already; ask an admin for an account.');
  }
  const userId = deps.ids.next('staffUser');
  const ctx: Context = {
    ...deps,
    store: deps.store.forAccount({ accountId, productId: null }),
    actor: { type: 'user', id: userId },
    requestId,
  };
  const passwordHash = await hashPassword(input.password);
  return ctx.store.write(async (tx) => {
    const now = deps.clock.now();
    const user: StaffUserRecord = {
      id: userId,
      accountId,
      email: normalizeEmail(input.email),
      name: input.name,
      role: 'admin',
      createdAt: now,
      updatedAt: now,
      lastSignInAt: null,
    };
    await tx.staffUsers.insert(user, passwordHash);
    await recordEvent(tx, ctx, { type: 'staff_user.created', subjectType: 'staff_user', subjectId: user.id, after: visible(user) });
    return user;
  });
}
