import Database from 'better-sqlite3';
import { type Result, err, ok } from '../../domain/result.js';

/** Binance's order statuses, as the emulator reports them. */
export type BinanceOrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'REJECTED' | 'EXPIRED';

/** What an order was placed as, in Binance's terms; fixed for the order's life. `time` is epoch ms. */
export interface BinanceOrderTerms {
  readonly symbol: string;
  readonly orderId: number;
  readonly clientOrderId: string;
  readonly side: 'BUY' | 'SELL';
  readonly type: 'LIMIT' | 'MARKET' | 'LIMIT_MAKER';
  readonly timeInForce: 'GTC' | 'IOC' | 'FOK';
  readonly time: number;
}

/** One of the account's orders as stored: decimals as strings, times epoch ms. */
export interface StoredOrder extends BinanceOrderTerms {
  /** Limit price, or null for MARKET. */
  readonly price: string | null;
  readonly origQty: string;
  readonly executedQty: string;
  /** Σ price × quantity of the fills, quote currency. */
  readonly cummulativeQuoteQty: string;
  readonly status: BinanceOrderStatus;
  readonly updateTime: number;
}

/** One of the account's fills as stored. */
export interface StoredTrade {
  readonly symbol: string;
  readonly id: number;
  readonly orderId: number;
  readonly price: string;
  readonly qty: string;
  readonly quoteQty: string;
  readonly commission: string;
  readonly commissionAsset: string;
  readonly time: number;
  readonly isBuyer: boolean;
  readonly isMaker: boolean;
}

/** A currency's total holding (free + locked). */
export interface StoredBalance {
  readonly asset: string;
  readonly total: string;
}

/** Everything the emulator keeps across a restart. `balances` is null when the store has never been written. */
export interface StoredState {
  readonly orders: readonly StoredOrder[];
  readonly trades: readonly StoredTrade[];
  readonly balances: readonly StoredBalance[] | null;
}

/** What changed in one operation (a submit, a cancel, a market step), written at once. */
export interface StateChange {
  readonly orders: readonly StoredOrder[];
  readonly trades: readonly StoredTrade[];
  readonly balances: readonly StoredBalance[];
}

/** A state file that cannot be opened or read: names the file and what is wrong. */
export interface StoreError {
  readonly code: 'STATE_UNREADABLE';
  readonly file: string;
  readonly message: string;
}

/** Where the emulator's account lives between runs. */
export interface EmulatorStore {
  load(): StoredState;
  /** Writes one operation's changes atomically: a crash leaves the state before or after it, never between. */
  commit(change: StateChange): void;
  close(): void;
}

/** A store that keeps nothing across runs (no `--state`). */
export class MemoryStore implements EmulatorStore {
  load(): StoredState {
    return { orders: [], trades: [], balances: null };
  }

  commit(_change: StateChange): void {}

  close(): void {}
}

/**
 * The `--state DB` store: one SQLite file (better-sqlite3, WAL) with a row per order, per fill and per currency,
 * each row the record's JSON. Each operation is one transaction, so a restart finds orders, fills and balances
 * consistent with one another. The emulator replays it into a fresh simulator on start (see
 * {@link EmulatorExchange}).
 */
export class SqliteStore implements EmulatorStore {
  private readonly db: Database.Database;
  private readonly upsertOrder: Database.Statement;
  private readonly upsertTrade: Database.Statement;
  private readonly upsertBalance: Database.Statement;

  private constructor(db: Database.Database) {
    this.db = db;
    this.upsertOrder = db.prepare('INSERT INTO orders (order_id, json) VALUES (?, ?) ON CONFLICT(order_id) DO UPDATE SET json = excluded.json');
    this.upsertTrade = db.prepare('INSERT INTO trades (trade_id, json) VALUES (?, ?) ON CONFLICT(trade_id) DO UPDATE SET json = excluded.json');
    this.upsertBalance = db.prepare('INSERT INTO balances (asset, total) VALUES (?, ?) ON CONFLICT(asset) DO UPDATE SET total = excluded.total');
  }

  /** Opens (creating when absent) the state file. */
  static open(file: string): Result<SqliteStore, StoreError> {
    try {
      const db = new Database(file);
      db.pragma('journal_mode = WAL');
      db.exec(`
        CREATE TABLE IF NOT EXISTS orders (order_id INTEGER PRIMARY KEY, json TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS trades (trade_id INTEGER PRIMARY KEY, json TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS balances (asset TEXT PRIMARY KEY, total TEXT NOT NULL);
      `);
      return ok(new SqliteStore(db));
    } catch (error) {
      return err({ code: 'STATE_UNREADABLE', file, message: `${file}: cannot open the state database: ${(error as Error).message}` });
    }
  }

  load(): StoredState {
    const orders = (this.db.prepare('SELECT json FROM orders ORDER BY order_id').all() as Array<{ json: string }>).map((row) => JSON.parse(row.json) as StoredOrder);
    const trades = (this.db.prepare('SELECT json FROM trades ORDER BY trade_id').all() as Array<{ json: string }>).map((row) => JSON.parse(row.json) as StoredTrade);
    const balances = this.db.prepare('SELECT asset, total FROM balances ORDER BY asset').all() as StoredBalance[];
    return { orders, trades, balances: balances.length === 0 && orders.length === 0 ? null : balances };
  }

  commit(change: StateChange): void {
    this.db.transaction(() => {
      for (const order of change.orders) this.upsertOrder.run(order.orderId, JSON.stringify(order));
      for (const trade of change.trades) this.upsertTrade.run(trade.id, JSON.stringify(trade));
      for (const balance of change.balances) this.upsertBalance.run(balance.asset, balance.total);
    })();
  }

  close(): void {
    this.db.close();
  }
}
