import type { OrderType, TimeInForce } from '../../domain/order.js';
import type { OrderCapability, VenueCapabilities } from '../port.js';

/** The parts of a ccxt exchange the capability declaration is read from. */
export interface CapabilitySource {
  readonly id: string;
  /** ccxt's `has` map: true, false, 'emulated' or undefined per method. */
  readonly has: Readonly<Record<string, boolean | string | undefined>>;
  /** ccxt's `features` tree: per market type (and sub-type) what `createOrder` accepts. */
  readonly features: unknown;
  /** ccxt's published request spacing, ms between requests. */
  readonly rateLimit: number;
}

/** What `createOrder` accepts on one market type, as ccxt's features declare it. */
interface CreateOrderFeatures {
  readonly timeInForce: Readonly<Record<string, boolean | undefined>>;
  readonly triggerPrice: boolean;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
}

function createOrderFeatures(node: unknown): CreateOrderFeatures | undefined {
  const createOrder = record(record(node)?.createOrder);
  if (createOrder === undefined) return undefined;
  const tif = record(createOrder.timeInForce) ?? {};
  const timeInForce: Record<string, boolean | undefined> = {};
  for (const [key, value] of Object.entries(tif)) timeInForce[key] = value === true;
  return { timeInForce, triggerPrice: createOrder.triggerPrice === true };
}

/** Returns every market type's createOrder features: spot, and the linear and inverse sub-types of swaps and futures. */
function featureSets(features: unknown): { readonly spot: CreateOrderFeatures[]; readonly derivatives: CreateOrderFeatures[] } {
  const root = record(features) ?? {};
  const spot = [createOrderFeatures(root.spot)].filter((f): f is CreateOrderFeatures => f !== undefined);
  const derivatives: CreateOrderFeatures[] = [];
  for (const type of ['swap', 'future']) {
    for (const sub of ['linear', 'inverse']) {
      const found = createOrderFeatures(record(root[type])?.[sub]);
      if (found !== undefined) derivatives.push(found);
    }
  }
  return { spot, derivatives };
}

const ORDER_TYPES: readonly OrderType[] = ['MARKET', 'LIMIT', 'STOP', 'STOP_LIMIT'];
const TIMES_IN_FORCE: readonly TimeInForce[] = ['GTC', 'IOC', 'FOK', 'GTD'];

/**
 * Declares what a ccxt exchange can do, from its `has` and `features`: order type × time in force (a pair is
 * supported when any market type accepts it), post-only (the `PO` time in force), reduce-only (any derivatives market
 * type), cancel by client id (the adapter's dialect for the venue) and the request rate. A market order has no
 * resting life, so it is declared for GTC, IOC and FOK alike and never for GTD.
 */
export function declareCapabilities(
  source: CapabilitySource,
  options: { readonly cancelByClientId: boolean; readonly sandbox: boolean; readonly requestsPerSecond: number },
): VenueCapabilities {
  const { spot, derivatives } = featureSets(source.features);
  const all = [...spot, ...derivatives];
  const tif = (name: string): boolean => all.some((f) => f.timeInForce[name] === true);
  const trigger = all.some((f) => f.triggerPrice);
  const canCreate = source.has.createOrder === true;
  const canMarket = canCreate && source.has.createMarketOrder !== false;
  const orders: OrderCapability[] = [];
  for (const orderType of ORDER_TYPES) {
    for (const timeInForce of TIMES_IN_FORCE) {
      let supported: boolean;
      if (orderType === 'MARKET') supported = canMarket && timeInForce !== 'GTD' && (timeInForce !== 'FOK' || tif('FOK'));
      else if (!canCreate || ((orderType === 'STOP' || orderType === 'STOP_LIMIT') && !trigger)) supported = false;
      else supported = timeInForce === 'GTC' || tif(timeInForce);
      orders.push({ orderType, timeInForce, support: supported ? 'supported' : 'unsupported' });
    }
  }
  const perSecond = options.requestsPerSecond;
  return {
    venue: source.id,
    orders,
    postOnly: tif('PO'),
    reduceOnly: derivatives.length > 0,
    cancelByClientId: options.cancelByClientId,
    orderRateLimit: perSecond >= 1 ? { orders: Math.floor(perSecond), windowMs: 1000 } : { orders: 1, windowMs: Math.ceil(1000 / perSecond) },
    sandbox: options.sandbox,
  };
}
