import type { Kysely, Migration } from 'kysely';

/** Portal users of customers, their invitation and sign-in links, and their sessions. */
const tables: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('portal_users')
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('customer_id', 'text', (c) => c.notNull())
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text')
      .addColumn('invited_at', 'bigint', (c) => c.notNull())
      .addColumn('joined_at', 'bigint')
      .addColumn('last_sign_in_at', 'bigint')
      .addColumn('disabled_at', 'bigint')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('portal_users_pk', ['account_id', 'id'])
      .execute();
    // Unique per customer, not per account: inviting an address must not tell one customer's admin
    // that another customer of the vendor has it. A disabled user's email is rewritten (as staff
    // users'), so the address is free for a new invitation.
    await db.schema
      .createIndex('portal_users_customer_email')
      .unique()
      .on('portal_users')
      .columns(['account_id', 'customer_id', 'email'])
      .execute();
    // Sign-in may name no account: every account's user of an email.
    await db.schema.createIndex('portal_users_by_email').on('portal_users').column('email').execute();
    await db.schema.createIndex('portal_users_by_customer').on('portal_users').columns(['account_id', 'customer_id', 'id']).execute();

    await db.schema
      .createTable('portal_links')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('portal_user_id', 'text', (c) => c.notNull())
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .execute();
    await db.schema.createIndex('portal_links_by_user').on('portal_links').columns(['account_id', 'portal_user_id']).execute();

    await db.schema
      .createTable('portal_sessions')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('portal_user_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('user_agent', 'text')
      .execute();
    await db.schema.createIndex('portal_sessions_by_user').on('portal_sessions').columns(['account_id', 'portal_user_id']).execute();
  },
};

/** Named-user seat assignments and the portal's branding and custom domain per account. */
const selfService: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('portal_seat_assignments')
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('entitlement_id', 'text', (c) => c.notNull())
      .addColumn('portal_user_id', 'text', (c) => c.notNull())
      .addColumn('assigned_at', 'bigint', (c) => c.notNull())
      .addColumn('assigned_by', 'text')
      .addPrimaryKeyConstraint('portal_seat_assignments_pk', ['account_id', 'entitlement_id', 'portal_user_id'])
      .execute();
    await db.schema
      .createIndex('portal_seat_assignments_by_user')
      .on('portal_seat_assignments')
      .columns(['account_id', 'portal_user_id'])
      .execute();
    await db.schema
      .createTable('portal_branding')
      .addColumn('account_id', 'text', (c) => c.primaryKey())
      .addColumn('product_name', 'text')
      .addColumn('logo_url', 'text')
      .addColumn('primary_color', 'text')
      .addColumn('accent_color', 'text')
      .addColumn('domain', 'text')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    // A host answers for one vendor only.
    await db.schema.createIndex('portal_branding_domain').unique().on('portal_branding').column('domain').execute();
  },
};

/** OpenID Connect sign-in: connections, their domains, sign-ins under way, and which user a provider's subject is. */
const sso: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('portal_sso_connections')
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('issuer', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('client_secret_sealed', 'text', (c) => c.notNull())
      .addColumn('customer_id', 'text')
      .addColumn('provisioning', 'integer', (c) => c.notNull())
      .addColumn('default_role', 'text', (c) => c.notNull())
      .addColumn('enabled', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('portal_sso_connections_pk', ['account_id', 'id'])
      .execute();
    // The start and callback name a connection by id before any account is known.
    await db.schema.createIndex('portal_sso_connections_by_id').on('portal_sso_connections').column('id').execute();
    await db.schema
      .createTable('portal_sso_domains')
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('domain', 'text', (c) => c.notNull())
      .addColumn('connection_id', 'text', (c) => c.notNull())
      .addColumn('customer_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('portal_sso_domains_pk', ['account_id', 'domain'])
      .execute();
    // The sign-in page asks by domain, for every account.
    await db.schema.createIndex('portal_sso_domains_by_domain').on('portal_sso_domains').column('domain').execute();
    await db.schema
      .createIndex('portal_sso_domains_by_connection')
      .on('portal_sso_domains')
      .columns(['account_id', 'connection_id'])
      .execute();
    await db.schema
      .createTable('portal_sso_flows')
      .addColumn('state_hash', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('connection_id', 'text', (c) => c.notNull())
      .addColumn('browser_hash', 'text', (c) => c.notNull())
      .addColumn('nonce', 'text', (c) => c.notNull())
      .addColumn('verifier_sealed', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .execute();
    await db.schema.createIndex('portal_sso_flows_by_expiry').on('portal_sso_flows').column('expires_at').execute();
    await db.schema
      .createTable('portal_sso_identities')
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('connection_id', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('portal_user_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('portal_sso_identities_pk', ['account_id', 'connection_id', 'subject'])
      .execute();
  },
};

export const portalMigrations = { '0030_portal': tables, '0041_portal_sso': sso, '0042_portal_self_service': selfService } as const;
