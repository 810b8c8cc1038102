import type { FastifyPluginAsync, FastifyReply } from 'fastify';

import type { Config } from '../../config.js';
import type { RawTick, RejectReason } from '../../core/tick.js';
import type { IngestResult } from '../../engine/engine.js';
import type { EnginePort } from '../../engine/engine-port.js';
import { ErrorCode } from '../../errors.js';
import { errorBody } from '../../http/http-errors.js';
import { iso, statsBody, statsSchema } from '../wire.js';
import { CREDENTIALS } from '../../http/request-credentials.js';

export interface PriceRouteOptions {
  readonly engine: EnginePort;
  readonly config: Readonly<Config>;
  readonly persisted?: (() => Promise<void>) | undefined;
  /** On a cluster node: JetStream's acknowledgement, which every answer with accepted ticks waits for. */
  readonly published?: (() => Promise<void>) | undefined;
  /**
   * False while raw ticks are not being stored (the disk guard, docs/storage.md): `ack=persisted`
   * is then refused before ingest, so no tick is acknowledged as committed that was not written.
   */
  readonly storesTicks?: (() => boolean) | undefined;
  /** Retry-After (seconds) of that refusal: when the guard looks at the disk again. */
  readonly storesTicksRetryAfterS?: number | undefined;
}

/** The fields a tick may carry over HTTP; any other is refused. */
const TICK_FIELDS = new Set(['symbol', 'price', 'timestamp', 'volume', 'amount', 'size', 'seq', 'id']);

const number = { type: ['number', 'string'] } as const;
const tickSchema = {
  type: 'object',
  required: ['symbol', 'price'],
  additionalProperties: false,
  properties: {
    symbol: { type: 'string', description: 'Trimmed and upper-cased; ^[A-Z0-9][A-Z0-9._:/-]{0,31}$' },
    price: { ...number, description: 'A number > 0 (or a decimal string)' },
    timestamp: { ...number, description: 'Epoch ms or ISO-8601; default: now' },
    volume: { ...number, description: 'Default 0' },
    amount: { ...number, description: 'Alias of volume' },
    size: { ...number, description: 'Alias of volume' },
    seq: { type: 'integer', minimum: 0, description: 'Sequence number, per symbol and source' },
    id: { type: ['string', 'integer'], description: 'Tick id for duplicate detection (1–128 characters)' },
  },
} as const;

const ack = {
  type: 'object',
  properties: { ack: { type: 'string', enum: ['accepted', 'persisted'], default: 'accepted' } },
  additionalProperties: false,
} as const;

