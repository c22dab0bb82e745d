import type { Capability } from '../../platform/capability.js';
import { managementAuth } from '../access/routes/auth.js';
import { eventRoutes } from './routes/events.js';
import { EventRepository } from './store/events.js';

/** The audit log: every change and every significant client action, as events. */
export const events = {
  name: 'events',
  repositories: (ctx) => ({ events: new EventRepository(ctx) }),
  auth: [managementAuth],
  tags: [{ name: 'events', description: 'The audit log' }],
  routes: eventRoutes,
} satisfies Capability;
