import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createHarness, seedCatalog, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';

const CATALOG = `
products:
  - code: studio
    name: Studio 2
    features:
      - { code: export, name: Export, type: boolean }
      - { code: projects, name: Max projects, type: numeric, unit: projects }
      - { code: render, name: Render nodes, type: numeric }
    offerings:
      - code: studio-pro
        name: Studio Pro
        licenseModel: subscription
        seatModel: node_locked
        seats: 10
        term: P1Y
        leasePeriod: P7D
        features: { export: true, projects: 20, render: 4 }
      - code: studio-team
        name: Studio Team
        licenseModel: subscription
        seatModel: floating
        seats: 25
        term: P1Y
        features: { export: true, projects: 100, render: 16 }
  - code: plugins
    name: Plugins
    features:
      - { code: denoise, name: Denoise, type: boolean }
    offerings:
      - { code: plugins-bundle, name: Plugin bundle, licenseModel: perpetual, features: { denoise: true } }
`;

describe.each(await storeKinds())('the catalog as code on %s', (kind) => {
  let h: Harness;
  const catalog = (yaml: string) => ({ catalog: parse(yaml) as unknown });
  const events = async () => (await h.call('GET', '/v1/events?limit=500')).body.data.length as number;

  beforeAll(async () => {
    h = await createHarness(kind);
    const { customer } = await seedCatalog(h);
    for (let i = 0; i < 2; i++) await h.call('POST', '/v1/entitlements', { customerId: customer.id, offeringId: 'studio-pro' });
    await h.call('POST', '/v1/offerings', { productId: 'studio', code: 'studio-lite', name: 'Lite', licenseModel: 'perpetual' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('plan shows what would be created, changed and removed, with the entitlements each change reaches, and changes nothing', async () => {
    const before = await events();
    const r = await h.call('POST', '/v1/catalog/plan', catalog(CATALOG));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const brief = r.body.changes.map((c: { action: string; resource: string; code: string; entitlements: number }) => [
      c.action,
      c.resource,
      c.code,
      c.entitlements,
    ]);
    expect(brief).toEqual([
      ['change', 'product', 'studio', 2],
      ['create', 'product', 'plugins', 0],
      ['change', 'feature', 'projects', 2],
      ['create', 'feature', 'render', 0],
      ['create', 'feature', 'denoise', 0],
      ['change', 'offering', 'studio-pro', 2],
      ['create', 'offering', 'studio-team', 0],
      ['create', 'offering', 'plugins-bundle', 0],
      ['remove', 'offering', 'studio-lite', 0],
    ]);
    const pro = r.body.changes.find((c: { code: string }) => c.code === 'studio-pro');
    expect(pro.fields).toEqual({
      seats: { from: 5, to: 10 },
      features: { from: { export: true, projects: 10 }, to: { export: true, projects: 20, render: 4 } },
    });
    expect(r.body.applied).toBe(false);
    expect(await events()).toBe(before);
    expect((await h.call('GET', '/v1/products/plugins')).status).toBe(404);
    expect((await h.call('GET', '/v1/offerings/studio-pro')).body.seats).toBe(5);
  });

  it('apply makes every change; the plan is empty afterwards', async () => {
    const r = await h.call('POST', '/v1/catalog/apply', catalog(CATALOG));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.applied).toBe(true);
    expect((await h.call('GET', '/v1/offerings/studio-pro')).body).toMatchObject({ seats: 10, features: { render: 4 } });
    expect((await h.call('GET', '/v1/offerings/studio-team')).body.seatModel).toBe('floating');
    expect((await h.call('GET', '/v1/offerings/studio-lite')).status).toBe(404);
    expect((await h.call('GET', '/v1/products/plugins')).body.name).toBe('Plugins');
    // The entitlements on the changed offering see its new seats.
    const e = (await h.call('GET', '/v1/entitlements?offering=studio-pro')).body.data[0];
    expect(e.effective.seats).toBe(10);
    expect((await h.call('POST', '/v1/catalog/plan', catalog(CATALOG))).body.changes).toEqual([]);
  });

  it('apply is all or nothing: one refused change leaves every other undone', async () => {
    const bad =
      CATALOG.replace('seats: 10', 'seats: 12').replace('{ denoise: true }', '{ denoise: true, upscale: 2 }') +
      `  - code: extras\n    name: Extras\n`;
    const before = await events();
    const applied = await h.call('POST', '/v1/catalog/apply', catalog(bad));
    expect(applied.status).toBe(422);
    expect(applied.body.error.code).toBe('UNKNOWN_FEATURE');
    expect(await events()).toBe(before);
    expect((await h.call('GET', '/v1/offerings/studio-pro')).body.seats).toBe(10);
    expect((await h.call('GET', '/v1/products/extras')).status).toBe(404);
    // The plan refuses it the same way, before anyone applies it.
    expect((await h.call('POST', '/v1/catalog/plan', catalog(bad))).body.error.code).toBe('UNKNOWN_FEATURE');
  });

  it('an offering that entitlements hold is retired, not deleted, when the file drops it; its entitlements keep working', async () => {
    const without = CATALOG.replace(/ {6}- code: studio-pro[\s\S]*?render: 4 }\n/, '');
    const plan = await h.call('POST', '/v1/catalog/plan', catalog(without));
    expect(plan.body.changes).toEqual([
      expect.objectContaining({ action: 'remove', resource: 'offering', code: 'studio-pro', entitlements: 2 }),
    ]);
    expect((await h.call('POST', '/v1/catalog/apply', catalog(without))).status).toBe(200);
    expect((await h.call('GET', '/v1/offerings/studio-pro')).status).toBe(404);
    const list = (await h.call('GET', '/v1/entitlements?limit=10')).body.data;
    expect(list).toHaveLength(2);
    expect(list[0].effective.seats).toBe(10);
  });

  it('refuses a feature whose type the file changes, and an unknown field, changing nothing', async () => {
    const retyped = CATALOG.replace('{ code: export, name: Export, type: boolean }', '{ code: export, name: Export, type: numeric }');
    const r = await h.call('POST', '/v1/catalog/apply', catalog(retyped));
    expect(r.status).toBe(422);
    expect(r.body.error).toMatchObject({ code: 'CHANGE_NOT_ALLOWED', details: { code: 'export' } });
    const typo = await h.call('POST', '/v1/catalog/plan', catalog(CATALOG.replace('seats: 25', 'seat: 25')));
    expect(typo.status).toBe(400);
  });
});
