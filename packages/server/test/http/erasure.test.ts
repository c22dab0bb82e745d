import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { asLicense, fp } from '../support/client.js';

/** Every row of every table, as text: where a personal string could still hide. */
async function dumpDatabase(h: Harness): Promise<string> {
  const database = h.services.store.database;
  const tables =
    database.dialect === 'sqlite'
      ? (await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(database.db)).rows.map((r) => r.name)
      : (
          await sql<{
            name: string;
          }>`select table_name as name from information_schema.tables where table_schema = current_schema()`.execute(database.db)
        ).rows.map((r) => r.name);
  const parts: string[] = [];
  for (const table of tables) {
    const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(database.db)).rows;
    parts.push(`${table}: ${JSON.stringify(rows)}`);
  }
  return parts.join('\n');
}

/** The events' shape: what an erasure must leave as it was. */
const shapeOf = (events: Array<Record<string, unknown>>) =>
  events.map((e) => ({
    id: e.id,
    type: e.type,
    at: e.at,
    subject: [e.subjectType, e.subjectId],
    customerId: e.customerId,
    entitlementId: e.entitlementId,
    actor: e.actor,
    // Which fields each payload holds stays; only personal values change.
    keys: [Object.keys((e.before as object | null) ?? {}), Object.keys((e.after as object | null) ?? {})],
  }));

