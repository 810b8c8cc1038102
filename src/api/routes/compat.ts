import type { FastifyPluginAsync, FastifyReply } from 'fastify';

import { sma } from '../../core/indicators.js';
import { RejectReason, type RawTick } from '../../core/tick.js';
import type { DayAggregates } from '../../engine/day-aggregates.js';
import type { Engine } from '../../engine/engine.js';
import { ErrorCode } from '../../errors.js';
import type { MarketDataStore } from '../../storage/market-data-store.js';
import { errorBody } from '../../http/http-errors.js';
import { symbolParam as symbolOf } from '../params.js';
import { CREDENTIALS } from '../../http/request-credentials.js';

/**
 * The Express realtime demo's and the C++/Java server's HTTP contracts, as thin routes over the
 * same engine and store: their paths and shapes are kept exactly so their clients work unchanged
 * (docs/compat.md). The .NET system's and the FastAPI service's are in src/compat/.
 */
export interface CompatRouteOptions {
  readonly engine: Engine;
  readonly store: MarketDataStore;
  readonly aggregates: DayAggregates;
  readonly maxBatch: number;
}

/** Epoch seconds below this, epoch milliseconds above (1e11 ms is 1973; 1e11 s is year 5138). */
const SECONDS_BELOW = 1e11;

export const compatRoutes: FastifyPluginAsync<CompatRouteOptions> = async (
  app,
  { engine, store, aggregates, maxBatch },
) => {
  // -- the Express realtime demo -----------------------------------------------------------------

  app.post<{ Body: { source: string; items: WebhookItem[] } }>(
    '/api/v1/webhooks/ticks',
    {
      schema: {
        tags: ['earlier systems'],
        summary: 'Ticks by webhook (Express realtime demo); idempotencyKey deduplicates',
        security: CREDENTIALS,
        body: {
          type: 'object',
          required: ['items'],
          additionalProperties: false,
          properties: {
            source: { type: 'string', minLength: 1, maxLength: 64 },
            items: {
              type: 'array',
              maxItems: maxBatch,
              items: {
                type: 'object',
                required: ['symbol', 'price'],
                additionalProperties: false,
                properties: {
                  idempotencyKey: { type: 'string', minLength: 1, maxLength: 128 },
                  symbol: { type: 'string' },
                  price: { type: ['number', 'string'] },
                  ts: { type: ['number', 'string'], description: 'epoch seconds, epoch ms or ISO-8601' },
                  volume: { type: ['number', 'string'] },
                },
              },
            },
          },
        },
        response: {
          202: {
            type: 'object',
            properties: {
              accepted: { type: 'integer' },
              duplicates: { type: 'integer' },
              queued: { type: 'integer' },
              rejected: { type: 'integer' },
              skipped: { type: 'integer' },
            },
          },
        },
      },
      config: { role: 'writer' },
    },
    async (request, reply) => {
      const { items } = request.body;
      // The sender's name scopes each tick's sequence numbers; metrics count the batch as
      // `webhook`, so a client cannot mint new metric labels.
      const source = request.body.source ?? 'webhook';
      const ticks: RawTick[] = items.map((item) => ({
        source,
        symbol: item.symbol,
        price: item.price,
        volume: item.volume,
        timestamp: typeof item.ts === 'number' && item.ts < SECONDS_BELOW ? item.ts * 1000 : item.ts,
        id: item.idempotencyKey,
      }));
      const result = engine.ingest(ticks, 'webhook', Date.now());
      let duplicates = 0;
      let skipped = 0;
      for (const { reason } of result.rejected) {
        if (reason === RejectReason.Duplicate) duplicates++;
        else if (reason === RejectReason.Late || reason === RejectReason.Overloaded) skipped++;
      }
      // `queued`: accepted and on their way to storage (written within moments, not yet awaited).
      return reply.status(202).send({
        accepted: result.accepted,
        duplicates,
        queued: result.accepted,
        rejected: result.rejected.length - duplicates - skipped,
        skipped,
      });
    },
  );

  const symbolParams = { type: 'object', properties: { symbol: { type: 'string', maxLength: 64 } } } as const;

  app.get<{ Params: { symbol: string }; Querystring: { limit: number } }>(
    '/api/v1/ticks/:symbol',
    {
      schema: {
        tags: ['earlier systems'],
        summary: 'Latest ticks of a symbol, newest first (Express realtime demo)',
        security: CREDENTIALS,
        params: symbolParams,
        querystring: {
          type: 'object',
          properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
        },
      },
      config: { role: 'reader' },
    },
    async (request) => {
      const symbol = symbolOf(request.params.symbol);
      const page = await store.ticks({ symbol, order: 'desc', limit: request.query.limit });
      return {
        symbol,
        ticks: page.ticks.map((t) => ({
          symbol,
          price: t.price,
          volume: t.volume,
          ts: t.ts,
          source: t.source,
        })),
      };
    },
  );

  app.get<{
    Params: { symbol: string };
    Querystring: { limit: number; before?: number; view?: 'ticks' | 'ohlc1m' };
  }>(
    '/api/v1/ticks/:symbol/history',
    {
      schema: {
        tags: ['earlier systems'],
        summary: 'Tick history, or one-minute candles with sma10 (view=ohlc1m) (Express realtime demo)',
        security: CREDENTIALS,
        params: symbolParams,
        querystring: {
          type: 'object',
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 5000, default: 500 },
            before: { type: 'integer', minimum: 0, description: 'Only older than this (epoch ms)' },
            view: { type: 'string', enum: ['ticks', 'ohlc1m'], default: 'ticks' },
          },
        },
      },
      config: { role: 'reader' },
    },
    async (request, reply: FastifyReply) => {
      const symbol = symbolOf(request.params.symbol);
      const { limit, before, view } = request.query;
      if (view === 'ohlc1m') {
        if (!engine.intervals.some((i) => i.label === '1m')) {
          return reply
            .status(400)
            .send(errorBody(ErrorCode.BadRequest, 'view=ohlc1m needs the 1m candle interval configured'));
        }
        // Nine candles more than asked, so sma10 is defined from the first one shown when history allows.
        const stored = await store.candles({
          symbol,
          interval: '1m',
          ...(before === undefined ? {} : { to: before }),
          limit: limit + 9,
        });
        const live = before === undefined ? engine.openCandles(symbol, '1m') : [];
        const byStart = new Map([...stored, ...live].map((c) => [c.start, c]));
        const candles = [...byStart.values()].sort((a, b) => a.start - b.start);
        const sma10 = sma(
          candles.map((c) => c.close),
          10,
        );
        const first = Math.max(0, candles.length - limit);
        return {
          symbol,
          view,
          candles: candles.slice(first).map((c, i) => ({
            bucket_start: c.start,
            open: c.open,
            high: c.high,
            low: c.low,
            close: c.close,
            volume: c.volume,
            sma10: sma10[first + i] ?? null,
          })),
        };
      }
      const page = await store.ticks({
        symbol,
        order: 'desc',
        limit,
        ...(before === undefined ? {} : { to: before }),
      });
      return {
        symbol,
        view,
        ticks: page.ticks.map((t) => ({
          symbol,
          price: t.price,
          volume: t.volume,
          ts: t.ts,
          source: t.source,
        })),
      };
    },
  );

  // -- the C++/Java server ------------------------------------------------------------------------

  app.get<{ Params: { symbol: string } }>(
    '/api/v1/marketdata/:symbol',
    {
      schema: {
        tags: ['earlier systems'],
        summary: 'The symbol’s current UTC day: open, high, low, close, volume (C++/Java server)',
        security: CREDENTIALS,
        params: symbolParams,
        response: {
          200: {
            type: 'object',
            properties: {
              symbol: { type: 'string' },
              open: { type: 'number' },
              high: { type: 'number' },
              low: { type: 'number' },
              close: { type: 'number' },
              volume: { type: 'number' },
              timestamp: { type: 'integer' },
            },
          },
        },
      },
      config: { role: 'reader' },
    },
    async (request, reply) => {
      const symbol = symbolOf(request.params.symbol);
      const day = aggregates.get(symbol);
      if (day === undefined)
        return reply.status(404).send(errorBody(ErrorCode.NotFound, `no data for ${symbol} today`));
      return {
        symbol,
        open: day.open,
        high: day.high,
        low: day.low,
        close: day.close,
        volume: day.volume,
        timestamp: day.lastTs,
      };
    },
  );
};

interface WebhookItem {
  readonly idempotencyKey?: string;
  readonly symbol: string;
  readonly price: number | string;
  readonly ts?: number | string;
  readonly volume?: number | string;
}
