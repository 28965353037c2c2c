/*
 * Over 400 lines: the one router of the Binance dialect. REST routes and WebSocket streams share the exchange, the
 * fault plan, the request queue and the listen keys, so they live together; what clients send is parsed, without
 * trusting it, in request-input.ts.
 */
import { createHash } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { Clock } from '../../domain/clock.js';
import { Decimal } from '../../domain/decimal.js';
import { type Result, err, ok } from '../../domain/result.js';
import { type BinanceError, BinanceErrors } from './binance-errors.js';
import type { EmulatorExchange, NewOrder, PublicMessage } from './emulator-exchange.js';
import { FaultPlan, NO_FAULT_RATES } from './fault-plan.js';
import type { MarketFeed } from './market-feed.js';
import { type ApiCredentials, verifyApiKey, verifySignedRequest } from './request-auth.js';
import { MAX_BODY_BYTES, decimalParam, intParam, parseClientRequest, parseRequestTarget, printable, readBody } from './request-input.js';

/** How the Binance-dialect server is set up. */
export interface BinanceServerOptions {
  readonly exchange: EmulatorExchange;
  /** The market that drives the exchange; null for none (a test can step the exchange itself). */
  readonly feed: MarketFeed | null;
  /** The server's time, epoch ms: the system clock in `keel venue serve`, a test's clock in tests. */
  readonly time: Clock;
  readonly credentials: ApiCredentials;
  /** Seeded faults; none by default. */
  readonly faults?: FaultPlan;
  /** At most `requests` REST requests per `windowMs` (Binance's REQUEST_WEIGHT at weight 1, HTTP 429 / -1003). */
  readonly requestLimit?: { readonly requests: number; readonly windowMs: number } | null;
  /** How often the market advances without requests, ms; 0 moves it only on requests and {@link BinanceServer.pump}. 50 by default. */
  readonly tickMs?: number;
  /** How long a `timeout` fault holds a request before its connection is destroyed, ms. 30,000 by default. */
  readonly holdMs?: number;
  /** 0 (the default) takes any free port. The server listens on 127.0.0.1 only. */
  readonly port?: number;
  /**
   * Told of a bug met while serving one request or message (the request is answered -1000 and the server keeps
   * serving); `keel venue serve` prints it as one line. Never told of a client's bad input: that is a typed refusal.
   */
  readonly onInternalError?: (error: unknown) => void;
}

/** Largest WebSocket message the server accepts, bytes; a larger one closes the connection (1009). */
export const MAX_WS_MESSAGE_BYTES = 65_536;
/** Streams one WebSocket connection may hold (Binance's limit per connection). */
export const MAX_STREAMS_PER_CONNECTION = 1024;

/** What a handler answers: a JSON body, or Binance's refusal. */
type Reply = Result<unknown, BinanceError>;

/** One WebSocket client: a market-data connection (raw or combined) or a user-data stream. */
interface StreamClient {
  readonly socket: WebSocket;
  readonly combined: boolean;
  readonly streams: Set<string>;
  readonly listenKey: string | null;
}

const CLIENT_ORDER_ID = /^[.A-Z:/a-z0-9_-]{1,36}$/;
const STREAM_NAME = /^[a-z0-9]+@(depth|trade|bookTicker)(@(100|1000)ms)?$/i;

/** The one wallet (sapi) endpoint served: the account's commission per symbol, which ccxt reads for trading fees. */
const TRADE_FEE_PATH = '/sapi/v1/asset/tradeFee';

/**
 * Returns the route path of a REST URL path: `/api/v3/order` → `/order`, the trade-fee endpoint as itself; null for a
 * path the emulator does not serve.
 */
function apiPath(pathname: string): string | null {
  if (pathname.startsWith('/api/v3/')) return pathname.slice('/api/v3'.length);
  return pathname === TRADE_FEE_PATH ? TRADE_FEE_PATH : null;
}

/** Returns the public stream a subscription name receives: `btcusdt@depth@100ms` → `btcusdt@depth`. */
function baseStream(name: string): string {
  const [symbol = '', kind = ''] = name.split('@');
  return `${symbol.toLowerCase()}@${kind}`;
}

/**
 * keel's exchange emulator on loopback, in Binance spot's dialect: REST under /api/v3 (public market data; SIGNED
 * order, openOrders, myTrades and account; USER_STREAM listen keys) and WebSocket streams under /ws and /stream
 * (diff depth with U/u, trade, bookTicker, and the user-data stream at /ws/<listenKey>). Binance's error codes and
 * HTTP statuses; seeded faults; a request-rate limit. Each request first moves the exchange to the server's time.
 */
