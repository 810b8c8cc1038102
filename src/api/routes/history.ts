import type { FastifyPluginAsync } from 'fastify';

import { compute, parseIndicators, type IndicatorSpec } from '../../core/indicators.js';
import type { EnginePort } from '../../engine/engine-port.js';
import { ErrorCode, TickstreamError } from '../../errors.js';
import { anomalyHistory, candleHistory } from '../../engine/history.js';
import type { MarketDataStore } from '../../storage/market-data-store.js';
import type { Anomaly, Severity } from '../../core/spike-detector.js';
import { priceAnomalyDto, priceAnomalyDtoProperties } from '../../compat/dotnet/shapes.js';
import { symbolParam as symbolOf, timeParam, timeRange } from '../params.js';
import { anomalyBody, anomalySchema, candleBody, candleSchema, iso } from '../wire.js';
import { CREDENTIALS } from '../../http/request-credentials.js';

export interface HistoryRouteOptions {
  readonly engine: EnginePort;
  readonly store: MarketDataStore;
  /** Anomalies also carry the .NET system's PriceAnomalyDto fields (compat.dotnet.enabled). */
  readonly dotnetAnomalies?: boolean;
}

const symbolParams = { type: 'object', properties: { symbol: { type: 'string', maxLength: 64 } } } as const;
const MAX_CANDLES = 5000;
const SEVERITIES: readonly Severity[] = ['medium', 'high', 'critical'];

