import { Type, type Static } from 'typebox';
import { ListQuery, Name, Timestamp } from '../common.js';
import { PortalRoleSchema } from './portal.js';

/** An email domain as people type it after the `@`: lower case, at least one dot, no wildcard. */
export const EmailDomain = Type.String({
  minLength: 3,
  maxLength: 253,
  pattern: '^(?=.{3,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$',
  description: 'An email domain, lower case (`acme.com`); a subdomain is a domain of its own',
});

/**
 * One allowed email domain of a connection, and for a connection of the whole account the customer
 * its people land in.
 */
export const PortalSsoDomain = Type.Object(
  {
    domain: EmailDomain,
    customerId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description:
          "Required on a connection of the whole account: the customer this domain's people land in. Left out on a customer's connection",
      }),
    ),
  },
  { additionalProperties: false },
);
export type PortalSsoDomain = Static<typeof PortalSsoDomain>;

const Issuer = Type.String({
  minLength: 8,
  maxLength: 500,
  pattern: '^https?://[^\\s]+$',
  description: "The provider's issuer URL; its /.well-known/openid-configuration is read from it",
});
const ClientId = Type.String({ minLength: 1, maxLength: 300 });
const ClientSecret = Type.String({
  minLength: 1,
  maxLength: 500,
  description: 'Kept sealed with the master key; never shown again, never written to an event or a log',
});
const Domains = Type.Array(PortalSsoDomain, { minItems: 1, maxItems: 100 });
const Provisioning = Type.Boolean({
  description:
    'true: someone the provider signs in with an allowed domain and no portal user yet becomes one (`defaultRole`); false: only invited users',
});

export const PortalSsoConnectionCreate = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 80, description: 'Shown on the portal\'s button: "Sign in with <name>"' }),
    issuer: Issuer,
    clientId: ClientId,
    clientSecret: ClientSecret,
    customerId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description:
          "A customer's own connection: everyone it signs in lands in this customer. Left out: a connection of the whole account, whose domains name their customers",
      }),
    ),
    domains: Domains,
    provisioning: Type.Optional(Provisioning),
    defaultRole: Type.Optional(PortalRoleSchema),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type PortalSsoConnectionCreate = Static<typeof PortalSsoConnectionCreate>;

export const PortalSsoConnectionUpdate = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })),
    issuer: Type.Optional(Issuer),
    clientId: Type.Optional(ClientId),
    clientSecret: Type.Optional(ClientSecret),
    domains: Type.Optional(Domains),
    provisioning: Type.Optional(Provisioning),
    defaultRole: Type.Optional(PortalRoleSchema),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PortalSsoConnectionUpdate = Static<typeof PortalSsoConnectionUpdate>;

/** A connection as staff see it: never its client secret. */
export const PortalSsoConnection = Type.Object(
  {
    id: Type.String(),
    name: Name,
    issuer: Type.String(),
    clientId: Type.String(),
    customerId: Type.Union([Type.String(), Type.Null()], {
      description: "The customer of a customer's own connection; null for the account's",
    }),
    domains: Type.Array(Type.Object({ domain: Type.String(), customerId: Type.String() })),
    provisioning: Type.Boolean(),
    defaultRole: PortalRoleSchema,
    enabled: Type.Boolean(),
    redirectUri: Type.String({ description: 'Register this as the redirect (callback) URI of the client at the provider' }),
    startUrl: Type.String({ description: 'Where a customer starts signing in with this connection (a link to hand out)' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { title: 'PortalSsoConnection' },
);
export type PortalSsoConnection = Static<typeof PortalSsoConnection>;

export const PortalSsoConnectionQuery = Type.Object(
  {
    ...ListQuery.properties,
    customerId: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'Only the connections of this customer or covering it' }),
    ),
  },
  { additionalProperties: false },
);

/** What the sign-in page asks with the domain of the address typed in. */
export const PortalSsoLookupQuery = Type.Object({ domain: Type.String({ minLength: 1, maxLength: 253 }) }, { additionalProperties: false });

export const PortalSsoChoices = Type.Object(
  {
    connections: Type.Array(
      Type.Object({
        id: Type.String(),
        name: Type.String({ description: 'For the button: "Sign in with <name>"' }),
        vendor: Type.String({ description: 'The vendor (account) whose portal it opens' }),
        startUrl: Type.String(),
      }),
    ),
  },
  { title: 'PortalSsoChoices' },
);

export const PortalSsoStartQuery = Type.Object(
  { login_hint: Type.Optional(Type.String({ maxLength: 254, description: 'The address typed in, passed on to the provider' })) },
  { additionalProperties: false },
);

/** What a provider sends back to the callback; the parameters besides code and state are those providers are known to add. */
export const PortalSsoCallbackQuery = Type.Object(
  {
    code: Type.Optional(Type.String({ maxLength: 4096 })),
    state: Type.Optional(Type.String({ maxLength: 200 })),
    error: Type.Optional(Type.String({ maxLength: 200 })),
    error_description: Type.Optional(Type.String({ maxLength: 2000 })),
    error_uri: Type.Optional(Type.String({ maxLength: 2000 })),
    iss: Type.Optional(Type.String({ maxLength: 500 })),
    session_state: Type.Optional(Type.String({ maxLength: 500 })),
    scope: Type.Optional(Type.String({ maxLength: 2000 })),
    authuser: Type.Optional(Type.String({ maxLength: 20 })),
    hd: Type.Optional(Type.String({ maxLength: 253 })),
    prompt: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);
