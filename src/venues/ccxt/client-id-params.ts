/**
 * How one venue names keel's client order id in ccxt calls. ccxt unifies `clientOrderId` for most venues but not all
 * (Coinbase Advanced Trade drops it and wants `client_order_id`), and only some venues can query or cancel by it; the
 * rest are resolved by listing orders. This table is the only place the adapter branches on a venue's name.
 */
export interface ClientIdDialect {
  /** Extra `createOrder` params carrying the client order id. */
  readonly submit: (clientOrderId: string) => Record<string, string>;
  /** `fetchOrder(undefined, symbol, params)` params finding an order by client id, or null when the venue cannot. */
  readonly query: ((clientOrderId: string) => Record<string, string>) | null;
  /** `cancelOrder(undefined, symbol, params)` params cancelling by client id, or null when the venue cannot. */
  readonly cancel: ((clientOrderId: string) => Record<string, string>) | null;
  /**
   * True when the venue refuses a reused client order id with its generic order rejection (Binance: -2010
   * "Duplicate order sent.", which ccxt raises as InvalidOrder, not DuplicateOrderId). An InvalidOrder answer to a
   * submit is then resolved by looking the client id up: an order already holding it makes the refusal a duplicate.
   */
  readonly duplicateAsInvalidOrder: boolean;
  /** Extra `fetchOrder(venueOrderId, symbol, params)` params a look-up by the venue's id needs (none on most venues). */
  readonly byVenueId: Record<string, string>;
}

const BINANCE: ClientIdDialect = {
  submit: (id) => ({ newClientOrderId: id }),
  query: (id) => ({ origClientOrderId: id }),
  cancel: (id) => ({ origClientOrderId: id }),
  duplicateAsInvalidOrder: true,
  byVenueId: {},
};

const DIALECTS: Readonly<Record<string, ClientIdDialect>> = {
  binance: BINANCE,
  binanceusdm: BINANCE,
  binancecoinm: BINANCE,
  coinbase: { submit: (id) => ({ client_order_id: id }), query: null, cancel: null, duplicateAsInvalidOrder: false, byVenueId: {} },
  coinbaseadvanced: { submit: (id) => ({ client_order_id: id }), query: null, cancel: null, duplicateAsInvalidOrder: false, byVenueId: {} },
  kraken: { submit: (id) => ({ clientOrderId: id }), query: null, cancel: (id) => ({ cl_ord_id: id }), duplicateAsInvalidOrder: false, byVenueId: {} },
  // Bybit v5 names it orderLinkId. It is not queried by it: ccxt's bybit fetchOrder, asked without a venue id, fails
  // with a TypeError instead of OrderNotFound when nothing matches, which would hide a lost submit; the open and closed
  // lists are scanned instead. By venue id, ccxt refuses to query a unified account until told that the query reaches
  // only the account's last 500 orders (`acknowledged`), which is where an order keel just sent is.
  bybit: {
    submit: (id) => ({ clientOrderId: id }), query: null, cancel: (id) => ({ orderLinkId: id }), duplicateAsInvalidOrder: false, byVenueId: { acknowledged: 'true' },
  },
  okx: { submit: (id) => ({ clientOrderId: id }), query: (id) => ({ clOrdId: id }), cancel: (id) => ({ clOrdId: id }), duplicateAsInvalidOrder: false, byVenueId: {} },
};

/** ccxt's unified name, for venues not in the table. */
const UNIFIED: ClientIdDialect = { submit: (id) => ({ clientOrderId: id }), query: null, cancel: null, duplicateAsInvalidOrder: false, byVenueId: {} };

/** Returns the dialect of the ccxt exchange `exchangeId`. */
export function clientIdDialect(exchangeId: string): ClientIdDialect {
  return DIALECTS[exchangeId] ?? UNIFIED;
}
