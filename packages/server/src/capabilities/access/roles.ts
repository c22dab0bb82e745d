import type { Role } from '@leasehold/contract';

/**
 * What a caller may do: the one authorization table. Every management route names the permission
 * it needs; a role grants a set of them, and each permission says how far it reaches:
 *
 * - `product`: the work can be limited to one product, and the store filters it (entitlements,
 *   activations, usage, migrations and events of that product; the product's own features and
 *   offerings). A key limited to one product may use it.
 * - `account`: the work concerns the whole account (products as a set, API keys, console users,
 *   signing keys), so a key limited to one product may never use it, whatever its role. Anything
 *   that mints credentials is here: a scoped key that could create a console user or another key
 *   would escape its scope.
 *
 * Customers are account-wide contact records that every product's entitlements point at; a scoped
 * key reads and writes them (it must name a customer to create an entitlement), which is why
 * `customers:*` reaches `product`.
 */
export const PERMISSIONS = {
  'catalog:read': 'product',
  'catalog:write': 'product',
  'products:create': 'account',
  'customers:read': 'product',
  'customers:write': 'product',
  'entitlements:read': 'product',
  'entitlements:write': 'product',
  'events:read': 'product',
  'keys:manage': 'account',
  'integrations:manage': 'account',
  // Partner codes are account-wide: a code sold by a partner is not yet any product's entitlement.
  'partners:read': 'account',
  'partners:write': 'account',
  /** Webhook endpoints receive every event of the account and hold signing secrets. */
  'webhooks:manage': 'account',
  // Erasing personal data cannot be undone and reaches every product's records.
  'customers:erase': 'account',
  // A portal user sees every entitlement of their customer, whatever the product: inviting one from a
  // product-limited key would reach past its product.
  'portal-users:read': 'account',
  'portal-users:write': 'account',
  /** The portal's branding and custom domain: how every customer of the vendor sees it. */
  'portal-branding:manage': 'account',
  /** Reports read the reporting store; a product-limited key sees its product's figures only. */
  'reports:read': 'product',
  /** Saved reports: a product-limited key saves, sees and changes its product's only. */
  'reports:write': 'product',
  // Portal SSO connections admit people to customers' portals and hold a client secret: the account's admins set them up.
  'portal-sso:read': 'account',
  'portal-sso:write': 'account',
} as const satisfies Record<string, 'product' | 'account'>;

export type Permission = keyof typeof PERMISSIONS;

const READ: Permission[] = ['catalog:read', 'customers:read', 'entitlements:read', 'events:read', 'partners:read', 'reports:read'];

export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  admin: new Set<Permission>([
    ...READ,
    'catalog:write',
    'products:create',
    'customers:write',
    'entitlements:write',
    'keys:manage',
    'integrations:manage',
    'partners:write',
    'webhooks:manage',
    'customers:erase',
    'portal-users:read',
    'portal-users:write',
    'portal-branding:manage',
    'reports:write',
    'portal-sso:read',
    'portal-sso:write',
  ]),
  support: new Set<Permission>([
    ...READ,
    'customers:write',
    'entitlements:write',
    'portal-users:read',
    'portal-users:write',
    'reports:write',
    'portal-sso:read',
  ]),
  readonly: new Set<Permission>([...READ, 'portal-users:read', 'portal-sso:read']),
};

/** Who is asking: a role, and the one product a key is limited to (null: the whole account). */
export interface Grant {
  role: Role;
  productId: string | null;
}

export type Refusal = 'role' | 'scope';

/** Why `grant` may not use `permission`, or null when it may. */
export function refusalOf(grant: Grant, permission: Permission): Refusal | null {
  if (!ROLE_PERMISSIONS[grant.role].has(permission)) return 'role';
  if (grant.productId !== null && PERMISSIONS[permission] === 'account') return 'scope';
  return null;
}

export function can(role: Role, permission: Permission): boolean {
  return refusalOf({ role, productId: null }, permission) === null;
}
