import type { Migration } from 'kysely';
import type { Capability } from './platform/capability.js';
import type { Tx } from './platform/domain/ports.js';
import type { Repositories } from './platform/store/store.js';
import { access } from './capabilities/access/capability.js';
import { catalog } from './capabilities/catalog/capability.js';
import { customers } from './capabilities/customers/capability.js';
import { erasure } from './capabilities/erasure/capability.js';
import { entitlements } from './capabilities/entitlements/capability.js';
import { events } from './capabilities/events/capability.js';
import { licensing } from './capabilities/licensing/capability.js';
import { migrations } from './capabilities/migrations/capability.js';
import { usage } from './capabilities/usage/capability.js';
import { webhooks } from './capabilities/webhooks/capability.js';
import { releases } from './capabilities/releases/capability.js';
import { netlicensing } from './faces/netlicensing/capability.js';
import { integrations } from './capabilities/integrations/capability.js';
import { keys } from './capabilities/keys/capability.js';
import { partners } from './capabilities/partners/capability.js';
import { batches } from './capabilities/batches/capability.js';
import { imports } from './capabilities/imports/capability.js';
import { portal, portalUsers } from './capabilities/portal/capability.js';
import { reports } from './capabilities/reports/capability.js';

/**
 * Every capability and face the server has, in the order the API reference lists their tags. A new
 * capability is a folder beside these (its capability.ts, ports.ts, rules, routes/ and store/) and
 * one line here.
 */
const LIST = [
  catalog,
  customers,
  erasure,
  entitlements,
  events,
  migrations,
  usage,
  releases,
  licensing,
  access,
  webhooks,
  netlicensing,
  keys,
  partners,
  batches,
  integrations,
  imports,
  portalUsers,
  portal,
  reports,
] as const;

export const CAPABILITIES: readonly Capability[] = LIST;

/** What the capabilities' `repositories` build, together. */
type Built = UnionToIntersection<ReturnType<NonNullable<(typeof LIST)[number]['repositories']>>>;
type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
/** Fails to compile when a capability's ports.ts declares a repository on `Tx` that no capability builds. */
type Complete = Built extends Tx ? true : never;
const complete: Complete = true;

/** Every transaction's repositories, from all the capabilities. */
export const repositories: Repositories = (ctx) => {
  void complete;
  return Object.assign({}, ...CAPABILITIES.map((c) => c.repositories?.(ctx))) as Tx;
};

/** The capabilities' migrations, by name; a name two capabilities use stops the server from starting. */
export function capabilityMigrations(list: readonly Capability[] = CAPABILITIES): Record<string, Migration> {
  const all: Record<string, Migration> = {};
  for (const capability of list) {
    for (const [name, migration] of Object.entries(capability.migrations ?? {})) {
      if (all[name]) throw new Error(`migration ${name} is declared twice (capability ${capability.name})`);
      all[name] = migration;
    }
  }
  return all;
}
