import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { LeaseClaims } from '@leasehold/contract';
import type { Harness, Reply } from './harness.js';

/** Calls a client endpoint as the application would: `Authorization: License <key>`. */
export function asLicense(h: Harness, key: string) {
  return (path: string, body: unknown): Promise<Reply> =>
    h.call('POST', `/v1/client/${path}`, body, { key: null, headers: { authorization: `License ${key}` } });
}

/** Verifies a lease token the way any JOSE library can: given only the account's JWKS. */
export async function verifyLease(h: Harness, token: string, audience: string): Promise<LeaseClaims & JWTPayload> {
  const jwks = (await h.call('GET', '/.well-known/jwks.json', undefined, { key: null })).body;
  const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks), {
    algorithms: ['EdDSA'],
    audience,
    issuer: h.accountId,
    currentDate: new Date(h.clock.now()),
    typ: 'leasehold-lease+jwt',
  });
  if (!protectedHeader.kid) throw new Error('lease header has no kid');
  return payload as LeaseClaims & JWTPayload;
}

/** A product, an offering built from `offering` and an entitlement for a fresh customer. */
export async function licensed(
  h: Harness,
  offering: Record<string, unknown>,
  opts: { product?: string; entitlement?: Record<string, unknown> } = {},
) {
  const productCode = opts.product ?? 'app';
  let product = (await h.call('GET', `/v1/products/${productCode}`)).body;
  if (!product.id) {
    product = (await h.call('POST', '/v1/products', { code: productCode, name: productCode })).body;
    await h.call('POST', `/v1/products/${productCode}/features`, { code: 'export', name: 'Export', type: 'boolean' });
    await h.call('POST', `/v1/products/${productCode}/features`, { code: 'projects', name: 'Projects', type: 'numeric' });
  }
  const code = `off-${Math.random().toString(36).slice(2, 10)}`;
  const off = await h.call('POST', '/v1/offerings', {
    productId: product.id,
    code,
    name: code,
    licenseModel: 'subscription',
    term: 'P1Y',
    features: { export: true, projects: 3 },
    ...offering,
  });
  if (off.status !== 201) throw new Error(`offering: ${JSON.stringify(off.body)}`);
  const customer = (await h.call('POST', '/v1/customers', { name: `Customer ${code}` })).body;
  const ent = await h.call('POST', '/v1/entitlements', { customerId: customer.id, offeringId: off.body.id, ...opts.entitlement });
  if (ent.status !== 201) throw new Error(`entitlement: ${JSON.stringify(ent.body)}`);
  return { product, offering: off.body, customer, entitlement: ent.body, key: ent.body.key as string, client: asLicense(h, ent.body.key) };
}

export const fp = (n: number | string) => `device-fingerprint-${n}`;
