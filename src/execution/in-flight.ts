/**
 * Work the node has under way (orders, cancels, records), so a replay can wait for it before the next market event and
 * stay deterministic. A piece of work that fails is reported to `onFailure` (a bug in a promise chain: the node halts).
 */
export class InFlight {
  private count = 0;
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly onFailure: (message: string) => void) {}

  /** True while any tracked work is under way. */
  get busy(): boolean {
    return this.count > 0;
  }

  /** Tracks one piece of work until it settles. */
  track(work: Promise<unknown>): void {
    this.count += 1;
    const done = work.then(() => {
      this.count -= 1;
    }, (error: unknown) => {
      this.count -= 1;
      this.onFailure(error instanceof Error ? error.message : String(error));
    });
    this.tail = this.tail.then(() => done);
  }

  /** Resolves when nothing is under way (work started meanwhile included). */
  async idle(): Promise<void> {
    while (this.count > 0) await this.tail;
  }
}
