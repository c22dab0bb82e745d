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
  private pending: Pending[] = [];
  private seq = 0;

  constructor(start: number = Date.now()) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(fn: () => void, ms: number): Timer {
    const entry: Pending = { due: this.current + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.pending.push(entry);
    return { cancel: () => (entry.cancelled = true) };
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
      this.pending = this.pending.filter((p) => !p.cancelled);
      const next = this.pending.filter((p) => p.due <= at).sort((a, b) => a.due - b.due || a.seq - b.seq)[0];
      if (!next) break;
      this.pending.splice(this.pending.indexOf(next), 1);
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
    const live = this.pending.filter((p) => !p.cancelled);
    return live.length === 0 ? null : Math.min(...live.map((p) => p.due));
  }

  /** How many timers are waiting; for tests. */
  get timers(): number {
    return this.pending.filter((p) => !p.cancelled).length;
  }
}
