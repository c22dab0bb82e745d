import type { Capability } from '../../platform/capability.js';
import { managementAuth } from '../access/routes/auth.js';
import { customerRoutes } from './routes/customers.js';
import { CustomerRepository } from './store/customers.js';
// Its tables join the one DB type wherever the capability is compiled, whichever repositories a program reaches.
import type {} from './store/tables.js';

/** The licensees: organisations or people who buy. */
export const customers = {
  name: 'customers',
  repositories: (ctx) => ({ customers: new CustomerRepository(ctx) }),
  auth: [managementAuth],
  tags: [{ name: 'customers', description: 'The vendor’s customers, who hold entitlements' }],
  routes: customerRoutes,
} satisfies Capability;
