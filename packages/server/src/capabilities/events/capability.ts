import type { Capability } from '../../platform/capability.js';
import { managementAuth } from '../access/routes/auth.js';
import { eventRoutes } from './routes/events.js';
import { EventRepository } from './store/events.js';
// Its tables join the one DB type wherever the capability is compiled, whichever repositories a program reaches.
import type {} from './store/tables.js';

/** The audit log: every change and every significant client action, as events. */
export const events = {
  name: 'events',
  repositories: (ctx) => ({ events: new EventRepository(ctx) }),
  auth: [managementAuth],
  tags: [{ name: 'events', description: 'The audit log' }],
  routes: eventRoutes,
} satisfies Capability;
