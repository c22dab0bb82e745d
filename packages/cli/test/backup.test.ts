import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { api, killAll, removeDir, runCli, startServer, tempDataDir } from '../../server/test/support/processes.js';

/**
 * `leasehold backup` and `restore` (issue 17): a backup taken while writes stream in restores with
 * every write acknowledged before it began, and restore refuses what would lose data.
 */
describe('backup and restore of the embedded database', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = tempDataDir();
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    killAll();
    for (const d of dirs) removeDir(d);
  });

  it('backs up under write load; the restore holds every write acknowledged before the backup began', async () => {
    const data = dir();
    const env = { LEASEHOLD_DATA_DIR: data };
    const server = await startServer(env);
    const key = server.bannerKey()!;
    const acknowledged: Array<{ ref: string; at: number }> = [];
    let writing = true;
    let n = 0;
    const writer = async (w: number) => {
      while (writing) {
        const ref = `crm-${w}-${n++}`;
        const res = await api(server.url, key, 'POST', '/v1/customers', { name: `Customer ${ref}`, externalRef: ref });
        if (res.status === 201) acknowledged.push({ ref, at: Date.now() });
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    while (acknowledged.length < 40) await new Promise((r) => setTimeout(r, 20));
    const backupFile = join(dir(), 'leasehold.backup.db');
    const began = Date.now();
    const backup = await runCli(['backup', backupFile], env);
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stdout).toMatch(/backed up to .*leasehold\.backup\.db \(\d+ bytes, \d+ migrations\)/);
    expect(backup.stdout).toContain('The master key is not in the backup');
    const before = acknowledged.filter((a) => a.at < began).map((a) => a.ref);
    // Writes went on during the backup too: it was taken under load.
    while (acknowledged.length < before.length + 20) await new Promise((r) => setTimeout(r, 20));
    writing = false;
    await Promise.all(writers);

    // A backup never overwrites, and restore refuses while the server runs.
    expect((await runCli(['backup', backupFile], env)).stderr).toMatch(/exists already/);
    const busy = await runCli(['restore', backupFile], env);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(/in use .*stop the server first/);
    await server.stop();

    // Restore into another data directory holding the same master key, and start from it.
    const restoredDir = dir();
    const restoredEnv = { LEASEHOLD_DATA_DIR: restoredDir };
    expect((await runCli(['restore', backupFile], restoredEnv)).stderr).toMatch(/No master key here/);
    copyFileSync(join(data, 'master.key'), join(restoredDir, 'master.key'));
    const restored = await runCli(['restore', backupFile], restoredEnv);
    expect(restored.code, restored.stderr).toBe(0);
    const again = await startServer(restoredEnv);
    try {
      const refs = new Set<string>();
      let cursor: string | null = null;
      do {
        const page: { body: { data: Array<{ externalRef: string }>; nextCursor: string | null } } = await api(
          again.url,
          key,
          'GET',
          `/v1/customers?limit=500${cursor ? `&cursor=${cursor}` : ''}`,
        );
        for (const c of page.body.data) refs.add(c.externalRef);
        cursor = page.body.nextCursor;
      } while (cursor);
      const missing = before.filter((ref) => !refs.has(ref));
      expect(missing, `${missing.length} of ${before.length} writes acknowledged before the backup are missing`).toEqual([]);
      // And nothing that was never acknowledged: every restored customer is one a writer sent.
      expect([...refs].every((r) => /^crm-\d-\d+$/.test(r))).toBe(true);
    } finally {
      await again.stop();
    }
  });

  it('restore refuses a file that is not a Leasehold database and a backup made under another master key, and keeps what it replaces', async () => {
    const data = dir();
    const env = { LEASEHOLD_DATA_DIR: data };
    const server = await startServer(env);
    await server.stop();
    const backupFile = join(dir(), 'b.db');
    expect((await runCli(['backup', backupFile], env)).code).toBe(0);

    const junk = join(dir(), 'junk.db');
    writeFileSync(junk, 'not a database at all, just text that is long enough to look like a file'.repeat(50));
    expect((await runCli(['restore', junk], env)).stderr).toMatch(/not a SQLite database/);

    const other = dir();
    const otherServer = await startServer({ LEASEHOLD_DATA_DIR: other });
    await otherServer.stop();
    const foreign = await runCli(['restore', backupFile], { LEASEHOLD_DATA_DIR: other });
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toMatch(/different master key/);

    const ok = await runCli(['restore', backupFile], env);
    expect(ok.code, ok.stderr).toBe(0);
    const previous = /kept as (\S+)/.exec(ok.stdout)?.[1];
    expect(previous && existsSync(previous)).toBe(true);

    expect((await runCli(['backup', join(dir(), 'pg.db')], { ...env, DATABASE_URL: 'postgres://127.0.0.1/none' })).stderr).toMatch(
      /pg_dump/,
    );
  });
});
