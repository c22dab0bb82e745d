import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/platform/http/app.js';
import type { Capability } from '../../src/platform/capability.js';
import { managementAuth } from '../../src/capabilities/access/routes/auth.js';
import { licenseAuth } from '../../src/capabilities/licensing/routes/license-auth.js';
import { CAPABILITIES } from '../../src/registry.js';
import { answers } from '../../src/platform/http/route-kit.js';
import { Type } from 'typebox';
import { createHarness, type Harness } from '../support/harness.js';

/**
 * Each capability authenticates in its own child context, in the ways it names (issue 15). A new
 * capability that forgets to name one cannot leave its routes open: the server refuses to start.
 */
describe('authentication per capability context', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('sqlite');
  });
  afterAll(() => h.close());

  const probe = (auth: Capability['auth'], config: Record<string, unknown>): Capability => ({
    name: 'probe',
    ...(auth ? { auth } : {}),
    routes: (app) => {
      const response = answers(
        200,
        Type.Object({ key: Type.Union([Type.String(), Type.Null()]), license: Type.Union([Type.String(), Type.Null()]) }),
        [],
      );
      app.get(
        '/v1/probe',
        { config, schema: { operationId: 'probe', summary: 'Probe', description: 'A route of a test capability.', response } },
        async (req) => ({
          key: req.apiKey?.id ?? null,
          license: req.license?.entitlementId ?? null,
        }),
      );
    },
  });

  it('refuses to start a route needing a permission in a capability without management authentication', async () => {
    await expect(buildApp(h.services, { capabilities: [probe(undefined, { permission: 'catalog:read' })] })).rejects.toThrow(
      /GET \/v1\/probe needs management authentication, which the probe capability does not install/,
    );
    await expect(buildApp(h.services, { capabilities: [probe([managementAuth], { public: true, license: 'required' })] })).rejects.toThrow(
      /needs license authentication/,
    );
  });

  it('authenticates a route in the context that installs it, and only there', async () => {
    const app = await buildApp(h.services, { capabilities: [probe([managementAuth], { permission: 'catalog:read' })] });
    try {
      expect((await app.inject({ method: 'GET', url: '/v1/probe' })).statusCode).toBe(401);
      const ok = await app.inject({ method: 'GET', url: '/v1/probe', headers: { authorization: `Bearer ${h.adminKey}` } });
      expect(ok.statusCode).toBe(200);
      expect(JSON.parse(ok.body).key).toMatch(/\S/);
    } finally {
      await app.close();
    }
  });

  it('every capability of the registry names the authentication its routes need', () => {
    // The real registry starts (the harness built it); and each capability that serves /v1 routes
    // names at least one way in, or is a face that authenticates itself.
    for (const c of CAPABILITIES) {
      if (c.name === 'netlicensing') expect(c.auth ?? []).toEqual([]);
      else expect((c.auth ?? []).length).toBeGreaterThan(0);
    }
    const withLicense = CAPABILITIES.filter((c) => c.auth?.includes(licenseAuth)).map((c) => c.name);
    expect(withLicense.sort()).toEqual(['licensing', 'releases', 'usage']);
  });
});
