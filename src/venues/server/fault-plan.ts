import { type Result, err, ok } from '../../domain/result.js';
import { SeededRandom } from '../../market/synthetic.js';

/**
 * What can go wrong with one REST request, and when it happens:
 * - `rate_limited`: refused with HTTP 429 / -1003 before processing (nothing placed);
 * - `unavailable`: refused with HTTP 503 before processing (nothing placed);
 * - `socket`: the connection is destroyed before processing (nothing placed);
 * - `timeout`: processed, then no response is sent within any client's timeout (an order IS placed);
 * - `drop`: processed, then the connection is destroyed without a response (an order IS placed).
 */
export type RestFault = 'none' | 'rate_limited' | 'unavailable' | 'socket' | 'timeout' | 'drop';

/** Probabilities in [0, 1] of each fault per REST request, plus `socket` per WebSocket message. */
export interface FaultRates {
  readonly rateLimited: number;
  readonly unavailable: number;
  readonly timeout: number;
  readonly drop: number;
  /** Per REST request: the connection drops before processing; per WebSocket message: the socket is closed. */
  readonly socket: number;
}

/** No faults. */
export const NO_FAULT_RATES: FaultRates = { rateLimited: 0, unavailable: 0, timeout: 0, drop: 0, socket: 0 };

/** A `--faults` spec that cannot be read: names the entry and why. */
export interface FaultSpecError {
  readonly code: 'INVALID_FAULT_SPEC';
  readonly entry: string;
  readonly message: string;
}

const KEYS: Readonly<Record<string, keyof FaultRates>> = {
  '429': 'rateLimited', '5xx': 'unavailable', timeout: 'timeout', drop: 'drop', socket: 'socket',
};

/**
 * Parses a fault spec such as `429=0.05,5xx=0.05,timeout=0.02,drop=0.02,socket=0.01` (every key optional, each
 * value a probability in [0, 1], their sum at most 1). An empty spec means no faults.
 */
export function parseFaultSpec(spec: string): Result<FaultRates, FaultSpecError> {
  const rates: Record<keyof FaultRates, number> = { ...NO_FAULT_RATES };
  for (const entry of spec.split(',').map((part) => part.trim()).filter((part) => part !== '')) {
    const match = /^([^=\s]+)\s*=\s*([0-9]*\.?[0-9]+)$/.exec(entry);
    const key = match === null ? undefined : KEYS[match[1]!];
    if (match === null || key === undefined) {
      return err({ code: 'INVALID_FAULT_SPEC', entry, message: `fault entry '${entry}' must be KEY=PROBABILITY with KEY one of ${Object.keys(KEYS).join(', ')}` });
    }
    const value = Number(match[2]);
    if (!(value >= 0 && value <= 1)) {
      return err({ code: 'INVALID_FAULT_SPEC', entry, message: `fault probability in '${entry}' must be between 0 and 1` });
    }
    rates[key] = value;
  }
  const restTotal = rates.rateLimited + rates.unavailable + rates.timeout + rates.drop + rates.socket;
  if (restTotal > 1) {
    return err({ code: 'INVALID_FAULT_SPEC', entry: spec, message: `fault probabilities add up to ${restTotal}, more than 1` });
  }
  return ok(rates);
}

/**
 * Draws faults from a seed: the same seed and the same sequence of requests give the same faults. REST requests and
 * WebSocket messages draw from separate generators, so market-data traffic does not move the REST faults.
 */
export class FaultPlan {
  private readonly restRandom: SeededRandom;
  private readonly socketRandom: SeededRandom;

  constructor(readonly rates: FaultRates, seed: number) {
    this.restRandom = new SeededRandom(seed);
    this.socketRandom = new SeededRandom(seed ^ 0x2545f491);
  }

  /** Returns whether any fault can happen at all. */
  get active(): boolean {
    const r = this.rates;
    return r.rateLimited + r.unavailable + r.timeout + r.drop + r.socket > 0;
  }

  /** Returns the fault of the next REST request. */
  nextRequest(): RestFault {
    if (!this.active) return 'none';
    let draw = this.restRandom.next();
    const order: ReadonlyArray<readonly [keyof FaultRates, RestFault]> = [
      ['rateLimited', 'rate_limited'], ['unavailable', 'unavailable'], ['socket', 'socket'], ['timeout', 'timeout'], ['drop', 'drop'],
    ];
    for (const [key, fault] of order) {
      if (draw < this.rates[key]) return fault;
      draw -= this.rates[key];
    }
    return 'none';
  }

  /** Returns whether the WebSocket connection drops instead of sending its next message. */
  nextSocketDrop(): boolean {
    return this.rates.socket > 0 && this.socketRandom.next() < this.rates.socket;
  }
}
