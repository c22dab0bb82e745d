import type { Capability } from './platform/capability.js';
import { access } from './capabilities/access/capability.js';
import { catalog } from './capabilities/catalog/capability.js';
import { customers } from './capabilities/customers/capability.js';
import { entitlements } from './capabilities/entitlements/capability.js';
import { events } from './capabilities/events/capability.js';
import { licensing } from './capabilities/licensing/capability.js';
import { migrations } from './capabilities/migrations/capability.js';
import { usage } from './capabilities/usage/capability.js';
import { netlicensing } from './faces/netlicensing/capability.js';

/**
 * Every capability and face the server has, in the order the API reference lists their tags. A new
 * capability is a folder beside these (its routes/, store/ and rules) and one line here.
 */
export const CAPABILITIES: readonly Capability[] = [
  catalog,
  customers,
  entitlements,
  events,
  migrations,
  usage,
  licensing,
  access,
  netlicensing,
];
