import type { Capability } from '../../platform/capability.js';
import { managementAuth } from '../access/routes/auth.js';
import { erasureRoutes } from './routes/erase.js';
import { ErasureRepository } from './store/erasure.js';

/** Erasure of a customer's personal data on request (GDPR), keeping the records' shape. */
export const erasure = {
  name: 'erasure',
  repositories: (ctx) => ({ erasure: new ErasureRepository(ctx) }),
  auth: [managementAuth],
  routes: erasureRoutes,
} satisfies Capability;
