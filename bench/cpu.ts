/**
 * CPU time of a process and all its descendants (cluster workers, tsx loaders), read from /proc.
 * On a shared machine requests/s move with whatever else runs; the CPU a request costs the server
 * moves far less, so the benchmark reports both. Linux only; elsewhere it reports nothing (null).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second for /proc's utime and stime (USER_HZ, 100 on every Linux build in use). */
const TICKS_PER_SECOND = 100;

interface Stat {
  ppid: number;
  ticks: number;
}

function statOf(pid: number): Stat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: the fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // Fields from 3 (state): ppid is field 4, utime 14, stime 15 (1-based, man 5 proc).
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

/** Seconds of CPU used so far by `root` and every live descendant; null where /proc is missing. */
export function treeCpuSeconds(root: number): number | null {
  let pids: number[];
  try {
    pids = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return null;
  }
  const stats = new Map<number, Stat>();
  for (const pid of pids) {
    const s = statOf(pid);
    if (s) stats.set(pid, s);
  }
  if (!stats.has(root)) return null;
  const children = new Map<number, number[]>();
  for (const [pid, s] of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
  let ticks = 0;
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.pop()!;
    ticks += stats.get(pid)?.ticks ?? 0;
    queue.push(...(children.get(pid) ?? []));
  }
  return ticks / TICKS_PER_SECOND;
}
