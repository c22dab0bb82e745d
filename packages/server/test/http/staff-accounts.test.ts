import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, type Reply } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';

const PASSWORD_A = 'password of the user in A';
const PASSWORD_B = 'password of the user in B';

/** An error body without its request id, so two answers can be compared whole. */
const errorOf = (res: Reply) => ({
  status: res.status,
  error: { ...res.body.error, requestId: undefined },
  cookie: res.headers['set-cookie'],
});

/**
 * Staff emails are unique per account: two vendors may each have a user with the same address,
 * neither learns of the other's, and sign-in finds the right account from the password (or the
 * `account` named in the body when the password opens several).
 */
describe.each(await storeKinds())('staff emails per account on %s', (kind) => {
  let h: Harness;
  let b: { accountId: string; adminKey: string };

  const createUser = (key: string, email: string, password: string) =>
    h.call('POST', '/v1/staff-users', { email, name: 'Pat', role: 'admin', password }, { key });
  const signIn = (body: Record<string, string>) => h.call('POST', '/v1/session', body, { key: null });

  beforeAll(async () => {
    h = await createHarness(kind);
    b = await h.newAccount('Vendor B');
  });
  afterAll(() => h.close());

  it('the same email in two accounts: each account creates its user, and each signs into its own', async () => {
    expect((await createUser(h.adminKey, 'pat@shared.test', PASSWORD_A)).status).toBe(201);
    // It answered 409 "exists already" here, naming another account's staff.
    expect((await createUser(b.adminKey, 'Pat@Shared.test', PASSWORD_B)).status).toBe(201);
    // Within one account the email stays unique.
    const twice = await createUser(b.adminKey, 'pat@shared.test', 'another password here');
    expect(twice.status).toBe(409);
    expect(twice.body.error).toMatchObject({ code: 'DUPLICATE_CODE', details: { field: 'email' } });

    expect((await h.call('POST', '/v1/customers', { name: 'Only in B' }, { key: b.adminKey })).status).toBe(201);
    for (const [password, accountId] of [
      [PASSWORD_A, h.accountId],
      [PASSWORD_B, b.accountId],
    ] as const) {
      const res = await signIn({ email: 'pat@shared.test', password });
      expect(res.status).toBe(201);
      expect(res.body.accountId).toBe(accountId);
      expect(res.body.user.email).toBe('pat@shared.test');
      const cookie = /leasehold_session=([^;]*)/.exec(String(res.headers['set-cookie']))![0];
      const customers = await h.call('GET', '/v1/customers?q=Only%20in%20B', undefined, { key: null, headers: { cookie } });
      expect(customers.body.data.length).toBe(accountId === b.accountId ? 1 : 0);
    }
    // Naming the account works, and a password of another account's user opens nothing.
    expect((await signIn({ email: 'pat@shared.test', password: PASSWORD_B, account: b.accountId })).body.accountId).toBe(b.accountId);
    const crossed = await signIn({ email: 'pat@shared.test', password: PASSWORD_A, account: b.accountId });
    const wrong = await signIn({ email: 'pat@shared.test', password: 'not anyone’s password' });
    const unknownAccount = await signIn({ email: 'pat@shared.test', password: PASSWORD_A, account: 'acc_does_not_exist' });
    expect(crossed.status).toBe(401);
    expect(errorOf(crossed)).toEqual(errorOf(wrong));
    expect(errorOf(unknownAccount)).toEqual(errorOf(wrong));
  });

  it('account A cannot learn whether B has an email: creation, wrong passwords and its own sign-in read the same', async () => {
    expect((await createUser(b.adminKey, 'taken@probe.test', PASSWORD_B)).status).toBe(201);
    // A creates a user at an address B has and at one nobody has: the same answer.
    const atTaken = await createUser(h.adminKey, 'taken@probe.test', PASSWORD_A);
    const atFree = await createUser(h.adminKey, 'free@probe.test', PASSWORD_A);
    expect([atTaken.status, atFree.status]).toEqual([201, 201]);
    expect(Object.keys(atTaken.body).sort()).toEqual(Object.keys(atFree.body).sort());
    // Wrong passwords: the same answer for an email in A and B, in A only, and nowhere.
    const answers = await Promise.all(
      ['taken@probe.test', 'free@probe.test', 'nobody@probe.test'].map((email) => signIn({ email, password: 'a wrong guess!' })),
    );
    expect(answers.map(errorOf)).toEqual([errorOf(answers[2]!), errorOf(answers[2]!), errorOf(answers[2]!)]);
    expect(answers[0]!.body.error.code).toBe('UNAUTHENTICATED');
    // A's own password signs into A alike, with nothing about B in the answer.
    const mine = await signIn({ email: 'taken@probe.test', password: PASSWORD_A });
    const alone = await signIn({ email: 'free@probe.test', password: PASSWORD_A });
    expect([mine.status, alone.status]).toEqual([201, 201]);
    expect(mine.body.accountId).toBe(h.accountId);
    expect(JSON.stringify(mine.body)).not.toContain(b.accountId);
    expect(Object.keys(mine.body).sort()).toEqual(Object.keys(alone.body).sort());
  });

  it('a password that opens users in several accounts needs the account: 409 ACCOUNT_REQUIRED lists only those', async () => {
    const c = await h.newAccount('Vendor C');
    const shared = 'one password, two accounts';
    expect((await createUser(h.adminKey, 'sam@multi.test', shared)).status).toBe(201);
    expect((await createUser(b.adminKey, 'sam@multi.test', shared)).status).toBe(201);
    expect((await createUser(c.adminKey, 'sam@multi.test', 'the user in C has another')).status).toBe(201);

    const ambiguous = await signIn({ email: 'sam@multi.test', password: shared });
    expect(ambiguous.status).toBe(409);
    expect(ambiguous.headers['set-cookie']).toBeUndefined();
    expect(ambiguous.body.error.code).toBe('ACCOUNT_REQUIRED');
    expect(ambiguous.body.error.details.field).toBe('account');
    const listed = (ambiguous.body.error.details.accounts as Array<{ id: string; name: string }>).map((a) => a.id).sort();
    expect(listed).toEqual([h.accountId, b.accountId].sort());
    expect(JSON.stringify(ambiguous.body)).not.toContain(c.accountId);

    const chosen = await signIn({ email: 'sam@multi.test', password: shared, account: b.accountId });
    expect(chosen.status).toBe(201);
    expect(chosen.body.accountId).toBe(b.accountId);
    expect((await signIn({ email: 'sam@multi.test', password: shared, account: c.accountId })).status).toBe(401);
  });

  it('the limit on failed sign-ins counts per email, whatever account is named', async () => {
    const d = await h.newAccount('Vendor D');
    expect((await createUser(h.adminKey, 'lee@limit.test', PASSWORD_A)).status).toBe(201);
    expect((await createUser(d.adminKey, 'lee@limit.test', PASSWORD_B)).status).toBe(201);
    for (let i = 0; i < 5; i++) {
      const account = i % 2 === 0 ? h.accountId : d.accountId;
      expect((await signIn({ email: 'lee@limit.test', password: `wrong ${i} guess`, account })).status).toBe(401);
    }
    const limited = await signIn({ email: 'lee@limit.test', password: PASSWORD_B, account: d.accountId });
    expect(limited.status).toBe(429);
    expect((await signIn({ email: 'lee@limit.test', password: PASSWORD_A })).status).toBe(429);
    h.clock.advance(16 * 60 * 1000);
    expect((await signIn({ email: 'lee@limit.test', password: PASSWORD_B, account: d.accountId })).body.accountId).toBe(d.accountId);
  });

  it('refuses a malformed account with a clear error and signs nobody in', async () => {
    for (const account of ['', 'x'.repeat(65)]) {
      const res = await signIn({ email: 'pat@shared.test', password: PASSWORD_A, account });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'INVALID_REQUEST', details: { field: 'account' } });
      expect(res.headers['set-cookie']).toBeUndefined();
    }
  });
});
