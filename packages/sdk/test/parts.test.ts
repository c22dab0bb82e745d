import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  deviceFingerprint,
  LeaseCache,
  machineId,
  ManualClock,
  type CachedState,
  type MachineIdProbes,
} from '../src/index.js';
import { tempDir } from './support/open.js';

describe('backoff', () => {
  const policy = { initialMs: 1_000, ceilingMs: 60_000 };
  it.each([
    [0, 0, 500],
    [0, 1, 1_000],
    [3, 0, 4_000],
    [3, 1, 8_000],
    [10, 0, 30_000],
    [10, 1, 60_000],
    [1_000, 1, 60_000],
  ])('retry %i with random %d waits %i ms', (attempt, random, expected) => {
    expect(backoffDelay(policy, attempt, () => random)).toBe(expected);
  });

  it('never exceeds the ceiling, even when the server asks for longer', () => {
    for (let attempt = 0; attempt < 100; attempt++) expect(backoffDelay(policy, attempt, Math.random)).toBeLessThanOrEqual(60_000);
    expect(backoffDelay(policy, 0, () => 0, 3_600_000)).toBe(60_000);
    expect(backoffDelay(policy, 0, () => 0, 20_000)).toBe(20_000);
  });

  it('takes Retry-After as the floor and spreads on top of it, so a shed herd does not come back together', () => {
    // The first retry's random half is 500 ms wide; on top of a 3 s Retry-After, not swallowed by it.
    expect(backoffDelay(policy, 0, () => 0, 3_000)).toBe(3_000);
    expect(backoffDelay(policy, 0, () => 0.5, 3_000)).toBe(3_250);
    expect(backoffDelay(policy, 0, () => 1, 3_000)).toBe(3_500);
    const waits = new Set(Array.from({ length: 200 }, (_, i) => backoffDelay(policy, 0, () => i / 200, 3_000)));
    expect(waits.size).toBeGreaterThan(100);
  });
});

describe('ManualClock', () => {
  it('keeps many timers in order, cancelled ones out, and counts the waiting (a simulated fleet sets tens of thousands)', () => {
    const clock = new ManualClock(0);
    let seed = 1;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const fired: number[] = [];
    const timers = Array.from({ length: 20_000 }, (_, i) => {
      const due = Math.floor(random() * 1_000_000);
      return { due, i, timer: clock.setTimer(() => fired.push(i), due) };
    });
    for (const t of timers) if (t.i % 3 === 0) t.timer.cancel();
    expect(clock.timers).toBe(20_000 - Math.ceil(20_000 / 3));
    const expected = timers
      .filter((t) => t.i % 3 !== 0)
      .sort((a, b) => a.due - b.due || a.i - b.i)
      .map((t) => t.i);
    expect(clock.nextTimerAt()).toBe(timers.find((t) => t.i === expected[0])!.due);
    clock.set(500_000);
    clock.set(1_000_000);
    expect(fired).toEqual(expected);
    expect(clock.timers).toBe(0);
    expect(clock.nextTimerAt()).toBeNull();
  });

  it('fires timers in order at their own time as it moves, and none when wound back', () => {
    const clock = new ManualClock(0);
    const fired: Array<[string, number]> = [];
    clock.setTimer(() => fired.push(['b', clock.now()]), 200);
    clock.setTimer(() => fired.push(['a', clock.now()]), 100);
    const c = clock.setTimer(() => fired.push(['c', clock.now()]), 150);
    c.cancel();
    clock.set(-1000);
    expect(fired).toEqual([]);
    clock.set(0);
    clock.advance(1000);
    expect(fired).toEqual([
      ['a', 100],
      ['b', 200],
    ]);
    expect(clock.now()).toBe(1000);
  });
});

