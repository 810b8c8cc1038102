import type { CandleData } from '../../core/candles.js';
import { normalizeSymbol } from '../../core/tick.js';
import { ErrorCode, TickstreamError } from '../../errors.js';
import { anomalyHistory, candleHistory } from '../../engine/history.js';
import { ALL_SYMBOLS, type ChannelSpec } from '../hub/channel-name.js';
import { HubIterator } from '../hub/hub-iterator.js';
import type { Hub } from '../hub/hub.js';

/**
 * The GraphQL schema (docs/streams.md). `Aggregate` is the earlier C++/Java system's type, field
 * for field. Times elsewhere are epoch ms as Float (GraphQL's Int has 32 bits).
 */
export const SCHEMA = /* GraphQL */ `
  "A symbol's current UTC day, as the earlier system served it. volume and timestamp (epoch ms) are strings."
  type Aggregate {
    symbol: String
    open: Float
    high: Float
    low: Float
    close: Float
    volume: String
    timestamp: String
  }

  type Stats {
    symbol: String!
    currentPrice: Float!
    movingAverage: Float!
    updateCount: Int!
    "Event time of the last accepted tick, epoch ms."
    lastUpdateTime: Float!
    minPrice: Float!
    maxPrice: Float!
    changeFromAverage: Float!
    volume: Float!
  }

  type Candle {
    symbol: String!
    interval: String!
    "Bucket start, epoch ms."
    start: Float!
    end: Float!
    open: Float!
    high: Float!
    low: Float!
    close: Float!
    volume: Float!
    trades: Int!
    vwap: Float
    revision: Int!
    closed: Boolean!
  }

  type Anomaly {
    symbol: String!
    "up or down"
    direction: String!
    price: Float!
    ts: Float!
    referencePrice: Float!
    referenceTs: Float!
    changePercent: Float!
    "medium, high or critical"
    severity: String!
    windowMs: Float!
    thresholdPercent: Float!
  }

  type Tick {
    symbol: String!
    ts: Float!
    price: Float!
    volume: Float!
    seq: Float
    id: String
    source: String!
  }

  type Query {
    "The symbol's current UTC-day aggregate; null when it has no ticks."
    marketData(symbol: String!): Aggregate
    "Symbols that have ticks, sorted."
    symbols: [String!]!
    stats(symbol: String!): Stats
    "Candles oldest first: stored history and the live open candles, at most limit, the newest of the range."
    candles(symbol: String!, interval: String!, from: Float, to: Float, limit: Int = 500): [Candle!]!
    "Recent anomalies, newest first."
    anomalies(symbol: String, limit: Int = 50): [Anomaly!]!
  }

  type Subscription {
    "Every accepted tick of these symbols (all without symbols)."
    ticks(symbols: [String!]): Tick!
    "Every change of the symbol's candles of one interval (open ones as they move, then closed)."
    candles(symbol: String!, interval: String!): Candle!
    "Every anomaly (of one symbol)."
    anomalies(symbol: String): Anomaly!
  }
`;

const MAX_CANDLES = 5000;
const MAX_ANOMALIES = 1000;

function symbolArg(raw: string): string {
  const symbol = normalizeSymbol(raw);
  if (symbol === undefined)
    throw new TickstreamError(ErrorCode.BadRequest, `"${raw.slice(0, 40)}" is not a symbol`);
  return symbol;
}

function limitArg(raw: number | null | undefined, fallback: number, max: number): number {
  const limit = raw ?? fallback;
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new TickstreamError(ErrorCode.BadRequest, `limit must be between 1 and ${max}`);
  }
  return limit;
}

/** What a subscription resolver gets in its context (set by graphql-routes.ts). */
export interface SubscriptionContext {
  /** Closes the connection as a slow consumer. */
  readonly closeSlow?: (reason: string) => void;
}

/** The resolvers, reading live state from the engine (through the hub) and history from storage. */
export function resolvers(hub: Hub): Record<string, Record<string, unknown>> {
  const { engine } = hub;
  const spec = (name: string): ChannelSpec => {
    const parsed = hub.parse(name);
    if (typeof parsed === 'string') throw new TickstreamError(ErrorCode.BadRequest, parsed);
    return parsed;
  };
  const iterate = (specs: ChannelSpec[], context: SubscriptionContext): HubIterator =>
    new HubIterator(hub, specs, (reason) => context.closeSlow?.(reason));
  const passThrough = (value: unknown): unknown => value;

  return {
    Query: {
      marketData: (_: unknown, { symbol }: { symbol: string }) => {
        const day = hub.days.current(symbolArg(symbol));
        if (day === undefined) return null;
        const a = day.aggregate;
        return {
          symbol: a.symbol,
          open: a.open,
          high: a.high,
          low: a.low,
          close: a.close,
          volume: String(a.volume),
          timestamp: String(a.lastTs),
        };
      },
      symbols: () => engine.symbols(),
      stats: (_: unknown, { symbol }: { symbol: string }) => engine.stats(symbolArg(symbol)) ?? null,
      candles: (
        _: unknown,
        args: {
          symbol: string;
          interval: string;
          from?: number | null;
          to?: number | null;
          limit?: number | null;
        },
      ): Promise<CandleData[]> => {
        const symbol = symbolArg(args.symbol);
        if (!hub.intervals.has(args.interval)) {
          throw new TickstreamError(
            ErrorCode.BadRequest,
            `unknown interval "${args.interval}" (configured: ${[...hub.intervals].join(', ')})`,
          );
        }
        const limit = limitArg(args.limit, 500, MAX_CANDLES);
        return candleHistory(hub.history, engine, {
          symbol,
          interval: args.interval,
          from: args.from ?? undefined,
          to: args.to ?? undefined,
          limit,
        });
      },
      anomalies: (_: unknown, args: { symbol?: string | null; limit?: number | null }) =>
        anomalyHistory(hub.history, engine, {
          symbol: args.symbol === undefined || args.symbol === null ? undefined : symbolArg(args.symbol),
          limit: limitArg(args.limit, 50, MAX_ANOMALIES),
        }),
    },
    Subscription: {
      ticks: {
        subscribe: (_: unknown, args: { symbols?: string[] | null }, context: SubscriptionContext) => {
          const symbols =
            args.symbols === undefined || args.symbols === null || args.symbols.length === 0
              ? [ALL_SYMBOLS]
              : args.symbols;
          return iterate(
            symbols.map((s) => spec(`ticks.${s === ALL_SYMBOLS ? s : symbolArg(s)}`)),
            context,
          );
        },
        resolve: passThrough,
      },
      candles: {
        subscribe: (_: unknown, args: { symbol: string; interval: string }, context: SubscriptionContext) =>
          iterate(
            [
              spec(
                `candles.${args.interval}.${args.symbol === ALL_SYMBOLS ? ALL_SYMBOLS : symbolArg(args.symbol)}`,
              ),
            ],
            context,
          ),
        resolve: passThrough,
      },
      anomalies: {
        subscribe: (_: unknown, args: { symbol?: string | null }, context: SubscriptionContext) =>
          iterate(
            [
              spec(
                args.symbol === undefined || args.symbol === null
                  ? 'anomalies'
                  : `anomalies.${symbolArg(args.symbol)}`,
              ),
            ],
            context,
          ),
        resolve: passThrough,
      },
    },
  };
}
