import type { FastifyPluginAsync } from 'fastify';

import { normalizeSymbol } from '../../core/tick.js';
import type { DayAggregates } from '../../engine/day-aggregates.js';
import { CREDENTIALS } from '../../http/request-credentials.js';
import { cppReadRole } from './policy.js';
import { nanosText } from './wire-time.js';

export interface CppRouteOptions {
  readonly aggregates: DayAggregates;
  readonly anonymousReads: boolean;
}

/**
 * The C++/Java server's REST read (docs/compat.md): `GET /api/v1/marketdata/{symbol}`, the
 * symbol's current UTC day as its gateway wrote its gRPC `Aggregate`: `timestamp` in nanoseconds,
 * and a symbol without data answered 200 `{"error": "NOT_FOUND: Symbol not found: X"}` (its
 * gateway turned every gRPC failure into that body).
 */
export const cppRoutes: FastifyPluginAsync<CppRouteOptions> = async (app, options) => {
  const role = cppReadRole(options);
  app.get<{ Params: { symbol: string } }>(
    '/api/v1/marketdata/:symbol',
    {
      schema: {
        tags: ['earlier systems: C++/Java server'],
        summary:
          'The symbol’s current UTC day: open, high, low, close, volume, timestamp in ns; 200 {error} when none (C++/Java server)',
        ...(role === undefined ? {} : { security: CREDENTIALS }),
        params: { type: 'object', properties: { symbol: { type: 'string', maxLength: 64 } } },
      },
      ...(role === undefined ? {} : { config: { role } }),
    },
    async (request, reply) => {
      const symbol = normalizeSymbol(request.params.symbol);
      const day = symbol === undefined ? undefined : options.aggregates.get(symbol);
      if (symbol === undefined || day === undefined) {
        return { error: `NOT_FOUND: Symbol not found: ${request.params.symbol}` };
      }
      const body =
        JSON.stringify({
          symbol,
          open: day.open,
          high: day.high,
          low: day.low,
          close: day.close,
          volume: day.volume,
        }).slice(0, -1) + `,"timestamp":${nanosText(day.lastTs)}}`;
      return reply.type('application/json; charset=utf-8').send(body);
    },
  );
};
