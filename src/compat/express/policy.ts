import type { Role } from '../../auth/roles.js';

/**
 * Who may call the Express realtime demo's routes. Its reads (symbols, ticks, metrics, health, the
 * SSE feed) had no authentication, so they answer anonymously by default
 * (`compat.express.anonymousReads`); turned off, they need tickstream's reader role. Its only
 * credential was one static `x-api-key` on `POST /api/v1/webhooks/*`: those need the writer role,
 * and an operator registers the old key value with `tickstream apikey add --key` (docs/compat.md).
 */
export function expressReadRole(options: { anonymousReads: boolean }): Role | undefined {
  return options.anonymousReads ? undefined : 'reader';
}

export const EXPRESS_WRITE_ROLE: Role = 'writer';

/**
 * The `Access-Control-Allow-Origin` value for a browser at `origin` calling an anonymous read, or
 * undefined when that origin is not allowed. Its dashboard sent no credentials (`withCredentials`
 * false), so `*` is safe for reads that need none.
 */
export function allowedOrigin(
  corsOrigins: readonly string[],
  origin: string | undefined,
): string | undefined {
  if (corsOrigins.includes('*')) return '*';
  return origin !== undefined && corsOrigins.includes(origin) ? origin : undefined;
}
