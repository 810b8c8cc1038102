import type { FastifyPluginAsync } from 'fastify';

import { normalizeSymbol } from '../../core/tick.js';
import type { Engine } from '../../engine/engine.js';
import type { MarketDataStore } from '../../storage/market-data-store.js';
import { iso } from '../wire.js';

/**
 * The FastAPI price service's HTTP contract, as thin routes over the same engine and store: its
 * paths and shapes are kept exactly so its clients work unchanged (docs/compat.md). The Express
 * demo's and the C++/Java server's are in src/compat/express and src/compat/cpp.
 */
export interface CompatRouteOptions {
  readonly engine: Engine;
  readonly store: MarketDataStore;
}

export const compatRoutes: FastifyPluginAsync<CompatRouteOptions> = async (app, { engine, store }) => {
  // -- the FastAPI price service ----------------------------------------------------------------

  app.get(
    '/symbols',
    {
      schema: {
        tags: ['earlier systems'],
        summary: 'Symbols (FastAPI price service)',
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
                    name: { type: 'string' },
                    created_at: { type: 'string' },
                  },
                },
              },
              count: { type: 'integer' },
            },
          },
        },
      },
    },
    async () => {
      const stored = new Map((await store.symbols()).map((s) => [s.symbol, s.createdAt]));
      const names = [...new Set([...stored.keys(), ...engine.symbols()])].sort();
      const symbols = names.map((symbol) => ({
        symbol,
        name: symbol,
        created_at: iso(stored.get(symbol) ?? engine.state(symbol)?.lastArrival ?? Date.now()),
      }));
      return { symbols, count: symbols.length };
    },
  );

  app.get<{ Querystring: { symbol: string } }>(
    '/price/latest',
    {
      schema: {
        tags: ['earlier systems'],
        summary: 'Latest price of a symbol (FastAPI price service)',
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
              timestamp: { type: 'string' },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const symbol = normalizeSymbol(request.query.symbol);
      const state = symbol === undefined ? undefined : engine.state(symbol);
      if (symbol === undefined || state === undefined) {
        // FastAPI's error shape, which that service's clients parse.
        return reply.status(404).send({ detail: `Symbol ${request.query.symbol} not found` });
      }
      const last = (await store.ticks({ symbol, order: 'desc', limit: 1 })).ticks[0];
      // The engine is ahead of storage; the stored tick gives the volume when it is the same one.
      const sameTick =
        last !== undefined && last.ts === state.lastUpdateTime && last.price === state.currentPrice;
      return {
        symbol,
        price: state.currentPrice,
        volume: sameTick ? last.volume : 0,
        timestamp: iso(state.lastUpdateTime),
      };
    },
  );
};
