import { Type, type Static } from 'typebox';
import { Name, Timestamp } from '../common.js';
import { RoleSchema } from './api-keys.js';

/** A person who signs in to the console. Roles are the API keys' roles. */
export const StaffUser = Type.Object(
  {
    id: Type.String(),
    email: Type.String(),
    name: Type.String(),
    role: RoleSchema,
    createdAt: Timestamp,
    lastSignInAt: Type.Union([Timestamp, Type.Null()]),
  },
  { title: 'StaffUser' },
);
export type StaffUser = Static<typeof StaffUser>;

export const Email = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+$', description: 'An email address' });

/** At least 10 characters; long passphrases are welcome. */
export const Password = Type.String({ minLength: 10, maxLength: 200, description: 'At least 10 characters' });

export const StaffUserCreate = Type.Object(
  { email: Email, name: Name, role: RoleSchema, password: Password },
  { additionalProperties: false },
);
export type StaffUserCreate = Static<typeof StaffUserCreate>;

export const StaffUserUpdate = Type.Object(
  { name: Type.Optional(Name), role: Type.Optional(RoleSchema), password: Type.Optional(Password) },
  { additionalProperties: false, minProperties: 1 },
);
export type StaffUserUpdate = Static<typeof StaffUserUpdate>;

export const FirstUserSetup = Type.Object({ email: Email, name: Name, password: Password }, { additionalProperties: false });
export type FirstUserSetup = Static<typeof FirstUserSetup>;

export const SignIn = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: 254 }),
    password: Type.String({ minLength: 1, maxLength: 200 }),
    account: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description:
          'The account to sign in to (`acc_…`). Needed only when the email and password open users in several accounts ' +
          '(409 ACCOUNT_REQUIRED lists those accounts).',
      }),
    ),
  },
  { additionalProperties: false },
);
export type SignIn = Static<typeof SignIn>;

/** The signed-in user, and the token the console sends back in `x-csrf-token` on every write. */
export const Session = Type.Object(
  {
    user: StaffUser,
    accountId: Type.String(),
    csrfToken: Type.String({ description: 'Send as the x-csrf-token header on every write made with the session cookie' }),
    expiresAt: Timestamp,
  },
  { title: 'Session' },
);
export type Session = Static<typeof Session>;

export const SetupState = Type.Object({
  needed: Type.Boolean({ description: 'True while the server has no staff user; the first one becomes an admin' }),
});
export type SetupState = Static<typeof SetupState>;