describe('the encrypted cache', () => {
  const state: CachedState = {
    licenseKey: 'AAAAA-BBBBB-CCCCC-DDDDD-EEEEE',
    activationId: 'act_1',
    token: 'x.y.z',
    refusal: null,
    trustedTime: 1_000,
    skewMs: 0,
    lastContactAt: null,
    pendingOffline: null,
  };

  it('round-trips, owner-only, replacing the file atomically without leaving temporary files', () => {
    const dir = join(tempDir(), 'nested');
    const cache = new LeaseCache(dir, 'studio', 'device-0001');
    expect(cache.read()).toEqual({ kind: 'missing' });
    cache.write(state);
    cache.write({ ...state, trustedTime: 2_000 });
    expect(cache.read()).toEqual({ kind: 'ok', state: { ...state, trustedTime: 2_000 } });
    expect(statSync(cache.file).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readdirSync(dir)).toEqual(['studio.lease']);
    const text = readFileSync(cache.file, 'utf8');
    expect(text).not.toContain('act_1');
    expect(text).not.toContain(state.licenseKey);
  });

  it('reads as tampered under another fingerprint or product, or with any byte changed', () => {
    const dir = tempDir();
    new LeaseCache(dir, 'studio', 'device-0001').write(state);
    expect(new LeaseCache(dir, 'studio', 'device-0002').read().kind).toBe('tampered');
    const file = join(dir, 'studio.lease');
    const original = readFileSync(file, 'utf8');
    const envelope = JSON.parse(original);
    for (const box of ['keyBox', 'box'] as const) {
      for (const field of ['iv', 'tag', 'data'] as const) {
        const bytes = Buffer.from(envelope[box][field], 'base64');
        bytes[0] = bytes[0]! ^ 0x80;
        writeFileSync(file, JSON.stringify({ ...envelope, [box]: { ...envelope[box], [field]: bytes.toString('base64') } }));
        expect(new LeaseCache(dir, 'studio', 'device-0001').read().kind).toBe('tampered');
      }
    }
    // Boxes from two different caches do not mix.
    const other = tempDir();
    new LeaseCache(other, 'studio', 'device-0001').write({ ...state, licenseKey: 'OTHER-KEY' });
    const foreign = JSON.parse(readFileSync(join(other, 'studio.lease'), 'utf8'));
    writeFileSync(file, JSON.stringify({ ...envelope, keyBox: foreign.keyBox }));
    expect(new LeaseCache(dir, 'studio', 'device-0001').read().kind).toBe('tampered');
  });
});

describe('device fingerprint', () => {
  const probes = (platform: NodeJS.Platform, files: Record<string, string>, commands: Record<string, string> = {}): MachineIdProbes => ({
    platform,
    readFile: (path) => {
      if (path in files) return files[path]!;
      throw new Error('ENOENT');
    },
    run: (command) => {
      if (command in commands) return commands[command]!;
      throw new Error('not found');
    },
  });

  it.each([
    [
      'linux',
      probes('linux', { '/etc/machine-id': '5f1c0e3d9b2a4c6e8f0a1b2c3d4e5f60\n' }),
      '5f1c0e3d9b2a4c6e8f0a1b2c3d4e5f60',
      'machine-id',
    ],
    [
      'linux via D-Bus',
      probes('linux', { '/var/lib/dbus/machine-id': 'abcdef0123456789abcdef0123456789' }),
      'abcdef0123456789abcdef0123456789',
      'machine-id',
    ],
    [
      'macOS',
      probes('darwin', {}, { ioreg: '  "IOPlatformUUID" = "8E1B7C2A-3D4F-5A6B-9C8D-7E6F5A4B3C2D"\n' }),
      '8E1B7C2A-3D4F-5A6B-9C8D-7E6F5A4B3C2D',
      'ioreg',
    ],
    [
      'Windows',
      probes(
        'win32',
        {},
        {
          reg: '\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Cryptography\r\n    MachineGuid    REG_SZ    1b2c3d4e-5f60-7a8b-9c0d-e1f2a3b4c5d6\r\n',
        },
      ),
      '1b2c3d4e-5f60-7a8b-9c0d-e1f2a3b4c5d6',
      'registry',
    ],
  ])('reads the machine id on %s', (_, p, id, source) => {
    expect(machineId(p)).toEqual({ id, source });
  });

  it('hashes the machine id with the product, so two products see unrelated ids', () => {
    const p = probes('linux', { '/etc/machine-id': '5f1c0e3d9b2a4c6e8f0a1b2c3d4e5f60' });
    const a = deviceFingerprint('studio', tempDir(), p);
    const b = deviceFingerprint('mixer', tempDir(), p);
    expect(a.value).toMatch(/^[0-9a-f]{64}$/);
    expect(a.value).not.toBe(b.value);
    expect(a.value).not.toContain('5f1c0e3d');
    expect(deviceFingerprint('studio', tempDir(), p).value).toBe(a.value);
  });

  it('falls back to a random id kept in the cache directory when the OS gives none', () => {
    const dir = tempDir();
    const none = probes('linux', { '/etc/machine-id': '\n' });
    const first = deviceFingerprint('studio', dir, none);
    expect(first.source).toBe('generated');
    expect(deviceFingerprint('studio', dir, none).value).toBe(first.value);
    expect(statSync(join(dir, 'device-id')).mode & 0o777).toBe(0o600);
    expect(deviceFingerprint('studio', tempDir(), none).value).not.toBe(first.value);
  });
});
