import { randomBytes } from 'node:crypto';
import { ID_PREFIXES, type IdKind } from '@leasehold/contract';
import type { Clock } from './clock.js';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case

export interface IdGenerator {
  next(kind: IdKind): string;
}

/**
 * Time-ordered ids (ULID layout: 48-bit milliseconds + 80 random bits, Crockford base32) behind a
 * type prefix, e.g. `ent_01jd3x…`. Ordering by id is ordering by creation, which keyset pagination
 * relies on; within one millisecond the random part is incremented so ids stay strictly increasing.
 */
export class UlidGenerator implements IdGenerator {
  private lastTime = -1;
  private lastRandom = new Uint8Array(10);

  constructor(private readonly clock: Clock) {}

  next(kind: IdKind): string {
    return `${ID_PREFIXES[kind]}_${this.ulid()}`;
  }

  private ulid(): string {
    let time = this.clock.now();
    if (time <= this.lastTime) {
      time = this.lastTime;
      increment(this.lastRandom);
    } else {
      this.lastTime = time;
      this.lastRandom = new Uint8Array(randomBytes(10));
    }
    return encodeTime(time) + encodeRandom(this.lastRandom);
  }
}

function increment(bytes: Uint8Array): void {
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i] === 255) {
      bytes[i] = 0;
    } else {
      bytes[i] = bytes[i]! + 1;
      return;
    }
  }
}

function encodeTime(ms: number): string {
  let out = '';
  let t = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32]! + out;
    t = Math.floor(t / 32);
  }
  return out;
}

function encodeRandom(bytes: Uint8Array): string {
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let out = '';
  for (let i = 0; i < 16; i++) {
    out = ALPHABET[Number(bits & 31n)]! + out;
    bits >>= 5n;
  }
  return out;
}
