import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/platform/store/database.js';
import type { CacheChange } from '../../src/platform/store/changes.js';
import { createPostgresDatabase, storeKinds } from '../support/stores.js';

/**
 * The LISTEN connection that carries other processes' changes can die without a word: a NAT or a
 * failover drops it half-open, and no error or end ever arrives. While it seems up, the caches
 * would serve what other processes changed long ago. It is probed, so such a connection is given
 * up within seconds (caches bypassed meanwhile) and replaced once the database answers again.
 */
const withPostgres = (await storeKinds()).includes('postgres');

/** A TCP relay to PostgreSQL whose open connections can be frozen: bytes stop, nothing closes. */
async function relay(target: { host: string; port: number }): Promise<{ port: number; freeze(): void; close(): Promise<void> }> {
  const pairs: Array<[Socket, Socket]> = [];
  const all: Socket[] = [];
  const server: Server = createServer((inbound) => {
    const outbound = connect(target.port, target.host);
    pairs.push([inbound, outbound]);
    all.push(inbound, outbound);
    inbound.pipe(outbound);
    outbound.pipe(inbound);
    const drop = () => {
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('error', drop);
    outbound.on('error', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    // Connections open now stop passing bytes (as if the network dropped them); new ones work.
    freeze: () => {
      for (const [inbound, outbound] of pairs.splice(0)) {
        inbound.unpipe(outbound);
        outbound.unpipe(inbound);
        inbound.pause();
        outbound.pause();
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of all) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

async function eventually(check: () => boolean, what: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`not within ${ms} ms: ${what}`);
}

describe.skipIf(!withPostgres)('the PostgreSQL change listener', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it(
    'gives up a connection that went silent, bypasses the caches meanwhile, and listens again on a new one',
    { timeout: 60_000 },
    async () => {
      const db = await createPostgresDatabase();
      cleanup.push(() => db.drop());
      const target = new URL(db.url);
      const proxy = await relay({ host: target.hostname, port: Number(target.port || 5432) });
      cleanup.push(() => proxy.close());
      const proxied = new URL(db.url);
      proxied.hostname = '127.0.0.1';
      proxied.port = String(proxy.port);
      const database: Database = openDatabase({ dialect: 'postgres', url: proxied.toString(), poolSize: 2 });
      cleanup.push(() => database.close());
      const heard: CacheChange[] = [];
      database.changes.subscribe((changes) => heard.push(...changes));

      await eventually(() => database.cacheable(), 'listening at first', 10_000);
      heard.length = 0;
      const frozenAt = Date.now();
      proxy.freeze();
      // No error and no end arrive; only the probe can tell.
      await eventually(() => !database.cacheable(), 'the silent connection given up', 15_000);
      expect(Date.now() - frozenAt).toBeLessThan(12_000);
      // Everything cached may be stale: the caches were told to drop all of it.
      expect(heard).toContainEqual({ accountId: '*', kind: 'all', id: '*' });

      // A new connection through the relay works, so the listener comes back by itself.
      await eventually(() => database.cacheable(), 'listening again', 20_000);
      // And it really hears another process's notification.
      heard.length = 0;
      const other = openDatabase({ dialect: 'postgres', url: db.url, poolSize: 1 });
      cleanup.push(() => other.close());
      await other.db.transaction().execute((trx) => other.announce(trx, [{ accountId: 'acc_x', kind: 'entitlement', id: 'ent_x' }]));
      await eventually(() => heard.some((c) => c.id === 'ent_x'), 'a notification from another process', 10_000);
    },
  );
});
