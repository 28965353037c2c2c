import type { Unsubscribe } from '../bus/event-bus.js';
import type { NodeBus } from '../bus/node-events.js';
import type { MarginAccountState } from '../gate/margin.js';

/**
 * Follows the account's margin over a run from the bus: the window it is in, the highest utilization the valuations
 * saw, and each window event (the quiet period before a stricter window, the change itself) as `HH:MM:SS EVENT
 * detail` lines — what the run summary reports. A bus subscriber.
 */
export class MarginWatch {
  window = 'NORMAL';
  maxUtilization = 0;
  readonly transitions: string[] = [];
  private readonly stops: Unsubscribe[];

  constructor(bus: NodeBus, account: MarginAccountState) {
    this.stops = [
      bus.on('portfolio.valuation', () => {
        const snapshot = account.snapshot;
        if (snapshot === undefined) return;
        this.window = snapshot.window;
        if (Number.isFinite(snapshot.utilization) && snapshot.utilization > this.maxUtilization) this.maxUtilization = snapshot.utilization;
      }),
      bus.on('gate.event', ({ event }) => {
        const time = new Date(event.ts).toISOString().slice(11, 19);
        const c = event.context;
        if (event.type === 'MARGIN_WINDOW_TRANSITION') this.transitions.push(`${time} QUIET ${String(c.current_window)}→${String(c.next_window)} in ${String(c.minutes_until)} min (${String(c.action)})`);
        else if (event.type === 'MARGIN_WINDOW_CHANGED') this.transitions.push(`${time} WINDOW ${String(c.from_window)}→${String(c.to_window)} utilization ${typeof c.utilization === 'number' ? c.utilization.toFixed(4) : String(c.utilization)}`);
        else if (event.type === 'MARGIN_CALL' || event.type === 'MARGIN_CALL_CLEARED') this.transitions.push(`${time} ${event.type}`);
      }),
    ];
  }

  /** Stops listening. */
  close(): void {
    for (const stop of this.stops) stop();
  }
}
