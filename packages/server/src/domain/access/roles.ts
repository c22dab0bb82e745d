import type { Role } from '@leasehold/contract';

/** What a caller may do. Routes name the permission they need; roles grant sets of them. */
export type Permission =
  | 'catalog:read'
  | 'catalog:write'
  | 'customers:read'
  | 'customers:write'
  | 'entitlements:read'
  | 'entitlements:write'
  | 'events:read'
  | 'keys:manage';

const READ: Permission[] = ['catalog:read', 'customers:read', 'entitlements:read', 'events:read'];

export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  admin: new Set<Permission>([...READ, 'catalog:write', 'customers:write', 'entitlements:write', 'keys:manage']),
  support: new Set<Permission>([...READ, 'customers:write', 'entitlements:write']),
  readonly: new Set<Permission>(READ),
};

export function can(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}
