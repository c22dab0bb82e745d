import { ERASED } from '@leasehold/contract';

/**
 * The pure half of an erasure: which strings are the customer's personal data, and what a stored
 * text becomes without them. The service loads the facts (store/erasure.ts) and writes the results;
 * nothing here reads or writes.
 */

/** What an object in a payload is, which says which of its keys hold personal data. */
export type Shape = 'customer' | 'activation' | 'other';

/** The personal fields of each shape; `clear` fields are free-form maps whose values are all dropped. */
const PERSONAL: Record<
  Exclude<Shape, 'other'>,
  { tombstone: readonly string[]; pseudonym: readonly string[]; clear: readonly string[] }
> = {
  customer: { tombstone: ['name', 'email'], pseudonym: [], clear: ['metadata'] },
  // `user` and `host` say which activations share a seat (named users, ephemeral hosts): each
  // distinct value gets its own pseudonym, so the seat counts stay what they were.
  activation: { tombstone: ['name', 'hostname'], pseudonym: ['user', 'host'], clear: ['meta'] },
};

/** A personal value shorter than this is replaced only where it is a whole value, never inside longer text. */
const MIN_INSIDE = 6;
const PSEUDONYM = /^\[erased-(\d+)\]$/;

export const isErased = (value: string): boolean => value === ERASED || PSEUDONYM.test(value);

/** The customer's personal strings and what each becomes. */
export class Replacements {
  private readonly map = new Map<string, string>();
  private next = 1;
  /** Substring search, longest first, so an email is replaced before the name inside it. */
  private inside: string[] | null = null;

  constructor(
    /** Ids that mark an object as the customer's record or as one of its activations. */
    readonly ids: { customerId: string; activationIds: ReadonlySet<string> },
    readonly customerKeys: readonly string[],
  ) {}

  /** The personal values found (to look for in texts that name no customer). */
  values(): string[] {
    return [...this.map.keys()];
  }

  /** Learns a personal value found under `key` of an object of `shape`. */
  learn(shape: Shape, key: string, value: unknown): void {
    if (shape === 'other' || typeof value !== 'string' || value === '' || isErased(value) || this.map.has(value)) return;
    const fields = PERSONAL[shape];
    const keys = shape === 'customer' ? this.customerKeys : fields.tombstone;
    if (keys.includes(key)) this.map.set(value, ERASED);
    else if (fields.pseudonym.includes(key)) this.map.set(value, `[erased-${this.next++}]`);
    else return;
    this.inside = null;
  }

  /** Pseudonyms already given (by an earlier erasure) are not given again. */
  reserve(value: string): void {
    const n = PSEUDONYM.exec(value);
    if (n) this.next = Math.max(this.next, Number(n[1]) + 1);
  }

  /** Learns every personal value in a payload, wherever it sits. */
  learnAll(value: unknown, shape: Shape): void {
    walk(value, shape, this, (s, key, v) => this.learn(s, key, v));
  }

  replace(value: string): string {
    const whole = this.map.get(value);
    if (whole !== undefined) return whole;
    this.inside ??= [...this.map.keys()].filter((v) => v.length >= MIN_INSIDE).sort((a, b) => b.length - a.length);
    let out = value;
    for (const personal of this.inside) if (out.includes(personal)) out = out.split(personal).join(ERASED);
    return out;
  }

  shapeOf(value: Record<string, unknown>, fallback: Shape): Shape {
    if (value.id === this.ids.customerId) return 'customer';
    if ((typeof value.id === 'string' && this.ids.activationIds.has(value.id)) || 'fingerprint' in value) return 'activation';
    return fallback;
  }

  clears(shape: Shape, key: string): boolean {
    return shape !== 'other' && PERSONAL[shape].clear.includes(key);
  }
}

type Visit = (shape: Shape, key: string, value: unknown) => void;

function walk(value: unknown, shape: Shape, r: Replacements, visit: Visit): void {
  if (Array.isArray(value)) {
    for (const item of value) walk(item, 'other', r, visit);
  } else if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const own = r.shapeOf(obj, shape);
    for (const [key, v] of Object.entries(obj)) {
      visit(own, key, v);
      if (typeof v === 'object') walk(v, 'other', r, visit);
    }
  }
}

/** A payload without the personal data: known values replaced, free-form maps emptied, shape kept. */
export function scrubValue(value: unknown, shape: Shape, r: Replacements): unknown {
  if (typeof value === 'string') return r.replace(value);
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, 'other', r));
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const own = r.shapeOf(obj, shape);
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(obj)) {
    out[key] = r.clears(own, key) && v !== null && typeof v === 'object' ? {} : scrubValue(v, 'other', r);
  }
  return out;
}

/** A stored text (JSON, or plain) without the personal data; the same string when nothing in it was personal. */
export function scrubText(text: string, shape: Shape, r: Replacements): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return r.replace(text);
  }
  const scrubbed = JSON.stringify(scrubValue(parsed, shape, r));
  return scrubbed === JSON.stringify(parsed) ? text : scrubbed;
}

/** Learns the personal values of a stored text (events' payloads are learnt from, then scrubbed). */
export function learnText(text: string | null, shape: Shape, r: Replacements): void {
  if (text === null) return;
  try {
    r.learnAll(JSON.parse(text), shape);
  } catch {
    // Not JSON: nothing to learn by key.
  }
}
