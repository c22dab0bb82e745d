/** A timer handle, as returned by {@link Clock.setTimer}. */
export interface Timer {
  cancel(): void;
}

/**
 * Time and timers, injected. The SDK never reads the system time or sets a timer except through
 * its clock, so tests (the SDK's and the vendor's) move time instead of sleeping.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds. */
  setTimer(fn: () => void, ms: number): Timer;
}

// setTimeout counts in a signed 32-bit number of milliseconds; a longer wait is split.
const LONGEST_TIMER = 2 ** 31 - 1;

/**
 * The real clock. Its timers are `unref`'d: a license check never keeps a process alive.
 *
 * @example
 * import { systemClock } from '@leasehold/sdk';
 * const t = systemClock.setTimer(() => console.log('one second later'), 1000);
 * t.cancel();
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    let handle: NodeJS.Timeout;
    const due = Date.now() + Math.max(0, ms);
    const arm = () => {
      const wait = Math.min(LONGEST_TIMER, Math.max(0, due - Date.now()));
      handle = setTimeout(() => (Date.now() >= due ? fn() : arm()), wait);
      handle.unref?.();
    };
    arm();
    return { cancel: () => clearTimeout(handle) };
  },
};

interface Pending {
  due: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * A clock that moves only when told to, firing due timers in order as it moves. For tests and
 * simulations of your application: open a license with it and advance days in microseconds.
 *
 * @example
 * import { ManualClock } from '@leasehold/sdk';
 * const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
 * clock.setTimer(() => console.log('an hour passed'), 3_600_000);
 * clock.advance(3_600_000); // prints "an hour passed"
 */
export class ManualClock implements Clock {
  private current: number;
  /** Waiting timers as a binary min-heap on (due, seq); cancelled ones leave when they reach the top. */
  private heap: Pending[] = [];
  private live = 0;
  private seq = 0;

  constructor(start: number = Date.now()) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(fn: () => void, ms: number): Timer {
    const entry: Pending = { due: this.current + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.push(entry);
    this.live++;
    return {
      cancel: () => {
        if (entry.cancelled) return;
        entry.cancelled = true;
        this.live--;
      },
    };
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way, at its own time.
   *
   * @example
   * clock.advance(60_000); // one minute later
   */
  advance(ms: number): void {
    this.set(this.current + ms);
  }

  /**
   * Sets the time. Moving forward fires due timers; moving back (a user winding the clock) fires
   * nothing.
   *
   * @example
   * clock.set(Date.parse('2026-01-02T00:00:00Z'));
   */
  set(at: number): void {
    for (;;) {
      const next = this.top();
      if (!next || next.due > at) break;
      this.pop();
      // Fired: it can no longer be cancelled (nor counted).
      next.cancelled = true;
      this.live--;
      this.current = Math.max(this.current, next.due);
      next.fn();
    }
    this.current = at;
  }

  /**
   * When the next timer falls due, or null when none is waiting: step from one to the next with
   * `clock.set(clock.nextTimerAt()!)`.
   *
   * @example
   * const at = clock.nextTimerAt();
   * if (at !== null) clock.set(at);
   */
  nextTimerAt(): number | null {
    return this.top()?.due ?? null;
  }

  /** How many timers are waiting; for tests. */
  get timers(): number {
    return this.live;
  }

  /** The earliest live timer, dropping cancelled ones from the top on the way. */
  private top(): Pending | undefined {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.pop();
    return this.heap[0];
  }

  private push(entry: Pending): void {
    const h = this.heap;
    h.push(entry);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l]!, h[m]!)) m = l;
      if (r < h.length && before(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

/** Timer order: by due time, then by the order they were set. */
function before(a: Pending, b: Pending): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}
