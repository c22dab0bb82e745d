import type { ActivationPersonal, ErasurePort, EventPayloads, StoredText } from '../ports.js';
import { changed, type RepoContext } from '../../../platform/store/context.js';

/**
 * The map of where a customer's personal data is stored, read and rewritten for erasure. A new
 * table that copies customer data (names, emails, hostnames) belongs in `texts` here, and in the
 * erasure test's table dump.
 */
export class ErasureRepository implements ErasurePort {
  constructor(private readonly ctx: RepoContext) {}

  private get account() {
    return this.ctx.scope.accountId;
  }

  private entitlementsOf(customerId: string) {
    return this.ctx.db.selectFrom('entitlements').select('id').where('account_id', '=', this.account).where('customer_id', '=', customerId);
  }

  async activations(customerId: string): Promise<ActivationPersonal[]> {
    const rows = await this.ctx.db
      .selectFrom('activations')
      .select(['id', 'entitlement_id', 'name', 'hostname', 'named_user', 'host', 'meta'])
      .where('account_id', '=', this.account)
      .where((eb) => eb.or([eb('customer_id', '=', customerId), eb('entitlement_id', 'in', this.entitlementsOf(customerId))]))
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      entitlementId: r.entitlement_id,
      name: r.name,
      hostname: r.hostname,
      user: r.named_user,
      host: r.host,
      meta: r.meta,
    }));
  }

  async updateActivation(a: ActivationPersonal): Promise<void> {
    await this.ctx.db
      .updateTable('activations')
      .set({ name: a.name, hostname: a.hostname, named_user: a.user, host: a.host, meta: a.meta })
      .where('account_id', '=', this.account)
      .where('id', '=', a.id)
      .execute();
    // Cached license snapshots hold the live devices, names included.
    changed(this.ctx, 'entitlement', a.entitlementId);
  }

  async events(customerId: string): Promise<EventPayloads[]> {
    const rows = await this.ctx.db
      .selectFrom('events')
      .select(['id', 'subject_type', 'before', 'after'])
      .where('account_id', '=', this.account)
      .where((eb) => eb.or([eb('customer_id', '=', customerId), eb('entitlement_id', 'in', this.entitlementsOf(customerId))]))
      .orderBy('id')
      .execute();
    return rows.map((r) => ({ id: r.id, subjectType: r.subject_type, before: r.before, after: r.after }));
  }

  async updateEvent(e: EventPayloads): Promise<void> {
    await this.ctx.db
      .updateTable('events')
      .set({ before: e.before, after: e.after })
      .where('account_id', '=', this.account)
      .where('id', '=', e.id)
      .execute();
  }

  async texts(customerId: string): Promise<StoredText[]> {
    const db = this.ctx.db;
    const account = this.account;
    const out: StoredText[] = [];
    const versions = await db
      .selectFrom('entitlement_versions')
      .select(['entitlement_id', 'version', 'snapshot', 'change'])
      .where('account_id', '=', account)
      .where('entitlement_id', 'in', this.entitlementsOf(customerId))
      .execute();
    for (const v of versions) {
      const key = [v.entitlement_id, v.version];
      out.push({ table: 'entitlement_versions', key, column: 'snapshot', text: v.snapshot });
      out.push({ table: 'entitlement_versions', key, column: 'change', text: v.change });
    }
    const items = await db
      .selectFrom('migration_items')
      .select(['migration_id', 'entitlement_id', 'result'])
      .where('account_id', '=', account)
      .where('entitlement_id', 'in', this.entitlementsOf(customerId))
      .execute();
    for (const i of items) {
      if (i.result !== null)
        out.push({ table: 'migration_items', key: [i.migration_id, i.entitlement_id], column: 'result', text: i.result });
    }
    const nl = await db
      .selectFrom('nl_objects')
      .select(['kind', 'ref_id', 'props'])
      .where('account_id', '=', account)
      .where((eb) =>
        eb.or([eb('ref_id', '=', customerId), eb('parent_id', '=', customerId), eb('ref_id', 'in', this.entitlementsOf(customerId))]),
      )
      .execute();
    for (const o of nl) out.push({ table: 'nl_objects', key: [o.kind, o.ref_id], column: 'props', text: o.props });
    // The devices of batch activations (name, hostname, user, as the vendor uploaded them); the
    // signed lease files beside them are like leases already sent: they expire, they are not rewritten.
    const batchItems = await db
      .selectFrom('activation_batch_items')
      .innerJoin('activation_batches', (j) =>
        j
          .onRef('activation_batches.account_id', '=', 'activation_batch_items.account_id')
          .onRef('activation_batches.id', '=', 'activation_batch_items.batch_id'),
      )
      .select(['activation_batch_items.batch_id', 'activation_batch_items.line', 'activation_batch_items.device'])
      .where('activation_batch_items.account_id', '=', account)
      .where('activation_batches.entitlement_id', 'in', this.entitlementsOf(customerId))
      .execute();
    for (const i of batchItems) out.push({ table: 'activation_batch_items', key: [i.batch_id, i.line], column: 'device', text: i.device });
    // Migrations and kept responses have no customer column: all of the account's are read (a
    // migration is rare, a kept response lives a day), and the caller keeps those that mention it.
    const migrations = await db
      .selectFrom('migrations')
      .select(['id', 'selection', 'impact', 'result', 'error'])
      .where('account_id', '=', account)
      .execute();
    for (const m of migrations) {
      for (const column of ['selection', 'impact', 'result', 'error'] as const) {
        const text = m[column];
        if (text !== null) out.push({ table: 'migrations', key: [m.id], column, text });
      }
    }
    const kept = await db
      .selectFrom('idempotency_records')
      .select(['principal', 'key', 'response'])
      .where('account_id', '=', account)
      .where('response', 'is not', null)
      .execute();
    for (const r of kept) {
      // Sealed like every kept response (platform/http/idempotency.ts, RESPONSE_PURPOSE).
      if (r.response !== null)
        out.push({
          table: 'idempotency_records',
          key: [r.principal, r.key],
          column: 'response',
          text: r.response,
          sealed: 'idempotent-response',
        });
    }
    return out;
  }

  async updateText(t: StoredText): Promise<void> {
    const db = this.ctx.db;
    const account = this.account;
    const [a, b] = t.key;
    switch (t.table) {
      case 'entitlement_versions':
        await db
          .updateTable('entitlement_versions')
          .set(t.column === 'snapshot' ? { snapshot: t.text } : { change: t.text })
          .where('account_id', '=', account)
          .where('entitlement_id', '=', String(a))
          .where('version', '=', Number(b))
          .execute();
        break;
      case 'migration_items':
        await db
          .updateTable('migration_items')
          .set({ result: t.text })
          .where('account_id', '=', account)
          .where('migration_id', '=', String(a))
          .where('entitlement_id', '=', String(b))
          .execute();
        break;
      case 'activation_batch_items':
        await db
          .updateTable('activation_batch_items')
          .set({ device: t.text })
          .where('account_id', '=', account)
          .where('batch_id', '=', String(a))
          .where('line', '=', Number(b))
          .execute();
        break;
      case 'migrations':
        await db
          .updateTable('migrations')
          .set({ [t.column]: t.text })
          .where('account_id', '=', account)
          .where('id', '=', String(a))
          .execute();
        break;
      case 'nl_objects':
        await db
          .updateTable('nl_objects')
          .set({ props: t.text })
          .where('account_id', '=', account)
          .where('kind', '=', String(a))
          .where('ref_id', '=', String(b))
          .execute();
        break;
      case 'idempotency_records':
        await db
          .updateTable('idempotency_records')
          .set({ response: t.text })
          .where('account_id', '=', account)
          .where('principal', '=', String(a))
          .where('key', '=', String(b))
          .execute();
        break;
    }
  }
}
