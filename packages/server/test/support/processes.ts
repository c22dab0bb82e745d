import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, where the `leasehold` command resolves its packages. */
export const REPO_ROOT = resolve(fileURLToPath(new URL('../../../..', import.meta.url)));
/**
 * The installed `leasehold` command, run with plain node as in production: it loads the built
 * packages (dist/), which the global setup (global-build.ts) brings up to date before any test runs.
 */
export const BIN = join(REPO_ROOT, 'packages', 'cli', 'bin', 'leasehold.js');

/** Settings a developer's shell may carry that would point a child at the wrong database or port. */
const INHERITED_SETTINGS = [
  'HOST',
  'PORT',
  'DATABASE_URL',
  'LEASEHOLD_DATA_DIR',
  'LEASEHOLD_ADMIN_KEY',
  'LEASEHOLD_MASTER_KEY',
  'LOG_LEVEL',
];

export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of INHERITED_SETTINGS) delete env[name];
  return { ...env, LOG_LEVEL: 'info', ...extra };
}

/** A port nobody listens on right now: bind to 0, read the port, close, reuse it. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'leasehold-e2e-'));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

function exitOf(child: ChildProcess): Promise<Exit> {
  return new Promise((resolveExit) => {
    if (child.exitCode !== null || child.signalCode !== null) resolveExit({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolveExit({ code, signal }));
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    }),
  ]);
}

/** Every child started here, so a failing test cannot leave a server running. */
const children = new Set<ChildProcess>();

export function killAll(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<Exit>;
  /** The admin key printed in the first-start banner, or null when none was printed. */
  bannerKey(): string | null;
  /** Lines that are pino JSON log records (from stdout and stderr). */
  logLines(): string[];
  /** Sends `signal` and waits for the exit. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit>;
}

/** The key printed on its own line after "shown only this once". */
export function keyFromBanner(stdout: string): string | null {
  const match = /shown only this once:\s*\n\s*\n\s+(\S+)\s*\n/.exec(stdout);
  return match ? match[1]! : null;
}

/**
 * Runs `[node nodeArgs] leasehold serve [args]` as a real process on a free port and waits until /readyz answers 200.
 * Rejects with the process's output when it exits first or is not ready within `readyTimeoutMs`.
 */
export async function startServer(
  env: Record<string, string>,
  opts: { readyTimeoutMs?: number; args?: string[]; nodeArgs?: string[] } = {},
): Promise<ServerProcess> {
  const readyTimeoutMs = opts.readyTimeoutMs ?? 30_000;
  const port = await freePort();
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), BIN, 'serve', ...(opts.args ?? [])], {
    cwd: REPO_ROOT,
    env: childEnv({ HOST: '127.0.0.1', PORT: String(port), ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = exitOf(child).then((exit) => {
    children.delete(child);
    return exit;
  });
  const url = `http://127.0.0.1:${port}`;

  const server: ServerProcess = {
    url,
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    bannerKey: () => keyFromBanner(out),
    logLines: () =>
      (out + '\n' + err)
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line.startsWith('{')),
    stop: async (signal = 'SIGTERM', timeoutMs = 10_000) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return withTimeout(exited, timeoutMs, `stopping the server with ${signal}`);
    },
  };

  const deadline = Date.now() + readyTimeoutMs;
  let early: Exit | null = null;
  void exited.then((exit) => (early = exit));
  while (Date.now() < deadline) {
    if (early) throw new Error(`the server exited (${JSON.stringify(early)}) before it was ready:\n${out}\n${err}`);
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) });
      // The banner is written right after the port opens; give stdout a moment to arrive.
      if (res.status === 200) {
        await new Promise((r) => setTimeout(r, 100));
        return server;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`the server was not ready within ${readyTimeoutMs} ms:\n${out}\n${err}`);
}

/** Waits for a server process that should refuse to start; returns its exit and output. */
export async function startExpectingFailure(
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<Exit & { stdout: string; stderr: string }> {
  return runCli(['serve'], { PORT: String(await freePort()), ...env }, timeoutMs);
}

/** Runs `leasehold <args>` to completion. */
export async function runCli(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<Exit & { stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: REPO_ROOT,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  try {
    const exit = await withTimeout(exitOf(child), timeoutMs, `leasehold ${args.join(' ')}`);
    return { ...exit, stdout, stderr };
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${stdout}\n${stderr}`);
  } finally {
    children.delete(child);
  }
}

// Tests read response bodies loosely, as the HTTP harness does.
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A management API call with a Bearer key; returns the status and the parsed body. */
export async function api(
  url: string,
  key: string | null,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  const headers: Record<string, string> = {};
  if (key !== null) headers['authorization'] = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed };
}
