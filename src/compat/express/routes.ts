import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

import type { CandleData } from '../../core/candles.js';
import { normalizeSymbol, RejectReason, type RawTick } from '../../core/tick.js';
import type { EnginePort } from '../../engine/engine-port.js';
import { ErrorCode, isTickstreamError } from '../../errors.js';
import { CLUSTER_RETRY_AFTER_S, errorBody, errorHandler } from '../../http/http-errors.js';
import { CREDENTIALS } from '../../http/request-credentials.js';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import type { MarketDataStore } from '../../storage/market-data-store.js';
import type { ReadinessCheck } from '../../api/routes/health.js';
import { allowedOrigin, EXPRESS_WRITE_ROLE, expressReadRole } from './policy.js';
import { symbolPair } from './symbol-pair.js';

/**
 * The Express realtime demo's HTTP contract (docs/compat.md): its orchestrator API under
 * `/api/v1` (symbols, latest tick, history in ticks or one-minute candles with sma10, the latest
 * one-minute metrics, the two webhooks, health and Prometheus metrics) and its realtime gateway's
 * `/health/*` and `/ops/metrics`. Times are epoch seconds, as it wrote them; errors its
 * `{"error":{code,message}}`, which is tickstream's shape too. `/realtime/ticks` is a stream
 * (src/streams/stream-routes.ts with ./realtime-feed.ts).
 */
export interface ExpressRouteOptions {
  readonly engine: EnginePort;
  readonly store: MarketDataStore;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly checks: readonly ReadinessCheck[];
  readonly anonymousReads: boolean;
  readonly corsOrigins: readonly string[];
  /** tickstream's `http.publicMetrics`: whether Prometheus text needs no credentials. */
  readonly publicMetrics: boolean;
  readonly maxBatch: number;
  /** On a cluster node: JetStream's acknowledgement, which a webhook's answer waits for (docs/scaling.md). */
  readonly published?: (() => Promise<void>) | undefined;
}

/** Epoch seconds below this, epoch milliseconds above (1e11 ms is 1973; 1e11 s is year 5138). */
const SECONDS_BELOW = 1e11;
const MINUTE_MS = 60_000;
/** Seconds after `now` that a history page without `before` reaches, as its service did. */
const DEFAULT_BEFORE_AHEAD_S = 1;

const TAGS = ['earlier systems: Express demo'];

interface PairInfo {
  readonly base: string;
  readonly quote: string;
  readonly active: boolean;
}

