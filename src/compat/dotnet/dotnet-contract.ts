import type { FastifyInstance } from 'fastify';

import { DOTNET_ROUTES } from './policy.js';

/**
 * The .NET MarketDataSystem contract on tickstream's own routes (docs/compat.md): its error
 * answers carried `{"message": "..."}`, so every error on its routes carries that beside
 * tickstream's `{"error": {code, message}}`; and its routes keep the access they had (./policy.ts).
 * Call on the root app before the routes are registered.
 */
export function dotnetContract(app: FastifyInstance): void {
  const policy = new Map(DOTNET_ROUTES.map((r) => [`${r.method} ${r.url}`, r.role]));
  const seen = new Set<string>();
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      const key = `${method} ${route.url}`;
      if (!policy.has(key)) continue;
      seen.add(key);
      const role = (route.config as { role?: string } | undefined)?.role;
      if (role !== policy.get(key))
        throw new Error(
          `.NET contract: ${key} must need ${policy.get(key) ?? 'no role'}, not ${role ?? 'none'}`,
        );
    }
  });
  app.addHook('onReady', (done) => {
    const missing = [...policy.keys()].filter((key) => !seen.has(key));
    done(missing.length === 0 ? undefined : new Error(`.NET contract: no route ${missing.join(', ')}`));
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    // Only errors are touched, so the common path costs one comparison.
    if (reply.statusCode < 400 || typeof payload !== 'string') return done(null, payload);
    if (!policy.has(`${request.method} ${request.routeOptions.url ?? ''}`)) return done(null, payload);
    let body: unknown;
    try {
      body = JSON.parse(payload);
    } catch {
      return done(null, payload);
    }
    const message = (body as { error?: { message?: unknown } } | null)?.error?.message;
    if (typeof message !== 'string' || (body as { message?: unknown }).message !== undefined)
      return done(null, payload);
    done(null, JSON.stringify({ message, ...(body as object) }));
  });
}