/** Ticks in, statistics out (docs/api.md, "Market data"). */
export const priceRoutes: FastifyPluginAsync<PriceRouteOptions> = async (
  app,
  { engine, config, persisted, published, storesTicks, storesTicksRetryAfterS = 10 },
) => {
  const maxBatch = config.http.maxBatch;

  app.addContentTypeParser(
    'application/x-ndjson',
    { parseAs: 'string', bodyLimit: config.http.batchBodyLimitBytes },
    (_request, body, done) => {
      const items: unknown[] = [];
      const lines = (body as string).split('\n');
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i]!.trim();
        if (line === '') continue;
        try {
          items.push(JSON.parse(line));
        } catch {
          done(
            Object.assign(new Error(`NDJSON line ${i + 1} is not valid JSON`), { statusCode: 400 }),
            undefined,
          );
          return;
        }
      }
      done(null, items);
    },
  );

  /** 503 for `ack=persisted` while raw ticks cannot be stored; undefined otherwise. */
  const refusePersisted = (mode: string | undefined, reply: FastifyReply): FastifyReply | undefined => {
    if (mode !== 'persisted' || storesTicks === undefined || storesTicks()) return undefined;
    return reply
      .status(503)
      .header('retry-after', String(storesTicksRetryAfterS))
      .send(
        errorBody(
          ErrorCode.StorageUnavailable,
          'raw ticks are not being stored (free disk space below storage.minFreeDiskBytes): ack=persisted cannot be kept; retry later',
        ),
      );
  };

  const waitIfAsked = async (mode: string | undefined, result: IngestResult): Promise<void> => {
    if (result.accepted === 0) return;
    if (mode === 'persisted' && persisted !== undefined) await persisted();
    else if (published !== undefined) await published();
  };

  app.post<{ Body: RawTick; Querystring: { ack?: string } }>(
    '/api/prices',
    {
      schema: {
        tags: ['market data'],
        summary: 'Ingest one tick',
        security: CREDENTIALS,
        body: tickSchema,
        querystring: ack,
        response: {
          200: {
            type: 'object',
            properties: {
              symbol: { type: 'string' },
              price: { type: 'number' },
              timestamp: { type: 'string', format: 'date-time' },
              processedAt: { type: 'string', format: 'date-time' },
              success: { type: 'boolean' },
              message: { type: 'string' },
            },
          },
        },
      },
      config: { role: 'writer' },
    },
    async (request, reply) => {
      const refused = refusePersisted(request.query.ack, reply);
      if (refused !== undefined) return refused;
      const now = Date.now();
      const tick = await engine.ingestOne(request.body, 'http', now);
      if (typeof tick === 'string') return rejectTick(reply, tick);
      // A threaded engine answers later, and the disk guard may have closed meanwhile: the tick
      // is stored all the same, since it was received while the guard was open (the writer asks
      // DiskGuard.storesTickReceivedAt), so the acknowledgement below is kept.
      const answer = {
        symbol: tick.symbol,
        price: tick.price,
        timestamp: iso(tick.ts),
        processedAt: iso(now),
        success: true,
        message: 'Price update processed',
      };
      // Synchronous unless the client waits for the commit: no promise on the common path.
      if (request.query.ack === 'persisted' && persisted !== undefined) return persisted().then(() => answer);
      return published === undefined ? answer : published().then(() => answer);
    },
  );

  app.post<{ Body: unknown[]; Querystring: { ack?: string } }>(
    '/api/prices/batch',
    {
      bodyLimit: config.http.batchBodyLimitBytes,
      schema: {
        tags: ['market data'],
        summary: `Ingest up to ${maxBatch} ticks (JSON array, or NDJSON with Content-Type application/x-ndjson)`,
        security: CREDENTIALS,
        // Items are checked below, not by the schema: the engine answers every bad value with its
        // own reason, and per-item schema validation would cost more than the analytics.
        body: { type: 'array', items: { description: 'A tick, as the body of POST /api/prices' } },
        querystring: ack,
        response: {
          200: {
            type: 'object',
            properties: {
              accepted: { type: 'integer' },
              rejected: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { index: { type: 'integer' }, reason: { type: 'string' } },
                },
              },
            },
          },
        },
      },
      config: { role: 'writer' },
    },
    async (request, reply) => {
      const refused = refusePersisted(request.query.ack, reply);
      if (refused !== undefined) return refused;
      const ticks = request.body;
      if (ticks.length > maxBatch) {
        return reply
          .status(413)
          .send(
            errorBody(
              ErrorCode.PayloadTooLarge,
              `a batch holds at most ${maxBatch} ticks, this one ${ticks.length}`,
            ),
          );
      }
      for (let i = 0; i < ticks.length; i++) {
        const tick = ticks[i];
        if (typeof tick !== 'object' || tick === null || Array.isArray(tick)) continue; // refused by the engine with its reason
        for (const key in tick) {
          if (!TICK_FIELDS.has(key)) {
            return reply.status(400).send(errorBody(ErrorCode.BadRequest, `tick ${i}: unknown field ${key}`));
          }
        }
      }
      const result = await engine.ingest(ticks as RawTick[], 'http', Date.now());
      await waitIfAsked(request.query.ack, result);
      return result;
    },
  );

  app.get(
    '/api/prices',
    {
      schema: {
        tags: ['market data'],
        summary: 'Statistics of every symbol',
        security: CREDENTIALS,
        response: { 200: { type: 'array', items: statsSchema } },
      },
      config: { role: 'reader' },
    },
    () => engine.allStats().map(statsBody),
  );

  for (const path of ['/api/prices/:symbol', '/api/prices/:symbol/statistics']) {
    app.get<{ Params: { symbol: string } }>(
      path,
      {
        schema: {
          tags: ['market data'],
          summary: 'Statistics of one symbol',
          security: CREDENTIALS,
          params: { type: 'object', properties: { symbol: { type: 'string', maxLength: 64 } } },
          response: { 200: statsSchema },
        },
        config: { role: 'reader' },
      },
      async (request, reply) => {
        const stats = engine.stats(request.params.symbol);
        if (stats === undefined)
          return reply
            .status(404)
            .send(errorBody(ErrorCode.NotFound, `unknown symbol ${request.params.symbol}`));
        return statsBody(stats);
      },
    );
  }
};

/** 400 for a bad tick, 422 for a late or duplicate one, 503 when storage cannot keep up. */
function rejectTick(reply: FastifyReply, reason: RejectReason): FastifyReply {
  if (reason === 'overloaded') {
    return reply
      .status(503)
      .header('retry-after', '1')
      .send(errorBody(ErrorCode.Overloaded, 'storage cannot keep up; retry later'));
  }
  const status = reason === 'late' || reason === 'duplicate' ? 422 : 400;
  return reply.status(status).send(errorBody(ErrorCode.TickRejected, `tick rejected: ${reason}`, { reason }));
}
