import type { Unsubscribe } from '../bus/event-bus.js';
import type { NodeBus } from '../bus/node-events.js';
import type { Decimal } from '../domain/decimal.js';

/** What the alert rules read of the node: its bus and the perpetual positions it holds. */
export interface AlertRulesTarget {
  readonly bus: NodeBus;
  /** Perpetual positions held now (non-zero), by symbol. */
  perpetualPositions(): readonly { readonly symbol: string; readonly quantity: Decimal }[];
}

/** The rules' settings (the config's `alerts` section). */
export interface AlertRuleSettings {
  /** Share of venue answers to our submits that were acceptances, below which a warning fires. */
  readonly minAcceptanceRate: number;
  /** Hours without a funding payment on a held perpetual after which an alert fires. */
  readonly fundingOverdueHours: number;
}

/** Submits the acceptance rate is measured over (the latest ones). */
export const ACCEPTANCE_WINDOW = 50;
/** Submits needed before the acceptance rate is judged at all. */
export const ACCEPTANCE_MIN_SAMPLES = 10;

/**
 * Alert rules on the node's bus (spec 1 "alert rules"), each publishing an `alert` once when it starts to hold and
 * once more when it clears:
 * - `ACCEPTANCE_RATE_LOW` (warn): of the latest {@link ACCEPTANCE_WINDOW} submits the venue answered, the share it
 *   accepted is below `minAcceptanceRate` (judged from {@link ACCEPTANCE_MIN_SAMPLES} answers on);
 * - `FUNDING_OVERDUE` (info): a perpetual position is held and no funding was booked on it for
 *   `fundingOverdueHours` (funding is every 8 h: a missed payment means the venue's stream or keel's booking broke).
 */
export function attachAlertRules(target: AlertRulesTarget, settings: AlertRuleSettings, startedAt: number): Unsubscribe {
  const answers: boolean[] = [];
  let lowAcceptance = false;
  const lastFunding = new Map<string, number>();
  const overdue = new Set<string>();
  const bus = target.bus;
  const stops = [
    bus.on('venue.call', (event) => {
      if (event.operation !== 'submit' || event.outcome === 'error') return;
      answers.push(event.outcome === 'ok');
      if (answers.length > ACCEPTANCE_WINDOW) answers.shift();
      if (answers.length < ACCEPTANCE_MIN_SAMPLES) return;
      const rate = answers.filter(Boolean).length / answers.length;
      const low = rate < settings.minAcceptanceRate;
      if (low !== lowAcceptance) {
        lowAcceptance = low;
        bus.publish({
          type: 'alert', ts: event.ts, severity: low ? 'warn' : 'info', code: low ? 'ACCEPTANCE_RATE_LOW' : 'ACCEPTANCE_RATE_OK',
          message: `the venue accepted ${(rate * 100).toFixed(1)}% of the last ${answers.length} orders (min_acceptance_rate ${(settings.minAcceptanceRate * 100).toFixed(1)}%)`,
        });
      }
    }),
    bus.on('account.funding', (event) => {
      lastFunding.set(event.symbol, event.ts);
      overdue.delete(event.symbol);
    }),
    bus.on('portfolio.valuation', (event) => {
      const limitMs = settings.fundingOverdueHours * 3_600_000;
      for (const { symbol } of target.perpetualPositions()) {
        const since = event.ts - (lastFunding.get(symbol) ?? startedAt);
        if (since > limitMs && !overdue.has(symbol)) {
          overdue.add(symbol);
          bus.publish({ type: 'alert', ts: event.ts, severity: 'info', code: 'FUNDING_OVERDUE', message: `${symbol}: no funding booked for ${(since / 3_600_000).toFixed(2)} h while the position is held (funding_overdue_hours ${settings.fundingOverdueHours})` });
        }
      }
    }),
  ];
  return () => {
    for (const stop of stops) stop();
  };
}
