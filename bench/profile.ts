/**
 * `npx tsx bench/profile.ts <dir>`: the functions with the most self time across the V8 CPU
 * profiles in a directory (as written by `npm run bench -- --cpu-prof <dir>`), to see where a
 * scenario's time goes before opening a flame graph (load the .cpuprofile in Chrome DevTools).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : name.endsWith('.cpuprofile') ? [path] : [];
  });
}

const self = new Map<string, number>();
let total = 0;
for (const file of files(process.argv[2] ?? '.')) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[] };
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '~/');
    const key = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + hits);
    total += hits;
  }
}
const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(process.argv[3] ?? 30));
for (const [key, hits] of top) process.stdout.write(`${((hits / total) * 100).toFixed(1).padStart(5)}%  ${key}\n`);