export const expressRoutes: FastifyPluginAsync<ExpressRouteOptions> = async (app, options) => {
  const { engine, store, metrics, checks, corsOrigins, maxBatch } = options;
  const readRole = expressReadRole(options);
  const readConfig = readRole === undefined ? {} : { config: { role: readRole } };
  const readSecurity = readRole === undefined ? {} : { security: CREDENTIALS };
  const metricsConfig = options.publicMetrics ? {} : { config: { role: 'reader' as const } };
  const onError = errorHandler(options.log);

  /**
   * Symbols upserted through `POST /api/v1/webhooks/symbols`, with the base, quote and active flag
   * given there. Kept in memory: after a restart symbols are listed from storage with their pair
   * derived from the name (docs/compat.md, "What differs").
   */
  const pairs = new Map<string, PairInfo>();

  // Its dashboard is a page on another origin, and a browser page may post its webhooks with a key:
  // CORS on all of its routes for the origins of compat.express.corsOrigins. Credentials are
  // headers (x-api-key, Authorization), never cookies, so an allowed origin gains nothing a page
  // could not do with its own key. Set in onSend so refusals (401, 400, 503) carry it too: a
  // browser shows the page the status instead of a CORS failure.
  if (corsOrigins.length > 0) {
    app.addHook('onSend', (request, reply, payload, done) => {
      const origin = allowedOrigin(corsOrigins, request.headers.origin);
      if (origin !== undefined) {
        void reply.header('access-control-allow-origin', origin);
        if (origin !== '*') void reply.header('vary', 'Origin');
        // Its feeder's retry signal, readable by a page that posts webhooks.
        if (request.method === 'POST') void reply.header('access-control-expose-headers', 'Retry-After');
      }
      done(null, payload);
    });
    // A browser asks first when its client adds headers (its axios client sends Authorization
    // and X-User once someone signed in; a webhook call sends x-api-key and a JSON body).
    for (const url of ['/api/v1/*', '/health/liveness', '/health/readiness', '/ops/metrics']) {
      app.options(url, { schema: { hide: true } }, (request, reply) => {
        const origin = allowedOrigin(corsOrigins, request.headers.origin);
        if (origin !== undefined) {
          void reply.headers({
            'access-control-allow-methods': 'GET, POST, OPTIONS',
            'access-control-allow-headers': 'authorization, content-type, x-api-key, x-user',
            'access-control-max-age': '600',
          });
        }
        return reply.status(204).send();
      });
    }
  }

  // -- health and metrics (orchestrator under /api/v1; realtime gateway at the root) ----------------

  const readiness = async (): Promise<{ ready: boolean; body: object }> => {
    const results = await Promise.all(
      checks.map(async (c) => {
        try {
          await c.check();
          return [c.name, true] as const;
        } catch {
          return [c.name, false] as const;
        }
      }),
    );
    const ok = (name: string) => results.find(([n]) => n === name)?.[1] ?? true;
    const ready = results.every(([, good]) => good);
    return {
      ready,
      body: {
        status: ready ? 'ready' : 'not_ready',
        checks: { db: ok('storage') ? 'ok' : 'fail', redis: ok('redis') ? 'ok' : 'fail' },
      },
    };
  };
  const readinessSchema = {
    type: 'object',
    properties: {
      status: { type: 'string', enum: ['ready', 'not_ready'] },
      checks: {
        type: 'object',
        properties: { db: { type: 'string' }, redis: { type: 'string' } },
      },
    },
  } as const;

  for (const prefix of ['/api/v1', '']) {
    const where = prefix === '' ? 'realtime gateway' : 'orchestrator';
    app.get(
      `${prefix}/health/liveness`,
      {
        schema: {
          tags: TAGS,
          summary: `Liveness (Express demo ${where})`,
          response: { 200: { type: 'object', properties: { ok: { type: 'boolean' } } } },
        },
      },
      () => ({ ok: true }),
    );
    app.get(
      `${prefix}/health/readiness`,
      {
        schema: {
          tags: TAGS,
          summary: `Readiness (Express demo ${where}${prefix === '' ? ': 503 when not ready' : ': always 200'})`,
          response: { 200: readinessSchema, 503: readinessSchema },
        },
      },
      async (_request, reply) => {
        const { ready, body } = await readiness();
        // Its orchestrator answered 200 either way (its dashboard reads the body); its gateway 503.
        return reply.status(ready || prefix !== '' ? 200 : 503).send(body);
      },
    );
    app.get(
      `${prefix}/ops/metrics`,
      {
        schema: {
          tags: TAGS,
          summary: `Prometheus metrics (Express demo ${where})`,
          ...(options.publicMetrics ? {} : { security: CREDENTIALS }),
        },
        ...metricsConfig,
      },
      async (_request, reply) => reply.type(metrics.contentType()).send(await metrics.text()),
    );
  }

  // -- reads ---------------------------------------------------------------------------------------

  const symbolParams = {
    type: 'object',
    properties: { symbol: { type: 'string', maxLength: 64 } },
  } as const;
  const noData = (reply: FastifyReply) => reply.status(404).send(errorBody(ErrorCode.NotFound, 'no data'));

  app.get<{ Querystring: { active?: boolean } }>(
    '/api/v1/symbols',
    {
      schema: {
        tags: TAGS,
        summary: 'Symbols with base, quote and active (Express demo)',
        ...readSecurity,
        querystring: {
          type: 'object',
          properties: {
            active: { type: 'boolean', description: 'true or absent: active symbols; false: all of them' },
          },
        },
        response: {
          200: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                symbol: { type: 'string' },
                base: { type: 'string' },
                quote: { type: 'string' },
                active: { type: 'boolean' },
              },
            },
          },
        },
      },
      ...readConfig,
    },
    async (request) => {
      const names = new Set([...(await store.symbols()).map((s) => s.symbol), ...engine.symbols()]);
      for (const symbol of pairs.keys()) names.add(symbol);
      const onlyActive = request.query.active !== false;
      return [...names]
        .sort()
        .map((symbol) => ({ symbol, ...(pairs.get(symbol) ?? { ...symbolPair(symbol), active: true }) }))
        .filter((s) => !onlyActive || s.active);
    },
  );

  app.get<{ Params: { symbol: string } }>(
    '/api/v1/ticks/:symbol',
    {
      schema: {
        tags: TAGS,
        summary: 'Latest tick of a symbol, ts in epoch seconds (Express demo)',
        ...readSecurity,
        params: symbolParams,
        response: {
          200: {
            type: 'object',
            properties: {
              symbol: { type: 'string' },
              ts: { type: 'integer' },
              price: { type: 'number' },
              volume: { type: 'number' },
            },
          },
        },
      },
      ...readConfig,
    },
    async (request, reply) => {
      const symbol = normalizeSymbol(request.params.symbol);
      const state = symbol === undefined ? undefined : engine.stats(symbol);
      if (symbol === undefined || state === undefined) return noData(reply);
      const last = (await store.ticks({ symbol, order: 'desc', limit: 1 })).ticks[0];
      // The engine is ahead of storage; the stored tick gives the volume when it is the same one.
      const sameTick =
        last !== undefined && last.ts === state.lastUpdateTime && last.price === state.currentPrice;
      return {
        symbol,
        ts: Math.floor(state.lastUpdateTime / 1000),
        price: state.currentPrice,
        volume: sameTick ? last.volume : 0,
      };
    },
  );

  app.get<{
    Params: { symbol: string };
    Querystring: {
      limit?: number;
      before?: string;
      cursor?: string;
      view?: string;
      agg?: string;
      shape?: string;
    };
  }>(
    '/api/v1/ticks/:symbol/history',
    {
      schema: {
        tags: TAGS,
        summary:
          'Ticks newest first, or one-minute candles oldest first with sma10 (view=ohlc1m, agg=1m or shape=candle) (Express demo)',
        ...readSecurity,
        params: symbolParams,
        querystring: {
          type: 'object',
          properties: {
            limit: { type: 'number', description: '1 to 2000 (clamped), default 200' },
            before: { type: 'string', description: 'Only older than this (epoch seconds, exclusive)' },
            cursor: { type: 'string', description: 'The same as before (its legacy name)' },
            view: { type: 'string' },
            agg: { type: 'string' },
            shape: { type: 'string' },
          },
        },
      },
      ...readConfig,
    },
    async (request, reply) => {
      const { query } = request;
      const symbol = normalizeSymbol(request.params.symbol);
      // Its limit was clamped, never refused.
      const limit = Math.max(1, Math.min(2000, Math.floor(query.limit ?? 200)));
      const raw = query.before ?? query.cursor;
      const beforeS =
        raw === undefined ? Math.floor(Date.now() / 1000) + DEFAULT_BEFORE_AHEAD_S : Number(raw);
      if (!Number.isFinite(beforeS)) {
        return reply
          .status(400)
          .send(errorBody(ErrorCode.ValidationError, 'before and cursor are epoch seconds'));
      }
      const beforeMs = beforeS * 1000;
      const candleMode =
        query.view?.toLowerCase() === 'ohlc1m' ||
        query.agg?.toLowerCase() === '1m' ||
        query.shape?.toLowerCase() === 'candle';
      if (symbol === undefined) return { items: [], nextCursor: null };
      if (!candleMode) {
        const page = await store.ticks({ symbol, order: 'desc', limit, to: beforeMs });
        const items = page.ticks.map((t) => ({
          symbol,
          ts: Math.floor(t.ts / 1000),
          price: t.price,
          volume: t.volume,
        }));
        return { items, nextCursor: items.at(-1)?.ts ?? null };
      }
      const candles = await minuteCandles(engine, store, symbol, beforeMs, limit + 9);
      // sma10: the mean close of the candle and up to nine before it among those read, as its SQL
      // window did (so the oldest of a short history averages fewer, never null).
      const withSma = candles.map((c, i) => {
        const window = candles.slice(Math.max(0, i - 9), i + 1);
        return {
          symbol,
          ts: c.start / 1000,
          open: c.open,
          high: c.high,
          low: c.low,
          close: c.close,
          volume: c.volume,
          sma10: window.reduce((sum, w) => sum + w.close, 0) / window.length,
        };
      });
      const items = withSma.slice(Math.max(0, withSma.length - limit));
      return { items, nextCursor: items[0]?.ts ?? null };
    },
  );

  app.get<{ Params: { symbol: string } }>(
    '/api/v1/metrics/:symbol',
    {
      schema: {
        tags: TAGS,
        summary: 'The latest one-minute window of a symbol, times in epoch seconds (Express demo)',
        ...readSecurity,
        params: symbolParams,
        response: {
          200: {
            type: 'object',
            properties: {
              symbol: { type: 'string' },
              windowStart: { type: 'integer' },
              windowEnd: { type: 'integer' },
              open: { type: 'number' },
              min: { type: 'number' },
              max: { type: 'number' },
              last: { type: 'number' },
              avg: { type: 'number' },
              volume: { type: 'number' },
              count: { type: 'integer' },
              vwap: { type: ['number', 'null'] },
            },
          },
        },
      },
      ...readConfig,
    },
    async (request, reply) => {
      const symbol = normalizeSymbol(request.params.symbol);
      if (symbol === undefined) return noData(reply);
      const latest = (await minuteCandles(engine, store, symbol, undefined, 1)).at(-1);
      if (latest === undefined) return noData(reply);
      return {
        symbol,
        windowStart: latest.start / 1000,
        windowEnd: (latest.start + MINUTE_MS) / 1000,
        open: latest.open,
        min: latest.low,
        max: latest.high,
        last: latest.close,
        // Its avg was the mean of open, high, low and close (not of the ticks): kept so.
        avg: (latest.open + latest.high + latest.low + latest.close) / 4,
        volume: latest.volume,
        count: latest.trades,
        vwap: latest.vwap,
      };
    },
  );

  // -- webhooks (its write path: x-api-key) ---------------------------------------------------------

  /** Its bodies failed with 400 VALIDATION_ERROR (empty, not JSON, or breaking its schema). */
  const validationErrors = (err: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    if (err.statusCode === 400 || err.validation !== undefined) {
      void reply.status(400).send(errorBody(ErrorCode.ValidationError, err.message));
      return;
    }
    onError(err, request, reply);
  };

  app.post<{ Body: { items: Array<{ symbol: string; base: string; quote: string; active?: boolean }> } }>(
    '/api/v1/webhooks/symbols',
    {
      schema: {
        tags: TAGS,
        summary: 'Upsert symbols with base, quote and active (Express demo)',
        security: CREDENTIALS,
        body: {
          type: 'object',
          required: ['items'],
          additionalProperties: false,
          properties: {
            items: {
              type: 'array',
              minItems: 1,
              maxItems: maxBatch,
              items: {
                type: 'object',
                required: ['symbol', 'base', 'quote'],
                additionalProperties: false,
                properties: {
                  symbol: { type: 'string', minLength: 1 },
                  base: { type: 'string', minLength: 1 },
                  quote: { type: 'string', minLength: 1 },
                  active: { type: 'boolean', default: true },
                },
              },
            },
          },
        },
        response: {
          202: {
            type: 'object',
            properties: { upserted: { type: 'integer' }, skipped: { type: 'integer' } },
          },
        },
      },
      config: { role: EXPRESS_WRITE_ROLE },
      errorHandler: validationErrors,
    },
    async (request, reply) => {
      let upserted = 0;
      let skipped = 0;
      for (const item of request.body.items) {
        const symbol = normalizeSymbol(item.symbol);
        if (symbol === undefined) {
          skipped++;
          continue;
        }
        pairs.set(symbol, { base: item.base, quote: item.quote, active: item.active ?? true });
        upserted++;
      }
      return reply.status(202).send({ upserted, skipped });
    },
  );

  app.post<{ Body: { source: string; items: WebhookItem[] } }>(
    '/api/v1/webhooks/ticks',
    {
      schema: {
        tags: TAGS,
        summary:
          'Ticks by webhook (Express demo): idempotencyKey (default source:symbol:ts) deduplicates; 503 with Retry-After when storage is behind (or, on a cluster node, NATS JetStream did not acknowledge)',
        security: CREDENTIALS,
        body: {
          type: 'object',
          required: ['source', 'items'],
          additionalProperties: false,
          properties: {
            source: { type: 'string', minLength: 1, maxLength: 64 },
            items: {
              type: 'array',
              minItems: 1,
              maxItems: maxBatch,
              items: {
                type: 'object',
                required: ['symbol', 'price', 'ts'],
                additionalProperties: false,
                properties: {
                  idempotencyKey: { type: 'string', minLength: 1, maxLength: 128 },
                  symbol: { type: 'string', minLength: 1 },
                  price: { type: 'number', minimum: 0, not: { enum: [0] } }, // > 0 (OpenAPI 3.0 has no numeric exclusiveMinimum)
                  ts: {
                    anyOf: [
                      { type: 'integer', minimum: 0 },
                      { type: 'string', minLength: 1 },
                    ],
                    description: 'epoch seconds (epoch ms also taken) or ISO-8601',
                  },
                  volume: { type: 'number', minimum: 0 },
                  source: { type: 'string' },
                },
              },
            },
          },
        },
        response: {
          202: webhookCounts,
          503: {
            type: 'object',
            properties: {
              error: {
                type: 'object',
                properties: { code: { type: 'string' }, message: { type: 'string' } },
              },
              ...webhookCounts.properties,
            },
          },
        },
      },
      config: { role: EXPRESS_WRITE_ROLE },
      errorHandler: validationErrors,
    },
    async (request, reply) => {
      const { source, items } = request.body;
      const ticks: RawTick[] = items.map((item) => ({
        source,
        symbol: item.symbol,
        price: item.price,
        volume: item.volume,
        timestamp: typeof item.ts === 'number' && item.ts < SECONDS_BELOW ? item.ts * 1000 : item.ts,
        // Its default key, so a batch sent again (a retry) is not counted twice.
        id: item.idempotencyKey ?? `${source}:${item.symbol}:${item.ts}`.slice(0, 128),
      }));
      // Metrics count the batch as `webhook`, so a client cannot mint new metric labels.
      const result = await engine.ingest(ticks, 'webhook', Date.now());
      let duplicates = 0;
      let skipped = 0;
      let overloaded = 0;
      for (const { reason } of result.rejected) {
        if (reason === RejectReason.Duplicate) duplicates++;
        else if (reason === RejectReason.Late) skipped++;
        else if (reason === RejectReason.Overloaded) overloaded++;
      }
      const counts = {
        accepted: result.accepted,
        duplicates,
        // Accepted and on their way to storage (written within moments, not yet awaited).
        queued: result.accepted,
        rejected: result.rejected.length - duplicates - skipped - overloaded,
        skipped,
      };
      if (result.accepted > 0 && options.published !== undefined) {
        try {
          await options.published();
        } catch (err) {
          // Not acknowledged by the cluster: the feeder retries, the idempotency keys make it safe.
          if (!isTickstreamError(err)) throw err;
          return reply
            .status(503)
            .header('retry-after', String(CLUSTER_RETRY_AFTER_S))
            .send({ ...errorBody(err.code, err.message), ...counts, accepted: 0, queued: 0 });
        }
      }
      if (overloaded > 0) {
        // Its feeder retries a 5xx (and gives up on a 4xx or a 2xx): sending the batch again is
        // safe, the ticks taken now come back as duplicates by their idempotency keys.
        return reply
          .status(503)
          .header('retry-after', '1')
          .send({
            ...errorBody(ErrorCode.Overloaded, `storage is behind: ${overloaded} ticks not taken, retry`),
            ...counts,
          });
      }
      return reply.status(202).send(counts);
    },
  );
};