/** History: candles (merged with the live one), raw ticks, anomalies, symbols. */
export const historyRoutes: FastifyPluginAsync<HistoryRouteOptions> = async (
  app,
  { engine, store, dotnetAnomalies = false },
) => {
  const anomalyItem = dotnetAnomalies
    ? { ...anomalySchema, properties: { ...anomalySchema.properties, ...priceAnomalyDtoProperties } }
    : anomalySchema;
  const anomalyAnswer = dotnetAnomalies
    ? (a: Anomaly) => ({ ...anomalyBody(a), ...priceAnomalyDto(a) })
    : anomalyBody;
  app.get<{
    Params: { symbol: string };
    Querystring: { interval: string; from?: string; to?: string; limit: number; indicators?: string };
  }>(
    '/api/prices/:symbol/candles',
    {
      schema: {
        tags: ['market data'],
        summary: 'Candles of a symbol: stored history merged with the live open candle, oldest first',
        security: CREDENTIALS,
        params: symbolParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            interval: {
              type: 'string',
              default: '1m',
              description: 'A configured interval: 1s, 1m, 5m, 15m, 1h, 1d, …',
            },
            from: { type: 'string', description: 'Candles starting at or after (ISO-8601 or epoch ms)' },
            to: { type: 'string', description: 'Candles starting before (ISO-8601 or epoch ms)' },
            limit: {
              type: 'integer',
              minimum: 1,
              maximum: MAX_CANDLES,
              default: 500,
              description: 'The newest this many',
            },
            indicators: { type: 'string', description: 'e.g. sma:10,ema:20' },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              symbol: { type: 'string' },
              interval: { type: 'string' },
              candles: { type: 'array', items: candleSchema },
            },
          },
        },
      },
      config: { role: 'reader' },
    },
    async (request) => {
      const { interval, from, to, limit, indicators } = request.query;
      const symbol = symbolOf(request.params.symbol);
      const known = engine.intervals.find((i) => i.label === interval);
      if (known === undefined) {
        throw new TickstreamError(
          ErrorCode.BadRequest,
          `interval must be one of ${engine.intervals.map((i) => i.label).join(', ')}; got ${interval}`,
        );
      }
      let specs: IndicatorSpec[] = [];
      try {
        specs = indicators === undefined ? [] : parseIndicators(indicators);
      } catch (err) {
        throw new TickstreamError(ErrorCode.BadRequest, (err as Error).message);
      }
      // Indicators need history before the first candle shown: fetch it too, show only `limit`.
      const warmUp = Math.max(0, ...specs.map((s) => s.period - 1));
      const candles = await candleHistory(store, engine, {
        symbol,
        interval: known.label,
        ...timeRange(from, to),
        limit: limit + warmUp,
      });
      const closes = candles.map((c) => c.close);
      const series = specs.map((spec) => [spec.key, compute(spec, closes)] as const);
      const first = Math.max(0, candles.length - limit);
      return {
        symbol,
        interval: known.label,
        candles: candles
          .slice(first)
          .map((c, i) =>
            candleBody(
              c,
              specs.length === 0
                ? undefined
                : Object.fromEntries(series.map(([key, values]) => [key, values[first + i] ?? null])),
            ),
          ),
      };
    },
  );

  app.get<{
    Params: { symbol: string };
    Querystring: { from?: string; to?: string; limit: number; cursor?: string };
  }>(
    '/api/prices/:symbol/ticks',
    {
      schema: {
        tags: ['market data'],
        summary: 'Stored raw ticks of a symbol by event time, a page at a time',
        security: CREDENTIALS,
        params: symbolParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            from: { type: 'string', description: 'Inclusive (ISO-8601 or epoch ms)' },
            to: { type: 'string', description: 'Exclusive (ISO-8601 or epoch ms)' },
            limit: { type: 'integer', minimum: 1, maximum: 10_000, default: 1000 },
            cursor: { type: 'string', maxLength: 512, description: 'nextCursor of the previous page' },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              symbol: { type: 'string' },
              ticks: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    ts: { type: 'string', format: 'date-time' },
                    price: { type: 'number' },
                    volume: { type: 'number' },
                    seq: { type: ['integer', 'null'] },
                    id: { type: ['string', 'null'] },
                    source: { type: 'string' },
                    receivedAt: { type: ['string', 'null'], format: 'date-time' },
                  },
                },
              },
              nextCursor: { type: ['string', 'null'] },
            },
          },
        },
      },
      config: { role: 'reader' },
    },
    async (request) => {
      const { from, to, limit, cursor } = request.query;
      const symbol = symbolOf(request.params.symbol);
      const page = await store.ticks({
        symbol,
        ...timeRange(from, to),
        limit,
        ...(cursor === undefined ? {} : { cursor }),
      });
      return {
        symbol,
        ticks: page.ticks.map((t) => ({
          ts: iso(t.ts),
          price: t.price,
          volume: t.volume,
          seq: t.seq,
          id: t.id,
          source: t.source,
          receivedAt: t.receivedAt === null ? null : iso(t.receivedAt),
        })),
        nextCursor: page.nextCursor,
      };
    },
  );

  app.get<{ Querystring: { symbol?: string; take: number; since?: string; severity?: Severity } }>(
    '/api/anomalies',
    {
      schema: {
        tags: ['market data'],
        summary: 'Anomalies, newest first',
        security: CREDENTIALS,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            symbol: { type: 'string', maxLength: 64 },
            take: { type: 'integer', minimum: 1, maximum: 10_000, default: 100 },
            since: { type: 'string', description: 'Only anomalies at or after this (ISO-8601 or epoch ms)' },
            severity: {
              type: 'string',
              enum: ['medium', 'high', 'critical', 'Medium', 'High', 'Critical'],
              description: 'This severity or above',
            },
          },
        },
        response: { 200: { type: 'array', items: anomalyItem } },
      },
      config: { role: 'reader' },
    },
    async (request) => {
      const { take, severity } = request.query;
      const symbol = request.query.symbol === undefined ? undefined : symbolOf(request.query.symbol);
      const since = request.query.since === undefined ? undefined : timeParam('since', request.query.since);
      const least = (severity?.toLowerCase() ?? 'medium') as Severity;
      const severities = SEVERITIES.slice(SEVERITIES.indexOf(least));
      const out = await anomalyHistory(store, engine, { symbol, since, severities, limit: take });
      return out.map(anomalyAnswer);
    },
  );

  app.get(
    '/api/symbols',
    {
      schema: {
        tags: ['market data'],
        summary: 'Symbols with their last price and first and last seen',
        security: CREDENTIALS,
        response: {
          200: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                symbol: { type: 'string' },
                lastPrice: { type: 'number' },
                firstSeen: { type: ['string', 'null'], format: 'date-time' },
                lastSeen: { type: 'string', format: 'date-time' },
              },
            },
          },
        },
      },
      config: { role: 'reader' },
    },
    async () => {
      const stored = new Map((await store.symbols()).map((s) => [s.symbol, s]));
      const names = new Set([...stored.keys(), ...engine.symbols()]);
      return [...names].sort().map((symbol) => {
        const live = engine.stats(symbol);
        const kept = stored.get(symbol);
        return {
          symbol,
          // The engine is ahead of storage: prefer its figures when it knows the symbol.
          lastPrice: live?.currentPrice ?? kept!.lastPrice,
          firstSeen: kept === undefined ? null : iso(kept.firstSeen),
          lastSeen: iso(engine.activity(symbol)?.lastTs ?? kept!.lastSeen),
        };
      });
    },
  );
};
