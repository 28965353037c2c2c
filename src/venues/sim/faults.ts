import { SeededRandom } from '../../market/synthetic.js';

/**
 * How often the simulator misbehaves, as probabilities in [0, 1]. Each submit draws once from the seeded
 * generator: below `errorRate` the venue is unavailable (nothing placed); in the next `timeoutRate` the request
 * times out before reaching the venue (nothing placed); in the next `lostAckRate` the order IS placed but the
 * acknowledgement is lost (the caller sees a timeout; looking the order up finds it). Each market event draws once
 * from a second generator: below `disconnectRate` the market-data stream drops for `disconnectMs`.
 */
export interface FaultOptions {
  readonly seed: number;
  readonly errorRate: number;
  readonly timeoutRate: number;
  readonly lostAckRate: number;
  readonly disconnectRate: number;
  /** How long a market-data disconnect lasts, ms. */
  readonly disconnectMs: number;
}

/** No faults at all. */
export const NO_FAULTS: FaultOptions = { seed: 1, errorRate: 0, timeoutRate: 0, lostAckRate: 0, disconnectRate: 0, disconnectMs: 1_000 };

/** What happens to one submit. */
export type SubmitFault = 'none' | 'unavailable' | 'timeout' | 'lost_ack';

/**
 * Draws faults from a seed: the same seed and the same sequence of calls give the same faults. Order faults and
 * market-data faults come from separate generators, so adding orders does not move the disconnects.
 */
export class FaultInjector {
  readonly options: FaultOptions;
  private readonly orderRandom: SeededRandom;
  private readonly marketRandom: SeededRandom;

  constructor(options: Partial<FaultOptions> = {}) {
    this.options = { ...NO_FAULTS, ...options };
    this.orderRandom = new SeededRandom(this.options.seed);
    this.marketRandom = new SeededRandom(this.options.seed ^ 0x5bd1e995);
  }

  /** Returns the fault of the next submit. */
  nextSubmitFault(): SubmitFault {
    const draw = this.orderRandom.next();
    const { errorRate, timeoutRate, lostAckRate } = this.options;
    if (draw < errorRate) return 'unavailable';
    if (draw < errorRate + timeoutRate) return 'timeout';
    if (draw < errorRate + timeoutRate + lostAckRate) return 'lost_ack';
    return 'none';
  }

  /** Returns whether the market-data stream drops on this market event. */
  nextDisconnect(): boolean {
    // The market stream has its own generator, used only here: with no disconnects configured there is nothing to draw.
    if (this.options.disconnectRate <= 0) return false;
    return this.marketRandom.next() < this.options.disconnectRate;
  }
}