const webhookCounts = {
  type: 'object',
  properties: {
    accepted: { type: 'integer' },
    duplicates: { type: 'integer' },
    queued: { type: 'integer' },
    rejected: { type: 'integer' },
    skipped: { type: 'integer' },
  },
} as const;

interface WebhookItem {
  readonly idempotencyKey?: string;
  readonly symbol: string;
  readonly price: number;
  readonly ts: number | string;
  readonly volume?: number;
}

/**
 * The symbol's one-minute candles starting before `beforeMs` (any when undefined), oldest first, at most `limit`: the
 * stored ones and the engine's open one. Without a configured `1m` interval there are none.
 */
async function minuteCandles(
  engine: EnginePort,
  store: MarketDataStore,
  symbol: string,
  beforeMs: number | undefined,
  limit: number,
): Promise<CandleData[]> {
  if (!engine.intervals.some((i) => i.label === '1m')) return [];
  const stored = await store.candles({
    symbol,
    interval: '1m',
    ...(beforeMs === undefined ? {} : { to: beforeMs }),
    limit,
  });
  const live = engine.openCandles(symbol, '1m').filter((c) => beforeMs === undefined || c.start < beforeMs);
  const byStart = new Map([...stored, ...live].map((c) => [c.start, c]));
  const candles = [...byStart.values()].sort((a, b) => a.start - b.start);
  return candles.slice(Math.max(0, candles.length - limit));
}
