import type { Capability } from '../../platform/capability.js';
import { netlicensingRoutes } from './routes/routes.js';
import { NetLicensingRepository } from './store/netlicensing.js';
// Its tables join the one DB type wherever the face is compiled.
import type {} from './store/netlicensing-schema.js';

/** The NetLicensing-compatible API at /core/v2/rest: a face over the core, hidden from the reference. */
export const netlicensing = {
  name: 'netlicensing',
  repositories: (ctx) => ({ netlicensing: new NetLicensingRepository(ctx) }),
  routes: netlicensingRoutes,
} satisfies Capability;
