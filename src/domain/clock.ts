/**
 * Where time comes from: injected everywhere so that tests control it and a replay reproduces a run byte for byte.
 * Only the composition root (src/app) and the CLI construct a {@link Clock} from the system time.
 */
export interface Clock {
  /** Returns the current time, milliseconds since the Unix epoch (UTC). */
  now(): number;
}

/** A clock that moves only when told: for tests, replays and the simulator. */
export class ManualClock implements Clock {
  constructor(private current: number = 0) {}

  now(): number {
    return this.current;
  }

  /** Moves the clock to `ms`; refuses to go backwards (a bug, not an expected outcome). */
  set(ms: number): void {
    if (ms < this.current) throw new RangeError(`the clock cannot go back from ${this.current} to ${ms}`);
    this.current = ms;
  }

  /** Moves the clock forward by `ms` (≥ 0). */
  advance(ms: number): void {
    this.set(this.current + ms);
  }
}