describe.each(await storeKinds())('customer erasure on %s', (kind) => {
  let h: Harness;
  // Distinctive strings, so a match in the dump can only be a copy of the customer's data.
  const PERSONAL = {
    name: 'Zelda Quarrington',
    renamed: 'Zelda Q. Holdings',
    email: 'zelda.quarrington@example.test',
    device: 'Zelda-Laptop-7f3',
    hostname: 'zq-workstation.quarrington.test',
    user: 'zelda.q@quarrington.test',
    metadata: 'Quarrington Street 12',
    batchDevice: 'Zelda-Factory-Unit-9',
  };

  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(() => h.close());

  async function erasable() {
    const product = (await h.call('GET', '/v1/products/erasable')).body.id
      ? (await h.call('GET', '/v1/products/erasable')).body
      : (await h.call('POST', '/v1/products', { code: 'erasable', name: 'Erasable' })).body;
    const code = `erase-${Math.random().toString(36).slice(2, 8)}`;
    const offering = (
      await h.call('POST', '/v1/offerings', {
        productId: product.id,
        code,
        name: code,
        licenseModel: 'subscription',
        seatModel: 'named_user',
        seats: 2,
        maxDevicesPerUser: 3,
        term: 'P1Y',
        features: {},
      })
    ).body;
    const create = { name: PERSONAL.name, email: PERSONAL.email, externalRef: `crm-${code}`, metadata: { address: PERSONAL.metadata } };
    const idempotent = { headers: { 'idempotency-key': `create-${code}` } };
    const customer = (await h.call('POST', '/v1/customers', create, idempotent)).body;
    const replay = () => h.call('POST', '/v1/customers', create, idempotent);
    await h.call('PATCH', `/v1/customers/${customer.id}`, { name: PERSONAL.renamed });
    const entitlement = (await h.call('POST', '/v1/entitlements', { customerId: customer.id, offeringId: offering.id })).body;
    const client = asLicense(h, entitlement.key);
    const activation = await client('activate', {
      fingerprint: fp(`${code}-1`),
      name: PERSONAL.device,
      hostname: PERSONAL.hostname,
      user: PERSONAL.user,
      meta: { owner: PERSONAL.name },
    });
    expect(activation.status).toBe(201);
    // A second device of the same named user: it shares the user's seat, before and after erasure.
    expect((await client('activate', { fingerprint: fp(`${code}-2`), user: PERSONAL.user })).status).toBe(201);
    // A batch activation the vendor uploaded for the customer's machines keeps their names too.
    const batch = await h.call('POST', '/v1/activation-batches', {
      entitlementId: entitlement.id,
      devices: [{ fingerprint: fp(`${code}-b1`), name: PERSONAL.batchDevice, user: PERSONAL.user }],
    });
    expect(batch.status, JSON.stringify(batch.body)).toBe(202);
    return { product, offering, customer, entitlement, client, code, replay };
  }

  const usage = async (entitlementId: string) => (await h.call('GET', `/v1/entitlements/${entitlementId}`)).body.usage;

  it('erases every copy of the personal data and keeps ids, counts, seats, events and the license working', async () => {
    const { customer, entitlement, client, code, replay } = await erasable();
    expect((await replay()).body.name).toBe(PERSONAL.name);
    const validBefore = await client('validate', { fingerprint: fp(`${code}-1`) });
    expect(validBefore.body).toMatchObject({ valid: true, entitlement: { customer: { name: PERSONAL.renamed } } });
    const eventsBefore = (await h.call('GET', `/v1/events?customer=${customer.id}&limit=500`)).body.data;
    const devicesBefore = (await h.call('GET', `/v1/entitlements/${entitlement.id}/activations`)).body.data;
    const usageBefore = await usage(entitlement.id);
    const dumpBefore = await dumpDatabase(h);
    for (const value of Object.values(PERSONAL)) expect(dumpBefore).toContain(value);

    const res = await h.call('POST', `/v1/customers/${customer.id}/erase`, { confirm: customer.id });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ customerId: customer.id, erased: true });
    expect(res.body.fields).toEqual(
      expect.arrayContaining([
        'customer.name',
        'customer.email',
        'customer.metadata',
        'activation.name',
        'activation.hostname',
        'activation.user',
      ]),
    );
    expect(res.body.fields).not.toContain('customer.externalRef');

    const dump = await dumpDatabase(h);
    for (const value of Object.values(PERSONAL)) expect(dump, value).not.toContain(value);

    // A retried create (the same Idempotency-Key) gets the kept answer: erased too, sealed again.
    const replayed = await replay();
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.body).toMatchObject({ id: customer.id, name: '[erased]', email: '[erased]' });
    const after = (await h.call('GET', `/v1/customers/${customer.id}`)).body;
    expect(after).toMatchObject({ id: customer.id, name: '[erased]', email: null, externalRef: `crm-${code}`, metadata: {} });
    const devices = (await h.call('GET', `/v1/entitlements/${entitlement.id}/activations`)).body.data;
    expect(devices.map((d: { id: string }) => d.id)).toEqual(devicesBefore.map((d: { id: string }) => d.id));
    expect(devices.find((d: { fingerprint: string }) => d.fingerprint === fp(`${code}-1`))).toMatchObject({
      name: '[erased]',
      hostname: '[erased]',
    });
    expect(await usage(entitlement.id)).toEqual(usageBefore);

    const eventsAfter = (await h.call('GET', `/v1/events?customer=${customer.id}&limit=500`)).body.data;
    const erasedEvent = eventsAfter.find((e: { type: string }) => e.type === 'customer.erased');
    expect(shapeOf(eventsAfter.filter((e: { type: string }) => e.type !== 'customer.erased'))).toEqual(shapeOf(eventsBefore));
    expect(erasedEvent).toMatchObject({ subjectType: 'customer', subjectId: customer.id, actor: { type: 'api_key' } });
    expect(erasedEvent.after.fields).toEqual(res.body.fields);
    expect(erasedEvent.before).toBeNull();

    // The license validates as before (the cache was dropped: the claims name no one now) and the
    // named user keeps the one seat across both devices.
    const validAfter = await client('validate', { fingerprint: fp(`${code}-1`) });
    expect(validAfter.body).toMatchObject({ valid: true, entitlement: { customer: { id: customer.id, name: '[erased]' } } });
    expect((await client('activate', { fingerprint: fp(`${code}-3`), user: 'someone.else@other.test' })).status).toBe(201);
  });

  it('a second erasure finds nothing to erase and writes nothing', async () => {
    const { customer } = await erasable();
    expect((await h.call('POST', `/v1/customers/${customer.id}/erase`, { confirm: customer.id })).body.erased).toBe(true);
    const dump = await dumpDatabase(h);
    const again = await h.call('POST', `/v1/customers/${customer.id}/erase`, { confirm: customer.id });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ erased: false, erasedAt: null, fields: [], counts: { activations: 0, events: 0, records: 0 } });
    expect(await dumpDatabase(h)).toBe(dump);
  });

  it('erases the external reference when asked to', async () => {
    const { customer, code } = await erasable();
    const res = await h.call('POST', `/v1/customers/crm-${code}/erase`, { confirm: customer.id, externalRef: 'erase' });
    expect(res.body.fields).toContain('customer.externalRef');
    expect((await h.call('GET', `/v1/customers/${customer.id}`)).body.externalRef).toBeNull();
    expect(await dumpDatabase(h)).not.toContain(`crm-${code}`);
  });

  it('refuses bad input, unknown customers and scoped or non-admin keys, and changes nothing', async () => {
    const { customer } = await erasable();
    const support = (await h.call('POST', '/v1/api-keys', { name: 'desk', role: 'support' })).body.key;
    const scopedAdmin = (await h.call('POST', '/v1/api-keys', { name: 'erasable admin', role: 'admin', productId: 'erasable' })).body.key;
    const dump = await dumpDatabase(h);
    const url = `/v1/customers/${customer.id}/erase`;
    const refusals: Array<[string, unknown, string | undefined, number, string]> = [
      [url, {}, undefined, 400, 'INVALID_REQUEST'],
      [url, { confirm: 'cus_someone_else' }, undefined, 400, 'INVALID_REQUEST'],
      [url, { confirm: customer.id, externalRef: 'maybe' }, undefined, 400, 'INVALID_REQUEST'],
      [url, { confirm: customer.id, extra: true }, undefined, 400, 'INVALID_REQUEST'],
      ['/v1/customers/cus_00000000000000000000000000/erase', { confirm: 'cus_00000000000000000000000000' }, undefined, 404, 'NOT_FOUND'],
      [url, { confirm: customer.id }, support, 403, 'FORBIDDEN'],
      [url, { confirm: customer.id }, scopedAdmin, 403, 'FORBIDDEN'],
    ];
    for (const [path, body, key, status, code] of refusals) {
      const res = await h.call('POST', path, body, { key });
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body.error.code).toBe(code);
    }
    // The idempotency and session bookkeeping of refused calls aside, no row changed.
    expect(await dumpDatabase(h)).toBe(dump);
    expect((await h.call('GET', `/v1/customers/${customer.id}`)).body.name).toBe(PERSONAL.renamed);
  });
});
