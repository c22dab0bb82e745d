import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, killAll, removeDir, runCli, startServer, tempDataDir, type ServerProcess } from '../support/processes.js';
import { createPostgresDatabase, storeKinds } from '../support/stores.js';

const ROWS = 2_000;

describe.each(await storeKinds())(
  'leasehold import <file.csv>, import --from keygen and catalog plan|apply against a server on %s',
  (kind) => {
    const dir = tempDataDir();
    const adminKey = `lh_${randomBytes(24).toString('hex')}`;
    let server: ServerProcess;
    let drop: (() => Promise<void>) | undefined;
    let env: Record<string, string>;

    beforeAll(async () => {
      const pg = kind === 'postgres' ? await createPostgresDatabase() : null;
      drop = pg?.drop;
      server = await startServer({
        LEASEHOLD_DATA_DIR: dir,
        LEASEHOLD_ADMIN_KEY: adminKey,
        LOG_LEVEL: 'warn',
        ...(pg ? { DATABASE_URL: pg.url } : {}),
      });
      env = { LEASEHOLD_URL: server.url, LEASEHOLD_API_KEY: adminKey, LEASEHOLD_DATA_DIR: dir };
    }, 60_000);
    afterAll(async () => {
      await server?.stop();
      killAll();
      removeDir(dir);
      await drop?.();
    });

    it(
      'imports a CSV file: the dry run changes nothing, bad rows go to the error report with their lines, a second run creates nothing',
      { timeout: 120_000 },
      async () => {
        const file = join(dir, 'customers.csv');
        const rows = Array.from({ length: ROWS }, (_, i) => `crm-${i},Customer ${i},c${i}@example.test`);
        rows[41] = 'crm-41,Customer 41,not-an-email';
        writeFileSync(file, ['externalRef,name,email', ...rows].join('\n') + '\n');

        const dry = await runCli(['import', file, '--dry-run'], env, 60_000);
        expect(dry.stdout).toContain(
          `Dry run (nothing changed): would be customers: ${ROWS - 1} created, 0 updated, 0 unchanged, 1 refused of ${ROWS} rows`,
        );
        expect((await api(server.url, adminKey, 'GET', '/v1/customers?limit=5')).body.data).toHaveLength(0);

        const real = await runCli(['import', file], env, 60_000);
        expect(real.code).toBe(1);
        expect(real.stdout).toContain(`customers: ${ROWS - 1} created, 0 updated, 0 unchanged, 1 refused of ${ROWS} rows`);
        expect(real.stdout).toMatch(/43\s+crm-41\s+INVALID_REQUEST\s+email/);
        // The progress bar ran to the whole file.
        expect(real.stderr).toMatch(/100%/);
        const report = join(dir, 'customers.errors.csv');
        expect(existsSync(report)).toBe(true);
        expect(readFileSync(report, 'utf8').split('\n')[1]).toMatch(/^43,crm-41,INVALID_REQUEST,email,/);

        const again = await runCli(['import', file, '--json'], env, 60_000);
        expect(JSON.parse(again.stdout).counts).toEqual({ rows: ROWS, created: 0, updated: 0, unchanged: ROWS - 1, refused: 1 });
      },
    );

    it('plans and applies a catalog file, then finds nothing to change', { timeout: 60_000 }, async () => {
      const file = join(dir, 'catalog.yaml');
      writeFileSync(
        file,
        [
          'products:',
          '  - code: studio',
          '    name: Studio',
          '    features:',
          '      - { code: export, name: Export, type: boolean }',
          '    offerings:',
          '      - { code: studio-pro, name: Studio Pro, licenseModel: subscription, term: P1Y, seats: 3, features: { export: true } }',
        ].join('\n') + '\n',
      );
      const plan = await runCli(['catalog', 'plan', file], env);
      expect(plan.code, plan.stderr).toBe(0);
      expect(plan.stdout).toContain('+ product studio');
      expect(plan.stdout).toContain('+ offering studio/studio-pro');
      expect(plan.stdout).toContain('Plan: 3 to create, 0 to change, 0 to remove.');
      expect((await api(server.url, adminKey, 'GET', '/v1/products/studio')).status).toBe(404);
      const applied = await runCli(['catalog', 'apply', file], env);
      expect(applied.stdout).toContain('Applied: 3 to create');
      writeFileSync(file, readFileSync(file, 'utf8').replace('seats: 3', 'seats: 5'));
      const changed = await runCli(['catalog', 'plan', file], env);
      expect(changed.stdout).toContain('~ offering studio/studio-pro');
      expect(changed.stdout).toContain('seats: 3 → 5');
    });

    it(
      'imports a Keygen export; its keys validate (a perpetual one: the annual licenses of the fixture end in 2026)',
      { timeout: 60_000 },
      async () => {
        const fixture = new URL('../http/fixtures/keygen-export.json', import.meta.url).pathname;
        const out = await runCli(['import', fixture, '--from', 'keygen'], env);
        // One machine does not fit its node-locked license: refused, so the exit code says so.
        expect(out.code).toBe(1);
        expect(out.stdout).toMatch(/licenses\s+4\s+0\s+0\s+0/);
        expect(out.stdout).toContain('SEAT_LIMIT_REACHED');
        const res = await fetch(`${server.url}/v1/client/validate`, {
          method: 'POST',
          headers: { authorization: 'License 4F2A9C-88D1E0-77B3A2-0C9E11-5D6F42-V3', 'content-type': 'application/json' },
          body: JSON.stringify({ fingerprint: 'WIN-7H2K9QP-0001-9F3A' }),
        });
        expect(await res.json()).toMatchObject({ valid: true, code: 'VALID' });
      },
    );
  },
);
