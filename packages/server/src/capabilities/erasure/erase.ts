import { ERASED, type CustomerErase, type CustomerErasure, type ErasedFieldKind } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import { DomainError } from '../../platform/domain/errors.js';
import type { CustomerRecord } from '../../platform/domain/model.js';
import type { Tx } from '../../platform/domain/ports.js';
import { requireCustomer } from '../customers/customers.js';
import { recordEvent } from '../events/record.js';
import type { ActivationPersonal, EventPayloads } from './ports.js';
import { learnText, Replacements, scrubText, type Shape } from './scrub.js';

/**
 * Erases a customer's personal data (GDPR art. 17) and keeps everything else: the customer's id,
 * its entitlements and their keys, the activations (their seats and fingerprints), every event
 * with its type, subject and time. Names, emails and device names become `[erased]` wherever they
 * were stored; named users and ephemeral hosts become numbered pseudonyms, so seat counts do not
 * change. One `customer.erased` event records it, naming the kinds of fields, never their values.
 * A repeated request finds nothing left to erase and writes nothing. It cannot be undone.
 */
export function eraseCustomer(ctx: Context, ref: string, request: CustomerErase): Promise<CustomerErasure> {
  return ctx.store.write(async (tx) => {
    const customer = await requireCustomer(tx, ref);
    if (request.confirm !== customer.id) {
      throw new DomainError('INVALID_REQUEST', 'To erase a customer, send its id again in "confirm": erasure cannot be undone.', {
        field: 'confirm',
        expected: 'the customer id',
      });
    }
    await tx.customers.lock(customer.id);
    return eraseIn(tx, ctx, customer, request.externalRef === 'erase');
  });
}

async function eraseIn(tx: Tx, ctx: Context, customer: CustomerRecord, withExternalRef: boolean): Promise<CustomerErasure> {
  const activations = await tx.erasure.activations(customer.id);
  const events = await tx.erasure.events(customer.id);
  const r = new Replacements(
    { customerId: customer.id, activationIds: new Set(activations.map((a) => a.id)) },
    withExternalRef ? ['name', 'email', 'externalRef'] : ['name', 'email'],
  );
  // Learn every personal value first (current ones and those of earlier renames, kept in events),
  // so each copy is found wherever it was written.
  r.learnAll(customer, 'customer');
  for (const a of activations) {
    for (const v of [a.user, a.host]) if (v) r.reserve(v);
    r.learnAll(activationFields(a), 'activation');
  }
  for (const e of events) for (const text of [e.before, e.after]) learnText(text, shapeOfSubject(e.subjectType), r);
  // Devices the vendor uploaded in batches carry names and hostnames of their own, maybe never activated.
  // The customer's people in the portal: their names and emails, in their rows and in events.
  const portalUsers = await tx.portalUsers.allOfCustomer(customer.id);
  for (const u of portalUsers) r.learnAll({ name: u.name, email: u.email }, 'customer');
  const texts = await tx.erasure.texts(customer.id);
  for (const t of texts) if (t.table === 'activation_batch_items') learnText(t.text, 'activation', r);

  const fields = new Set<ErasedFieldKind>();
  const counts = { activations: 0, events: 0, records: 0 };

  const erasedCustomer = eraseCustomerRecord(customer, withExternalRef, ctx.clock.now());
  if (erasedCustomer) {
    for (const kind of erasedCustomer.kinds) fields.add(kind);
    await tx.customers.update(erasedCustomer.record);
  }
  for (const u of portalUsers) {
    const email = `erased:${u.id}`;
    if (u.name === ERASED && u.email === email) continue;
    if (u.name !== ERASED) fields.add('portal_user.name');
    if (u.email !== email) fields.add('portal_user.email');
    counts.records++;
    await tx.portalUsers.erase(u.id, { name: ERASED, email }, ctx.clock.now());
  }
  for (const a of activations) {
    const erased = eraseActivation(a, r);
    if (!erased) continue;
    for (const kind of erased.kinds) fields.add(kind);
    counts.activations++;
    await tx.erasure.updateActivation(erased.record);
  }
  for (const e of events) {
    const erased = eraseEvent(e, r);
    if (!erased) continue;
    fields.add('events.payloads');
    counts.events++;
    await tx.erasure.updateEvent(erased);
  }
  const mentions = [customer.id, ...activations.map((a) => a.id), ...r.values()];
  for (const t of texts) {
    const plain = t.sealed ? ctx.secrets.decrypt(t.sealed, t.text) : t.text;
    if (!mentions.some((m) => plain.includes(m))) continue;
    const text = scrubText(plain, 'other', r);
    if (text === plain) continue;
    fields.add('records.payloads');
    counts.records++;
    await tx.erasure.updateText({ ...t, text: t.sealed ? ctx.secrets.encrypt(t.sealed, text) : text });
  }

  if (fields.size === 0) return { customerId: customer.id, erased: false, erasedAt: null, fields: [], counts };
  const erasedAt = ctx.clock.now();
  const kinds = [...fields].sort();
  await recordEvent(tx, ctx, {
    type: 'customer.erased',
    subjectType: 'customer',
    subjectId: customer.id,
    customerId: customer.id,
    after: { fields: kinds, counts },
  });
  return { customerId: customer.id, erased: true, erasedAt: new Date(erasedAt).toISOString(), fields: kinds, counts };
}

