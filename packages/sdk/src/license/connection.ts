import type { EventEmitter } from 'node:events';
import { LeaseholdError } from '../errors.js';
import type { LicenseEvents } from './types.js';

/** Whether the server answers: every server call goes through {@link Connection.contact}, which reports the changes. */
export class Connection {
  private reachable: boolean | null = null;

  /** `onAnswer` runs whenever the server answers, before `online` is emitted (the state records the contact). */
  constructor(
    private readonly events: EventEmitter<LicenseEvents>,
    private readonly onAnswer: () => void,
  ) {}

  /** Whether the last call got an answer; null before the first. */
  get online(): boolean | null {
    return this.reachable;
  }

  /** Runs one server call, keeping track of whether the server answers. */
  async contact<T>(call: () => Promise<T>): Promise<T> {
    try {
      const answer = await call();
      this.answered();
      return answer;
    } catch (error) {
      if (error instanceof LeaseholdError && error.transient) {
        if (this.reachable !== false) {
          this.reachable = false;
          this.events.emit('offline', error);
        }
      } else if (error instanceof LeaseholdError) {
        this.answered();
      }
      throw error;
    }
  }

  /** The server answered. Its clock (`serverTime`, the Date header) is not signed: only a lease it carries moves the trusted time. */
  private answered(): void {
    const was = this.reachable;
    this.reachable = true;
    this.onAnswer();
    if (was === false) this.events.emit('online');
  }
}
