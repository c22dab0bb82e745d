/**
 * What the header's search box asks the server for a piece of text: a license key, a customer
 * (name, email, external reference), an order reference, a device fingerprint. Every lookup the
 * text could be is asked at once, each an exact or indexed query on the server; none scans keys.
 */
export type Lookup = 'key' | 'customer' | 'order' | 'device';

/** The key as the server compares it: upper case, no spaces or dashes, O→0 and I/L→1 (Crockford). */
export const normalizeKey = (text: string): string => text.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');

export function searchPlan(text: string): Lookup[] {
  const t = text.trim();
  if (t.length < 2) return [];
  const plan: Lookup[] = ['customer'];
  // A key read out may come in groups with spaces; imported keys may be any long run of letters and digits.
  if (/^[0-9A-Z]{16,64}$/.test(normalizeKey(t)) && /^[0-9a-z\s-]+$/i.test(t)) plan.unshift('key');
  if (!/\s/.test(t) && t.length <= 200) plan.push('order');
  if (!/\s/.test(t) && t.length >= 6 && t.length <= 256) plan.push('device');
  return plan;
}

/** The request for each lookup (the server's names for them). */
export function lookupPath(lookup: Lookup, text: string): string {
  const t = encodeURIComponent(text.trim());
  switch (lookup) {
    case 'key':
      return `/v1/entitlements?key=${t}&limit=5`;
    case 'customer':
      return `/v1/customers?q=${t}&limit=10`;
    case 'order':
      return `/v1/entitlements?orderRef=${t}&limit=10`;
    case 'device':
      return `/v1/activations?fingerprint=${t}&limit=10`;
  }
}
