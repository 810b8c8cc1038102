import type { FastifyPluginAsync } from 'fastify';

import { normalizeSymbol } from '../../core/tick.js';
import type { EnginePort } from '../../engine/engine-port.js';
import { CREDENTIALS } from '../../http/request-credentials.js';
import type { MarketDataStore } from '../../storage/market-data-store.js';
import { fastapiReadRole } from './policy.js';

/**
 * The FastAPI price service's contract (github.com/CXLD10/market-data-platform, "Phase 1"):
 * `GET /symbols` and `GET /price/latest?symbol=`, with its shapes (`app/schemas.py`) and its error
 * bodies (`{"detail": ...}`), over the same engine and store. /health is shared (routes/health.ts).
 */
export interface FastapiRouteOptions {
  readonly engine: EnginePort;
  readonly store: MarketDataStore;
  readonly anonymousReads: boolean;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** How far the latest stored tick may trail the engine and still be the answer of /price/latest. */
const STORED_LAG_MS = 1000;

export const fastapiRoutes: FastifyPluginAsync<FastapiRouteOptions> = async (
  app,
  { engine, store, anonymousReads },
) => {
  const names = store.names;
  const role = fastapiReadRole({ anonymousReads });
  const security: Array<Record<string, string[]>> = role === undefined ? [] : CREDENTIALS;

  app.get(
    '/symbols',
    {
      schema: {
        tags: ['earlier systems'],
        summary: 'Symbols with their display names (FastAPI price service)',
        security,
        response: {
          200: {
            type: 'object',
            properties: {
              symbols: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    symbol: { type: 'string' },
                    name: { type: 'string', description: 'Display name; the symbol itself when none is set' },
                    created_at: { type: 'string', format: 'date-time' },
                  },
                },
              },
              count: { type: 'integer' },
            },
          },
        },
      },
      ...(role === undefined ? {} : { config: { role } }),
    },
    async () => {
      const stored = new Map((await names.list()).map((s) => [s.symbol, s]));
      const all = [...new Set([...stored.keys(), ...engine.symbols()])].sort();
      const symbols = all.map((symbol) => {
        const kept = stored.get(symbol);
        return {
          symbol,
          name: kept?.name ?? symbol,
          created_at: iso(kept?.createdAt ?? engine.activity(symbol)?.lastArrival ?? Date.now()),
        };
      });
      return { symbols, count: symbols.length };
    },
  );

  app.get<{ Querystring: { symbol: string } }>(
    '/price/latest',
    {
      schema: {
        tags: ['earlier systems'],
        summary: 'Latest price of a symbol (FastAPI price service); 422 {detail} without symbol',
        security,
        querystring: {
          type: 'object',
          required: ['symbol'],
          properties: { symbol: { type: 'string', minLength: 1, maxLength: 64 } },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              symbol: { type: 'string' },
              price: { type: 'number' },
              volume: { type: 'number' },
              timestamp: { type: 'string', format: 'date-time' },
            },
          },
          404: { type: 'object', properties: { detail: { type: 'string' } } },
          422: {
            type: 'object',
            description: 'FastAPI’s validation error',
            properties: {
              detail: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    type: { type: 'string' },
                    loc: { type: 'array', items: { type: 'string' } },
                    msg: { type: 'string' },
                    input: {},
                  },
                },
              },
            },
          },
        },
      },
      // Its validation errors are FastAPI's 422 {"detail": [...]}, answered below.
      attachValidation: true,
      ...(role === undefined ? {} : { config: { role } }),
    },
    async (request, reply) => {
      const given: unknown = (request.query as { symbol?: unknown }).symbol;
      if (request.validationError !== undefined && typeof given !== 'string') {
        return reply.status(422).send({
          detail: [
            given === undefined
              ? { type: 'missing', loc: ['query', 'symbol'], msg: 'Field required', input: null }
              : {
                  type: 'string_type',
                  loc: ['query', 'symbol'],
                  msg: 'Input should be a valid string',
                  input: given,
                },
          ],
        });
      }
      if (request.validationError !== undefined) {
        return reply.status(404).send({ detail: `Symbol ${String(given)} not found` });
      }
      const symbol = normalizeSymbol(request.query.symbol);
      const state = symbol === undefined ? undefined : engine.stats(symbol);
      if (symbol === undefined || state === undefined) {
        return reply.status(404).send({ detail: `Symbol ${request.query.symbol} not found` });
      }
      const last = (await store.ticks({ symbol, order: 'desc', limit: 1 })).ticks[0];
      // It answered its latest stored trade: price, volume and time of one tick. Storage trails the
      // engine by a flush (~100 ms); within STORED_LAG_MS that tick is answered whole, beyond it
      // (storage far behind) the engine's price, without a volume it does not keep.
      if (last !== undefined && state.lastUpdateTime - last.ts <= STORED_LAG_MS) {
        return { symbol, price: last.price, volume: last.volume, timestamp: iso(last.ts) };
      }
      return { symbol, price: state.currentPrice, volume: 0, timestamp: iso(state.lastUpdateTime) };
    },
  );
};
