import type { Capability } from '../../platform/capability.js';
import { managementAuth } from '../access/routes/auth.js';
import { keyGeneratorRoutes } from './routes/key-generators.js';
import { KeyGeneratorRepository } from './store/key-generators.js';
import { keyGeneratorsMigration } from './store/tables.js';

/** How license keys are made: random, pattern, signed, imported or remote, per product or offering. */
export const keys = {
  name: 'keys',
  repositories: (ctx) => ({ keyGenerators: new KeyGeneratorRepository(ctx) }),
  migrations: { '0026_key_generators': keyGeneratorsMigration },
  auth: [managementAuth],
  tags: [{ name: 'key generators', description: 'How license keys are made, per product or offering' }],
  routes: keyGeneratorRoutes,
} satisfies Capability;
