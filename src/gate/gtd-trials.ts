import type { OrderStatus } from '../domain/order.js';

/*
 * The evidence GTD ungating is decided on (spec 1 §5: "ungate after N successful controlled test orders"), kept as a
 * projection of the event log so that it survives a restart. It needs no event of its own: every GTD order keel sends
 * is in the log (its `OrderSubmitted` request says GTD), and so is its end (accepted then expired, canceled or filled;
 * or rejected). While GTD is gated for a symbol the gate lets a GTD order out only as a controlled test, so the GTD
 * orders the log holds are exactly those tests, plus any sent where GTD was already supported or ungated — which are
 * evidence of the same thing: that the venue takes and honours a GTD order on that symbol.
 */

/** How a GTD order's life counts as a trial of the venue's GTD. */
export type GtdTrialEnd =
  /** The venue took it and it ended as a GTD order may: expired, canceled or filled. */
  | 'success'
  /** The venue refused it. */
  | 'failure'
  /** It never reached the venue (closed unacknowledged, or denied before leaving): no evidence either way. */
  | 'void';

/**
 * Returns how an order that reached `status` counts as a GTD trial, or null while it lives. `acknowledged` says
 * whether the venue ever took it (accepted it, or filled any of it).
 */
export function gtdTrialEnd(status: OrderStatus, acknowledged: boolean): GtdTrialEnd | null {
  switch (status) {
    case 'REJECTED':
      return 'failure';
    case 'DENIED':
      return 'void';
    case 'FILLED':
      return 'success';
    case 'EXPIRED':
    case 'CANCELED':
      return acknowledged ? 'success' : 'void';
    case 'NEW':
    case 'ACCEPTED':
    case 'PARTIALLY_FILLED':
    case 'PENDING_CANCEL':
      return null;
  }
}

/** One symbol's GTD evidence. */
export interface GtdSymbolTrials {
  readonly successes: number;
  readonly failures: number;
  /** GTD orders sent and not yet ended. */
  readonly inFlight: number;
}

interface Tally {
  successes: number;
  failures: number;
  inFlight: number;
}

/**
 * The GTD orders of the account per symbol: how many succeeded, failed, and are still in flight. The projections
 * of the log {@link begin} a trial at each GTD `OrderSubmitted` and {@link end} it at the order's terminal event; the
 * gate also begins one the moment it lets a controlled test order out (before the append lands, so that a second test
 * order in the same instant sees the first in flight) — both are the same trial, keyed by client order id. A trial the
 * log never received (the send failed before the append) is taken back with {@link release}.
 */
export class GtdTrials {
  private readonly bySymbol = new Map<string, Tally>();
  /** Open trials: client order id → symbol. */
  private readonly open = new Map<string, string>();

  /** Starts the trial of a GTD order (again: no effect). */
  begin(symbol: string, clientOrderId: string): void {
    if (this.open.has(clientOrderId)) return;
    this.open.set(clientOrderId, symbol);
    this.tally(symbol).inFlight++;
  }

  /** Ends an open trial with its outcome (a trial not open: no effect). Returns the symbol's tally, or undefined. */
  end(clientOrderId: string, outcome: GtdTrialEnd): GtdSymbolTrials | undefined {
    const symbol = this.open.get(clientOrderId);
    if (symbol === undefined) return undefined;
    this.open.delete(clientOrderId);
    const tally = this.tally(symbol);
    tally.inFlight--;
    if (outcome === 'success') tally.successes++;
    else if (outcome === 'failure') tally.failures++;
    return { ...tally };
  }

  /** Takes back an open trial whose order never reached the log (no outcome counted). */
  release(clientOrderId: string): void {
    this.end(clientOrderId, 'void');
  }

  /**
   * Counts `count` successful trials of a symbol that are not in this log (a scenario's stated progress, or what an
   * operator carries over from another log of the same account).
   */
  credit(symbol: string, count: number): void {
    this.tally(symbol).successes += count;
  }

  /** Returns whether the trial of an order is open. */
  isOpen(clientOrderId: string): boolean {
    return this.open.has(clientOrderId);
  }

  /** Returns the GTD orders of a symbol that succeeded (the venue took them and they ended as a GTD order may). */
  successes(symbol: string): number {
    return this.bySymbol.get(symbol)?.successes ?? 0;
  }

  /** Returns the GTD orders of a symbol the venue refused. */
  failures(symbol: string): number {
    return this.bySymbol.get(symbol)?.failures ?? 0;
  }

  /** Returns the GTD orders of a symbol sent and not yet ended. */
  inFlight(symbol: string): number {
    return this.bySymbol.get(symbol)?.inFlight ?? 0;
  }

  /** Returns every symbol's evidence, by symbol. */
  toJson(): Record<string, GtdSymbolTrials> {
    const out: Record<string, GtdSymbolTrials> = {};
    for (const symbol of [...this.bySymbol.keys()].sort()) out[symbol] = { ...this.bySymbol.get(symbol)! };
    return out;
  }

  private tally(symbol: string): Tally {
    let tally = this.bySymbol.get(symbol);
    if (tally === undefined) {
      tally = { successes: 0, failures: 0, inFlight: 0 };
      this.bySymbol.set(symbol, tally);
    }
    return tally;
  }
}
