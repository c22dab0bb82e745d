import type { RepoContext } from '../../../platform/store/context.js';
import type { AccountPort } from '../ports.js';

/** The account row of the current scope. */
export class AccountRepository implements AccountPort {
  constructor(private readonly ctx: RepoContext) {}

  async insert(name: string, at: number): Promise<void> {
    await this.ctx.db.insertInto('accounts').values({ id: this.ctx.scope.accountId, name, created_at: at }).execute();
  }

  async exists(): Promise<boolean> {
    return (
      (await this.ctx.db.selectFrom('accounts').select('id').where('id', '=', this.ctx.scope.accountId).executeTakeFirst()) !== undefined
    );
  }
}
