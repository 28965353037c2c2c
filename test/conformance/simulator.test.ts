import { Decimal } from '../../src/domain/decimal.js';
import { SPOT, makeVenue, syntheticFeed } from '../support/sim-venue-setup.js';
import { registerVenueConformance } from './venue-conformance.js';

let ids = 0;

registerVenueConformance('SimulatedVenue', () => {
  const { venue } = makeVenue();
  const step = syntheticFeed(venue, { seed: 7, perpetual: false });
  step(20);
  const top = (): { bid: Decimal; ask: Decimal } => {
    const book = venue.topOfBook(SPOT.symbol)!;
    return { bid: book.bid!, ask: book.ask! };
  };
  const offset = Decimal.of('50');
  return Promise.resolve({
    venue,
    symbol: SPOT.symbol,
    quantity: Decimal.of('0.01'),
    restingPrice: (side) => Promise.resolve(side === 'buy' ? top().bid.sub(offset) : top().ask.add(offset)),
    crossingPrice: (side) => Promise.resolve(side === 'buy' ? top().ask.add(offset) : top().bid.sub(offset)),
    partialFillOrder: () => {
      let best: readonly [Decimal, Decimal] | undefined;
      const stop = venue.subscribeMarketData(SPOT.symbol, (event) => {
        if (event.type === 'book' && event.snapshot) best = [...event.bids].sort((a, b) => b[0].cmp(a[0]))[0];
      });
      stop();
      if (best === undefined) throw new Error('the simulator published no book snapshot');
      // A sell at the best bid for more than that level holds: the level is taken, the rest rests as the new best ask.
      return Promise.resolve({ side: 'sell' as const, price: best[0], quantity: best[1].add(Decimal.of('0.01')) });
    },
    advance: () => {
      step(5);
      return Promise.resolve();
    },
    newClientOrderId: () => `conf-${++ids}`,
  });
});