// A portal user's events carry a person's name and email, as a customer's do.
const shapeOfSubject = (subjectType: string): Shape =>
  subjectType === 'customer' || subjectType === 'portal_user' ? 'customer' : subjectType === 'activation' ? 'activation' : 'other';

const activationFields = (a: ActivationPersonal) => ({ name: a.name, hostname: a.hostname, user: a.user, host: a.host });

interface Erased<T> {
  record: T;
  kinds: ErasedFieldKind[];
}

function eraseCustomerRecord(c: CustomerRecord, withExternalRef: boolean, now: number): Erased<CustomerRecord> | null {
  const record: CustomerRecord = {
    ...c,
    name: ERASED,
    email: null,
    externalRef: withExternalRef ? null : c.externalRef,
    metadata: {},
    updatedAt: now,
  };
  const kinds: ErasedFieldKind[] = [];
  if (c.name !== record.name) kinds.push('customer.name');
  if (c.email !== record.email) kinds.push('customer.email');
  if (Object.keys(c.metadata).length > 0) kinds.push('customer.metadata');
  if (c.externalRef !== record.externalRef) kinds.push('customer.externalRef');
  return kinds.length > 0 ? { record, kinds } : null;
}

function eraseActivation(a: ActivationPersonal, r: Replacements): Erased<ActivationPersonal> | null {
  const swap = (v: string | null) => (v === null ? null : r.replace(v));
  // Free-form facts the application sent about the device: dropped whole, like customer metadata.
  const meta = Object.keys(JSON.parse(a.meta) as object).length > 0 ? '{}' : a.meta;
  const record: ActivationPersonal = { ...a, name: swap(a.name), hostname: swap(a.hostname), user: swap(a.user), host: swap(a.host), meta };
  const kinds: ErasedFieldKind[] = [];
  if (record.name !== a.name) kinds.push('activation.name');
  if (record.hostname !== a.hostname) kinds.push('activation.hostname');
  if (record.user !== a.user) kinds.push('activation.user');
  if (record.host !== a.host) kinds.push('activation.host');
  if (record.meta !== a.meta) kinds.push('activation.meta');
  return kinds.length > 0 ? { record, kinds } : null;
}

function eraseEvent(e: EventPayloads, r: Replacements): EventPayloads | null {
  const shape = shapeOfSubject(e.subjectType);
  const before = e.before === null ? null : scrubText(e.before, shape, r);
  const after = e.after === null ? null : scrubText(e.after, shape, r);
  return before === e.before && after === e.after ? null : { ...e, before, after };
}