export class BinanceServer {
  private readonly http: Server;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_MESSAGE_BYTES });
  private readonly clients = new Set<StreamClient>();
  private readonly listenKeys = new Set<string>();
  private readonly held = new Set<ServerResponse>();
  private readonly requestTimes: number[] = [];
  private readonly faults: FaultPlan;
  private readonly holdMs: number;
  private timer: NodeJS.Timeout | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private generatedIds = 0;
  private listenKeySeq = 0;
  private closed = false;
  /** Bugs met while serving (see {@link BinanceServerOptions.onInternalError}); 0 on a healthy server. */
  internalErrors = 0;
  private readonly unsubscribe: Array<() => void> = [];

  private constructor(private readonly options: BinanceServerOptions) {
    this.faults = options.faults ?? new FaultPlan(NO_FAULT_RATES, 1);
    this.holdMs = options.holdMs ?? 30_000;
    this.http = createServer((req, res) => {
      this.onRequest(req, res).catch((error: unknown) => {
        this.internalError(error);
        sendError(res, BinanceErrors.unknown('An unknown error occurred while processing the request.'));
      });
    });
    this.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      try {
        this.onUpgrade(req, socket, head);
      } catch (error) {
        this.internalError(error);
        socket.destroy();
      }
    });
    this.unsubscribe.push(options.exchange.onPublic((message) => this.onPublic(message)));
    this.unsubscribe.push(options.exchange.onUser((payload) => this.onUser(payload)));
  }

  /** Counts a bug met while serving and tells the owner; the request or message that met it is refused. */
  private internalError(error: unknown): void {
    this.internalErrors += 1;
    this.options.onInternalError?.(error);
  }

  /** Starts listening on 127.0.0.1 and returns the running server. */
  static async start(options: BinanceServerOptions): Promise<BinanceServer> {
    const server = new BinanceServer(options);
    await new Promise<void>((resolve, reject) => {
      server.http.once('error', reject);
      server.http.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    await server.pump();
    const tickMs = options.tickMs ?? 50;
    if (tickMs > 0) {
      server.timer = setInterval(() => {
        void server.pump();
      }, tickMs);
    }
    return server;
  }

  /** The port it listens on. */
  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  /** The REST base URL (Binance's `https://api.binance.com`). */
  get restUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The raw-stream WebSocket URL (Binance's `wss://stream.binance.com:9443/ws`). */
  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  /** Runs exchange work one operation at a time, in arrival order. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Moves the exchange and its market to the server's time. */
  pump(): Promise<void> {
    return this.serial(() => this.advance());
  }

  private async advance(): Promise<void> {
    const now = Math.max(this.options.time.now(), this.options.exchange.now());
    await this.options.exchange.step(now, this.options.feed?.takeUntil(now) ?? []);
  }

  /** Stops the server: closes every connection (held ones included) and the market timer. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    for (const stop of this.unsubscribe) stop();
    for (const client of this.clients) client.socket.terminate();
    for (const res of this.held) res.socket?.destroy();
    this.held.clear();
    await this.queue;
    await new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
  }

  // -------------------------------------------------------------------------------------------------------- REST

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = parseRequestTarget(req.url);
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    if (!body.ok) {
      // The rest of an oversize body is not read: answer, then close the connection it is still arriving on.
      res.once('finish', () => req.socket.destroy());
      sendError(res, BinanceErrors.payloadTooLarge(MAX_BODY_BYTES), { connection: 'close' });
      return;
    }
    const rawBody = body.value;
    if (target === null) {
      sendError(res, BinanceErrors.malformedRequest('The request target must be a path such as /api/v3/ping.'));
      return;
    }
    const path = apiPath(target.path);
    if (path === null) {
      send(res, 404, { code: -1000, msg: `Unknown endpoint ${method} ${printable(target.path)}` });
      return;
    }
    const fault = this.faults.nextRequest();
    if (fault === 'socket') {
      req.socket.destroy();
      return;
    }
    if (fault === 'unavailable') {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('Service Unavailable');
      return;
    }
    if (fault === 'rate_limited') {
      sendError(res, BinanceErrors.tooManyRequests(this.options.requestLimit?.requests ?? 6000, this.options.requestLimit?.windowMs ?? 60_000), { 'retry-after': '1' });
      return;
    }
    const params = new URLSearchParams(target.query);
    for (const [key, value] of new URLSearchParams(rawBody)) params.append(key, value);
    const header = req.headers['x-mbx-apikey'];
    const apiKeyHeader = Array.isArray(header) ? header[0] : header;
    const reply = await this.serial(async () => {
      await this.advance();
      const limited = this.checkRequestLimit();
      if (limited !== null) return err(limited);
      return this.route(method, path, params, {
        apiKeyHeader, rawQuery: target.query, rawBody, params,
      });
    });
    if (fault === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault === 'timeout') {
      this.held.add(res);
      setTimeout(() => {
        this.held.delete(res);
        res.socket?.destroy();
      }, this.holdMs).unref();
      return;
    }
    if (reply.ok) send(res, 200, reply.value);
    else sendError(res, reply.error, reply.error.status === 429 ? { 'retry-after': '1' } : {});
  }

  private checkRequestLimit(): BinanceError | null {
    const limit = this.options.requestLimit;
    if (limit === undefined || limit === null) return null;
    const now = this.options.exchange.now();
    while (this.requestTimes.length > 0 && this.requestTimes[0]! <= now - limit.windowMs) this.requestTimes.shift();
    if (this.requestTimes.length >= limit.requests) return BinanceErrors.tooManyRequests(limit.requests, limit.windowMs);
    this.requestTimes.push(now);
    return null;
  }

  private async route(method: string, path: string, params: URLSearchParams, signed: Parameters<typeof verifySignedRequest>[0]): Promise<Reply> {
    const exchange = this.options.exchange;
    const auth = (): BinanceError | null => {
      const verdict = verifySignedRequest(signed, this.options.credentials, exchange.now());
      return verdict.ok ? null : verdict.error;
    };
    const route = `${method} ${path}`;
    switch (route) {
      case 'GET /ping': return ok({});
      case 'GET /time': return ok({ serverTime: exchange.now() });
      case 'GET /exchangeInfo': return ok(exchange.exchangeInfo());
      case 'GET /depth': {
        const symbol = this.symbolParam(params);
        if (!symbol.ok) return symbol;
        const limit = intParam(params, 'limit', 100, 1, 5000);
        return limit.ok ? ok(exchange.depth(symbol.value, limit.value)) : limit;
      }
      case 'GET /trades': {
        const symbol = this.symbolParam(params);
        if (!symbol.ok) return symbol;
        const limit = intParam(params, 'limit', 500, 1, 1000);
        return limit.ok ? ok(exchange.recentTrades(symbol.value, limit.value)) : limit;
      }
      case 'GET /ticker/bookTicker':
      case 'GET /ticker/price':
      case 'GET /ticker/24hr': {
        let symbol: string | undefined;
        if (params.has('symbol')) {
          const one = this.symbolParam(params);
          if (!one.ok) return one;
          symbol = one.value;
        }
        if (path === '/ticker/bookTicker') return ok(exchange.bookTickers(symbol));
        return ok(path === '/ticker/price' ? exchange.lastPrices(symbol) : exchange.tickers24h(symbol));
      }
      case 'POST /userDataStream':
      case 'PUT /userDataStream':
      case 'DELETE /userDataStream': {
        const refused = verifyApiKey(signed.apiKeyHeader, this.options.credentials);
        if (refused !== null) return err(refused);
        return this.userDataStream(method, params);
      }
      case 'POST /order':
      case 'GET /order':
      case 'DELETE /order':
      case 'GET /openOrders':
      case 'GET /myTrades':
      case 'GET /account':
      case `GET ${TRADE_FEE_PATH}`: {
        const refused = auth();
        if (refused !== null) return err(refused);
        return this.signedRoute(route, params);
      }
      default:
        return err({ status: 404, code: -1000, msg: `Unknown endpoint ${printable(route)}` });
    }
  }

  private async signedRoute(route: string, params: URLSearchParams): Promise<Reply> {
    const exchange = this.options.exchange;
    if (route === 'GET /account') return ok(await exchange.account());
    if (route === `GET ${TRADE_FEE_PATH}`) {
      if (!params.has('symbol')) return ok(exchange.tradeFees(undefined));
      const symbol = this.symbolParam(params);
      return symbol.ok ? ok(exchange.tradeFees(symbol.value)) : symbol;
    }
    if (route === 'GET /openOrders') {
      if (!params.has('symbol')) return ok(exchange.openOrders(undefined));
      const symbol = this.symbolParam(params);
      return symbol.ok ? ok(exchange.openOrders(symbol.value)) : symbol;
    }
    const symbol = this.symbolParam(params);
    if (!symbol.ok) return symbol;
    if (route === 'POST /order') {
      const order = this.newOrder(symbol.value, params);
      if (!order.ok) return order;
      const placed = await exchange.placeOrder(order.value);
      if (!placed.ok) return placed;
      const respType = params.get('newOrderRespType') ?? 'FULL';
      const full = placed.value;
      if (respType === 'ACK') return ok({ symbol: full.symbol, orderId: full.orderId, orderListId: -1, clientOrderId: full.clientOrderId, transactTime: full.transactTime });
      if (respType === 'RESULT') {
        const result: Record<string, unknown> = { ...full };
        delete result.fills;
        return ok(result);
      }
      return ok(full);
    }
    if (route === 'GET /myTrades') {
      const filter: { orderId?: number; fromId?: number; startTime?: number; endTime?: number; limit: number } = { limit: 500 };
      for (const name of ['orderId', 'fromId', 'startTime', 'endTime'] as const) {
        if (!params.has(name)) continue;
        const value = intParam(params, name, 0, 0, Number.MAX_SAFE_INTEGER);
        if (!value.ok) return value;
        filter[name] = value.value;
      }
      const limit = intParam(params, 'limit', 500, 1, 1000);
      if (!limit.ok) return limit;
      filter.limit = limit.value;
      return ok(exchange.myTrades(symbol.value, filter));
    }
    let orderId: number | undefined;
    if (params.has('orderId')) {
      const id = intParam(params, 'orderId', 0, 0, Number.MAX_SAFE_INTEGER);
      if (!id.ok) return id;
      orderId = id.value;
    }
    const clientOrderId = params.get('origClientOrderId') ?? undefined;
    if (orderId === undefined && clientOrderId === undefined) return err(BinanceErrors.mandatoryParameter('orderId'));
    if (route === 'GET /order') return exchange.queryOrder(symbol.value, orderId, clientOrderId);
    return exchange.cancelOrder(symbol.value, orderId, clientOrderId, params.get('newClientOrderId') ?? this.generatedClientId());
  }

  private newOrder(symbol: string, params: URLSearchParams): Result<NewOrder, BinanceError> {
    const side = params.get('side');
    if (side === null) return err(BinanceErrors.mandatoryParameter('side'));
    if (side !== 'BUY' && side !== 'SELL') return err(BinanceErrors.invalidSide());
    const type = params.get('type');
    if (type === null) return err(BinanceErrors.mandatoryParameter('type'));
    if (type !== 'LIMIT' && type !== 'MARKET' && type !== 'LIMIT_MAKER') return err(BinanceErrors.invalidOrderType());
    let timeInForce: NewOrder['timeInForce'] = 'GTC';
    if (type === 'LIMIT') {
      const tif = params.get('timeInForce');
      if (tif === null) return err(BinanceErrors.mandatoryParameter('timeInForce'));
      if (tif !== 'GTC' && tif !== 'IOC' && tif !== 'FOK') return err(BinanceErrors.invalidTimeInForce());
      timeInForce = tif;
    }
    if (type === 'MARKET') {
      if (params.has('quoteOrderQty')) return err(BinanceErrors.invalidMessage('quoteOrderQty is not supported by this emulator.'));
      timeInForce = 'IOC';
    }
    const quantity = decimalParam(params, 'quantity');
    if (!quantity.ok) return quantity;
    let price: Decimal | null = null;
    if (type !== 'MARKET') {
      const parsed = decimalParam(params, 'price');
      if (!parsed.ok) return parsed;
      price = parsed.value;
    }
    const given = params.get('newClientOrderId');
    if (given !== null && !CLIENT_ORDER_ID.test(given)) return err(BinanceErrors.badParameter('newClientOrderId', '^[\\.A-Z\\:/a-z0-9_-]{1,36}$'));
    return ok({ symbol, side, type, timeInForce, quantity: quantity.value, price, clientOrderId: given ?? this.generatedClientId() });
  }

  private generatedClientId(): string {
    this.generatedIds += 1;
    return `emu${String(this.generatedIds).padStart(12, '0')}`;
  }

  private symbolParam(params: URLSearchParams): Result<string, BinanceError> {
    const symbol = params.get('symbol');
    if (symbol === null || symbol === '') return err(BinanceErrors.mandatoryParameter('symbol'));
    return this.options.exchange.lists(symbol.toUpperCase()) ? ok(symbol.toUpperCase()) : err(BinanceErrors.invalidSymbol());
  }

  private userDataStream(method: string, params: URLSearchParams): Reply {
    if (method === 'POST') {
      this.listenKeySeq += 1;
      const key = createHash('sha256').update(`${this.options.credentials.apiKey}:${this.listenKeySeq}:${this.options.exchange.now()}`).digest('hex').slice(0, 60);
      this.listenKeys.add(key);
      return ok({ listenKey: key });
    }
    const key = params.get('listenKey');
    if (key === null) return err(BinanceErrors.mandatoryParameter('listenKey'));
    if (!this.listenKeys.has(key)) return err(BinanceErrors.invalidListenKey());
    if (method === 'DELETE') {
      this.listenKeys.delete(key);
      for (const client of this.clients) if (client.listenKey === key) client.socket.close();
    }
    return ok({});
  }

  // --------------------------------------------------------------------------------------------------- WebSocket

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const target = parseRequestTarget(req.url);
    if (target === null) {
      socket.destroy();
      return;
    }
    const path = target.path;
    let client: Omit<StreamClient, 'socket'>;
    if (path === '/stream') {
      const streams = (new URLSearchParams(target.query).get('streams') ?? '').split('/').filter((name) => STREAM_NAME.test(name)).slice(0, MAX_STREAMS_PER_CONNECTION);
      client = { combined: true, streams: new Set(streams), listenKey: null };
    } else if (path === '/ws' || path.startsWith('/ws/')) {
      const rest = path.slice('/ws/'.length);
      if (this.listenKeys.has(rest)) client = { combined: false, streams: new Set(), listenKey: rest };
      else client = { combined: false, streams: new Set(rest.split('/').filter((name) => STREAM_NAME.test(name)).slice(0, MAX_STREAMS_PER_CONNECTION)), listenKey: null };
    } else {
      socket.destroy();
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const connected: StreamClient = { ...client, socket: ws };
      this.clients.add(connected);
      ws.on('close', () => this.clients.delete(connected));
      ws.on('error', () => this.clients.delete(connected));
      ws.on('message', (data: Buffer) => {
        try {
          this.onClientMessage(connected, data.toString('utf8'));
        } catch (error) {
          this.internalError(error);
          this.sendTo(connected, { error: { code: 0, msg: 'Internal error.' }, id: null });
        }
      });
    });
  }

  /** Handles Binance's live subscribing: SUBSCRIBE, UNSUBSCRIBE and LIST_SUBSCRIPTIONS, answered by `id`. */
  private onClientMessage(client: StreamClient, text: string): void {
    const message = parseClientRequest(text);
    if (!message.ok) {
      this.sendTo(client, message.error);
      return;
    }
    const { method, names, id } = message.value;
    switch (method) {
      case 'SUBSCRIBE':
        if (names.some((name) => !STREAM_NAME.test(name))) {
          this.sendTo(client, { error: { code: 2, msg: 'Invalid request: unknown stream name' }, id });
          return;
        }
        if (new Set([...client.streams, ...names]).size > MAX_STREAMS_PER_CONNECTION) {
          this.sendTo(client, { error: { code: 2, msg: `Invalid request: at most ${MAX_STREAMS_PER_CONNECTION} streams per connection` }, id });
          return;
        }
        for (const name of names) client.streams.add(name);
        this.sendTo(client, { result: null, id });
        return;
      case 'UNSUBSCRIBE':
        for (const name of names) client.streams.delete(name);
        this.sendTo(client, { result: null, id });
        return;
      case 'LIST_SUBSCRIPTIONS':
        this.sendTo(client, { result: [...client.streams], id });
        return;
      default:
        this.sendTo(client, { error: { code: 2, msg: 'Invalid request: unknown method' }, id });
    }
  }

  private onPublic(message: PublicMessage): void {
    for (const client of this.clients) {
      for (const name of client.streams) {
        if (baseStream(name) !== message.stream) continue;
        this.sendTo(client, client.combined ? { stream: name, data: message.payload } : message.payload);
      }
    }
  }

  private onUser(payload: Readonly<Record<string, unknown>>): void {
    for (const client of this.clients) if (client.listenKey !== null && this.listenKeys.has(client.listenKey)) this.sendTo(client, payload);
  }

  private sendTo(client: StreamClient, payload: unknown): void {
    if (client.socket.readyState !== WebSocket.OPEN) return;
    if (this.faults.nextSocketDrop()) {
      client.socket.terminate();
      return;
    }
    client.socket.send(JSON.stringify(payload));
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', ...headers }).end(JSON.stringify(body));
}

function sendError(res: ServerResponse, error: BinanceError, headers: Record<string, string> = {}): void {
  send(res, error.status, { code: error.code, msg: error.msg }, headers);
}
