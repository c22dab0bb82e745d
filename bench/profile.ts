/**
 * `npx tsx bench/profile.ts <dir> [count] [--inclusive [pattern]]`: where a scenario's time goes,
 * across the V8 CPU profiles in a directory (as written by `npm run bench -- --cpu-prof <dir>` or
 * `bench/inproc.ts … <file>`), before opening a flame graph (load the .cpuprofile in Chrome DevTools).
 *
 * By default: the functions with the most self time. With --inclusive: the time spent in each
 * function and everything it called (a function on the stack twice counts once), optionally only
 * for functions whose name or file matches the pattern (e.g. "packages/|fastify/lib").
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : name.endsWith('.cpuprofile') ? [path] : [];
  });
}

const [dir = '.', ...rest] = process.argv.slice(2);
const inclusive = rest.includes('--inclusive');
const args = rest.filter((a) => a !== '--inclusive');
const count = Number(args.find((a) => /^\d+$/.test(a)) ?? 30);
const pattern = inclusive ? new RegExp(args.find((a) => !/^\d+$/.test(a)) ?? '.') : /./;

const nameOf = (node: Node) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '~/');
  return `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
};

const time = new Map<string, number>();
let total = 0;
for (const file of files(dir)) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[] };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    total += hits;
    if (!inclusive) {
      time.set(nameOf(node), (time.get(nameOf(node)) ?? 0) + hits);
      continue;
    }
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const key = nameOf(byId.get(id)!);
      if (seen.has(key)) continue;
      seen.add(key);
      time.set(key, (time.get(key) ?? 0) + hits);
    }
  }
}
const top = [...time.entries()]
  .filter(([key]) => pattern.test(key))
  .sort((a, b) => b[1] - a[1])
  .slice(0, count);
for (const [key, hits] of top) process.stdout.write(`${((hits / total) * 100).toFixed(1).padStart(5)}%  ${key}\n`);
