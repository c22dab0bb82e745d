import type { Capability } from '../../platform/capability.js';
import { managementAuth } from './routes/auth.js';
import { actorRoutes } from './routes/actors.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { sessionRoutes } from './routes/session.js';
import { staffUserRoutes } from './routes/staff-users.js';

/** Accounts, API keys, console users and their sessions: who may do what. */
export const access: Capability = {
  name: 'access',
  auth: [managementAuth],
  tags: [{ name: 'access', description: 'API keys, console users and signing keys' }],
  routes: (app, services) => {
    actorRoutes(app, services);
    apiKeyRoutes(app, services);
    sessionRoutes(app, services);
    staffUserRoutes(app, services);
  },
};
