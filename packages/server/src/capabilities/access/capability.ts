import type { Capability } from '../../platform/capability.js';
import { managementAuth } from './routes/auth.js';
import { actorRoutes } from './routes/actors.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { sessionRoutes } from './routes/session.js';
import { staffUserRoutes } from './routes/staff-users.js';
import { AccountRepository } from './store/accounts.js';
import { ApiKeyRepository } from './store/api-keys.js';
import { StaffUserRepository } from './store/staff-users.js';
// Its tables join the one DB type wherever the capability is compiled, whichever repositories a program reaches.
import type {} from './store/tables.js';

/** Accounts, API keys, console users and their sessions: who may do what. */
export const access = {
  name: 'access',
  repositories: (ctx) => ({
    account: new AccountRepository(ctx),
    apiKeys: new ApiKeyRepository(ctx),
    staffUsers: new StaffUserRepository(ctx),
  }),
  auth: [managementAuth],
  tags: [{ name: 'access', description: 'API keys, console users and signing keys' }],
  routes: (app, services) => {
    actorRoutes(app, services);
    apiKeyRoutes(app, services);
    sessionRoutes(app, services);
    staffUserRoutes(app, services);
  },
} satisfies Capability;
