import { ListOf, ListQuery, StaffUser, StaffUserCreate, StaffUserUpdate } from '@leasehold/contract';
import { Type } from 'typebox';
import { createStaffUser, listStaffUsers, removeStaffUser, updateStaffUser, type StaffUserRecord } from '../staff-users.js';
import { contextOf } from './auth.js';
import { answers, noContent, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { isoOrNull, iso, pageOut } from '../../../platform/http/wire.js';

const tags = ['access'];
const Params = Type.Object({ id: Type.String({ maxLength: 200 }) });

export const staffUserOut = (u: StaffUserRecord): StaffUser => ({
  id: u.id,
  email: u.email,
  name: u.name,
  role: u.role,
  createdAt: iso(u.createdAt),
  lastSignInAt: isoOrNull(u.lastSignInAt),
});

/** The people who sign in to the console. Managing them needs what managing API keys needs. */
export function staffUserRoutes(app: App, services: Services): void {
  app.get('/v1/staff-users', {
    config: { permission: 'keys:manage' },
    schema: {
      tags,
      operationId: 'listStaffUsers',
      summary: 'List console users',
      description: 'Console users of the account with their roles.',
      querystring: ListQuery,
      response: answers(200, ListOf(StaffUser), []),
    },
    handler: async (req) =>
      pageOut(await listStaffUsers(contextOf(services, req), { limit: req.query.limit ?? 50, cursor: req.query.cursor }), staffUserOut),
  });

  app.post('/v1/staff-users', {
    config: { permission: 'keys:manage' },
    schema: {
      tags,
      operationId: 'createStaffUser',
      summary: 'Create a console user with a role and a first password',
      description: 'Creates a console user with a role and a first password; the email is unique in the account.',
      body: StaffUserCreate,
      response: answers(201, StaffUser, ['DUPLICATE_CODE']),
    },
    handler: async (req, reply) => reply.code(201).send(staffUserOut(await createStaffUser(contextOf(services, req), req.body))),
  });

  app.patch('/v1/staff-users/:id', {
    config: { permission: 'keys:manage' },
    schema: {
      tags,
      operationId: 'updateStaffUser',
      summary: 'Change a console user’s name, role or password (ends their sessions)',
      description:
        "Changes name, role or password; a change of role or password ends the user's sessions. The last admin cannot be demoted (INVALID_STATE).",
      params: Params,
      body: StaffUserUpdate,
      response: answers(200, StaffUser, ['NOT_FOUND', 'INVALID_STATE']),
    },
    handler: async (req) => staffUserOut(await updateStaffUser(contextOf(services, req), req.params.id, req.body)),
  });

  app.delete('/v1/staff-users/:id', {
    config: { permission: 'keys:manage' },
    schema: {
      tags,
      operationId: 'deleteStaffUser',
      summary: 'Remove a console user and end their sessions',
      description: 'Removes the user and ends their sessions; the last admin cannot be removed (INVALID_STATE).',
      params: Params,
      response: noContent(['NOT_FOUND', 'INVALID_STATE']),
    },
    handler: async (req, reply) => {
      await removeStaffUser(contextOf(services, req), req.params.id);
      return reply.code(204).send();
    },
  });
}
