import type { Selectable } from 'kysely';
import type { PortalBrandingPort, PortalDomainsPort } from '../ports.js';
import type { PortalBrandingRecord } from '../records.js';
import { StoreConflict } from '../../../platform/store/conflicts.js';
import type { Database } from '../../../platform/store/database.js';
import { uniquely, type RepoContext } from '../../../platform/store/context.js';
import type { PortalBrandingTable } from './tables.js';

const brandingOf = (r: Selectable<PortalBrandingTable>): PortalBrandingRecord => ({
  productName: r.product_name,
  logoUrl: r.logo_url,
  primaryColor: r.primary_color,
  accentColor: r.accent_color,
  domain: r.domain,
  updatedAt: Number(r.updated_at),
});

/** The account's portal branding: one row, written whole. */
export class PortalBrandingRepository implements PortalBrandingPort {
  constructor(private readonly ctx: RepoContext) {}

  async get(): Promise<PortalBrandingRecord | undefined> {
    const row = await this.ctx.db
      .selectFrom('portal_branding')
      .selectAll()
      .where('account_id', '=', this.ctx.scope.accountId)
      .executeTakeFirst();
    return row && brandingOf(row);
  }

  async put(b: PortalBrandingRecord): Promise<void> {
    const values = {
      product_name: b.productName,
      logo_url: b.logoUrl,
      primary_color: b.primaryColor,
      accent_color: b.accentColor,
      domain: b.domain,
      updated_at: b.updatedAt,
    };
    await uniquely(
      this.ctx,
      () =>
        this.ctx.db
          .insertInto('portal_branding')
          .values({ account_id: this.ctx.scope.accountId, ...values })
          .onConflict((oc) => oc.column('account_id').doUpdateSet(values))
          .execute(),
      () => new StoreConflict('duplicate', 'portal_branding', 'domain', b.domain),
    );
  }
}

/** Whose portal a custom host is, before anyone signs in. */
export class PortalDomains implements PortalDomainsPort {
  constructor(private readonly database: Database) {}

  async byDomain(domain: string): Promise<{ accountId: string; accountName: string; branding: PortalBrandingRecord } | undefined> {
    const row = await this.database.db
      .selectFrom('portal_branding')
      .innerJoin('accounts', 'accounts.id', 'portal_branding.account_id')
      .selectAll('portal_branding')
      .select('accounts.name as account_name')
      .where('portal_branding.domain', '=', domain)
      .executeTakeFirst();
    return row && { accountId: row.account_id, accountName: row.account_name, branding: brandingOf(row) };
  }
}
