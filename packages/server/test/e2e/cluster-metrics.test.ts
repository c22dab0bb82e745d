import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll, removeDir, startServer, tempDataDir, type ServerProcess } from '../support/processes.js';

/** One request on a connection of its own, so the cluster hands it to the next worker. */
function fresh(url: string, path: string, key: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { agent: false, headers: { authorization: `Bearer ${key}`, connection: 'close' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** `leasehold_http_requests_total` samples of one route, by the pid that counted them. */
function countsByPid(text: string, route: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('leasehold_http_requests_total{') || !line.includes(`route="${route}"`)) continue;
    const pid = /pid="(\d+)"/.exec(line)![1]!;
    counts.set(pid, (counts.get(pid) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return counts;
}

/**
 * `serve --workers 2` answers /metrics for the whole server: whichever worker takes the scrape, it
 * holds every worker's samples (each with its pid), so requests that went to either are all counted.
 */
describe('metrics under serve --workers 2', () => {
  const dataDir = tempDataDir();
  let server: ServerProcess;
  let key: string;
  beforeAll(async () => {
    server = await startServer({ LEASEHOLD_DATA_DIR: dataDir, LOG_LEVEL: 'warn' }, { args: ['--workers', '2'] });
    const deadline = Date.now() + 10_000;
    while (!server.bannerKey() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    key = server.bannerKey()!;
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    killAll();
    removeDir(dataDir);
  });

  it('every scrape counts the requests both workers answered', async () => {
    const N = 40;
    for (let i = 0; i < N; i++) expect(await fresh(server.url, '/v1/products', key)).toBe(200);
    // Several scrapes, each on a connection of its own: both workers answer some of them, and each
    // answer holds the whole server.
    for (let scrape = 0; scrape < 4; scrape++) {
      const res = await fetch(`${server.url}/metrics`, { headers: { connection: 'close' } });
      expect(res.status).toBe(200);
      const counts = countsByPid(await res.text(), '/v1/products');
      expect(counts.size).toBe(2);
      for (const n of counts.values()) expect(n).toBeGreaterThan(0);
      expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(N);
    }
  });
});
