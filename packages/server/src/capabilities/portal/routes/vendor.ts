import { IdParams, ListOf, ListQuery, PortalInvitationOut, PortalUser, PortalUserCreate, PortalUserUpdate } from '@leasehold/contract';
import { contextOf } from '../../access/routes/auth.js';
import { answers, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { pageOut } from '../../../platform/http/wire.js';
import { disablePortalUser, getPortalUser, invitePortalUser, listPortalUsers, reinvitePortalUser, updatePortalUser } from '../users.js';
import { invitationOut, linkDeps, portalUserOut } from './wire.js';

const tags = ['portal'];

/** Staff's side of the portal: a customer's portal users, their invitations, and disabling them. */
export function vendorRoutes(app: App, services: Services): void {
  app.post('/v1/customers/:id/portal-users', {
    config: { permission: 'portal-users:write' },
    schema: {
      tags,
      operationId: 'invitePortalUser',
      summary: "Invite a customer's person to the portal (admin of that customer, or member)",
      description:
        'Creates the portal user (state `invited`) and a single-use invitation link that expires (LEASEHOLD_PORTAL_INVITATION_HOURS). ' +
        'With LEASEHOLD_SMTP_URL set the link is emailed and `invitationUrl` is null; without, the answer carries the link to pass on. ' +
        "An email is unique among the customer's portal users that are not disabled (409 DUPLICATE_CODE).",
      params: IdParams,
      body: PortalUserCreate,
      response: answers(201, PortalInvitationOut, ['NOT_FOUND', 'DUPLICATE_CODE']),
    },
    handler: async (req, reply) => {
      const invitation = await invitePortalUser(contextOf(services, req), linkDeps(services, req), req.params.id, req.body);
      return reply.code(201).send(invitationOut(invitation));
    },
  });

  app.get('/v1/customers/:id/portal-users', {
    config: { permission: 'portal-users:read' },
    schema: {
      tags,
      operationId: 'listPortalUsers',
      summary: "A customer's portal users, with their state and last sign-in",
      description: "The customer's portal users (invited, active and disabled), newest first, a page at a time.",
      params: IdParams,
      querystring: ListQuery,
      response: answers(200, ListOf(PortalUser), ['NOT_FOUND']),
    },
    handler: async (req) =>
      pageOut(
        await listPortalUsers(contextOf(services, req), req.params.id, { limit: req.query.limit ?? 50, cursor: req.query.cursor }),
        portalUserOut,
      ),
  });

  app.get('/v1/portal-users/:id', {
    config: { permission: 'portal-users:read' },
    schema: {
      tags,
      operationId: 'getPortalUser',
      summary: 'Read a portal user',
      description: 'One portal user: customer, email, role, state, when invited, joined and last signed in.',
      params: IdParams,
      response: answers(200, PortalUser, ['NOT_FOUND']),
    },
    handler: async (req) => portalUserOut(await getPortalUser(contextOf(services, req), req.params.id)),
  });

  app.patch('/v1/portal-users/:id', {
    config: { permission: 'portal-users:write' },
    schema: {
      tags,
      operationId: 'updatePortalUser',
      summary: "Change a portal user's name or role",
      description: 'Changes the name or the role (`admin` or `member` of the customer). A disabled user is refused with INVALID_STATE.',
      params: IdParams,
      body: PortalUserUpdate,
      response: answers(200, PortalUser, ['NOT_FOUND', 'INVALID_STATE']),
    },
    handler: async (req) => portalUserOut(await updatePortalUser(contextOf(services, req), req.params.id, req.body)),
  });

  app.delete('/v1/portal-users/:id', {
    config: { permission: 'portal-users:write' },
    schema: {
      tags,
      operationId: 'disablePortalUser',
      summary: 'Disable a portal user: their sessions end and they cannot sign in',
      description:
        'Disables the user at once: their sessions end, their unused links stop working, and the email may be invited anew. The user stays in the list as `disabled`.',
      params: IdParams,
      response: answers(200, PortalUser, ['NOT_FOUND']),
    },
    handler: async (req) => portalUserOut(await disablePortalUser(contextOf(services, req), req.params.id)),
  });

  app.post('/v1/portal-users/:id/invitation', {
    config: { permission: 'portal-users:write' },
    schema: {
      tags,
      operationId: 'resendPortalInvitation',
      summary: 'Send a portal user a new invitation link (the earlier one stops working)',
      description:
        'A new single-use invitation link, emailed or returned as for a new user; accepting it sets a new password. Takes no body. A disabled user is refused with INVALID_STATE.',
      params: IdParams,
      response: answers(201, PortalInvitationOut, ['NOT_FOUND', 'INVALID_STATE']),
    },
    handler: async (req, reply) =>
      reply.code(201).send(invitationOut(await reinvitePortalUser(contextOf(services, req), linkDeps(services, req), req.params.id))),
  });
}
