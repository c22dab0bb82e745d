import type { Capability } from '../../platform/capability.js';
import { netlicensingRoutes } from './routes/routes.js';

/** The NetLicensing-compatible API at /core/v2/rest: a face over the core, hidden from the reference. */
export const netlicensing: Capability = {
  name: 'netlicensing',
  routes: netlicensingRoutes,
};
