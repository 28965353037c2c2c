import type { TradingNode } from '../node/trading-node.js';
import type { SimMarketInput } from '../market/market-input.js';

/** How a recorded or synthetic market is paced: its time runs `speed` times the wall clock from a common start. */
export interface Pace {
  /** Market time per wall-clock time (10: ten seconds of market per second). */
  readonly speed: number;
  /** Wall-clock time of the start, epoch ms. */
  readonly wallStart: number;
  /** Market time at the start, epoch ms. */
  readonly marketStart: number;
}

/** Hands one market event on; returns the work it started when the feed must wait for it, else undefined. */
export type Delivery = (input: SimMarketInput) => Promise<void> | undefined;

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Resolves at the event loop's next check phase, after the timers and I/O already due. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    setImmediate(resolve);
  });
}

/**
 * `keel run`'s feed on the simulator: hands each event to `deliver` when the wall clock reaches its market time under
 * `pace` (sleeping until then), and waits for the work a delivery started before the next. An event already due goes
 * at the loop's next turn, not in the same one: the synthetic market moves every instrument at the same instant (a
 * burst of 10-20 events every 100 ms of market time with ten instruments), and handing a burst over in one turn held
 * timers, order acknowledgements, fills and the dashboard's requests behind all of it, as a venue's socket never does
 * (its messages arrive one I/O callback at a time). Returns true when `inputs` ended, false when `signal` aborted.
 */
export async function feedPaced(inputs: Iterator<SimMarketInput>, pace: Pace, signal: AbortSignal, deliver: Delivery): Promise<boolean> {
  while (!signal.aborted) {
    const next = inputs.next();
    if (next.done === true) return true;
    const wait = pace.wallStart + (next.value.ts - pace.marketStart) / pace.speed - Date.now();
    if (wait > 0) await sleep(wait, signal);
    else await nextTurn();
    const pending = deliver(next.value);
    if (pending !== undefined) await pending;
  }
  return false;
}

/** Delivers market events to `node`: each applied at once, then the order path it started awaited (so a run stays in step). */
export function deliveryTo(node: TradingNode): Delivery {
  return (input) => {
    node.onMarket(input);
    return node.busy ? node.idle() : undefined;
  };
}
