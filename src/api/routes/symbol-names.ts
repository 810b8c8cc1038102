import type { FastifyPluginAsync } from 'fastify';

import { normalizeSymbol } from '../../core/tick.js';
import { ErrorCode, TickstreamError } from '../../errors.js';
import { CREDENTIALS } from '../../http/request-credentials.js';
import type { MarketDataStore } from '../../storage/market-data-store.js';

/** `PUT /api/symbols/{symbol}`: a symbol's display name (shown by `GET /symbols`, docs/compat.md). */
export const symbolNameRoutes: FastifyPluginAsync<{ store: MarketDataStore }> = async (app, { store }) => {
  const names = store.names;
  app.put<{ Params: { symbol: string }; Body: { name: string } }>(
    '/api/symbols/:symbol',
    {
      schema: {
        tags: ['market data'],
        summary: 'Set the display name of a symbol (it need not have ticks yet)',
        security: CREDENTIALS,
        params: { type: 'object', properties: { symbol: { type: 'string', maxLength: 64 } } },
        body: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: { name: { type: 'string', minLength: 1, maxLength: 200 } },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              symbol: { type: 'string' },
              name: { type: 'string' },
              createdAt: { type: 'string', format: 'date-time' },
            },
          },
        },
      },
      config: { role: 'writer' },
    },
    async (request) => {
      const symbol = normalizeSymbol(request.params.symbol);
      if (symbol === undefined)
        throw new TickstreamError(ErrorCode.BadRequest, `invalid symbol ${request.params.symbol}`);
      const name = request.body.name.trim();
      if (name === '') throw new TickstreamError(ErrorCode.BadRequest, 'name must not be blank');
      const saved = await names.set(symbol, name);
      return { symbol: saved.symbol, name: saved.name, createdAt: new Date(saved.createdAt).toISOString() };
    },
  );
};
