import type { FastifyRequest } from 'fastify';

import { parseCredentials, type Credentials } from '../auth/credentials.js';

/** OpenAPI: a route takes a bearer token or an API key. */
export const CREDENTIALS: Array<Record<string, string[]>> = [{ bearer: [] }, { apiKey: [] }];

/**
 * Credentials of an HTTP request: `Authorization: Bearer …` or `x-api-key` headers. With `query`
 * (the live streams: browsers' WebSocket and EventSource cannot set headers) also
 * `?access_token=` or `?api_key=`.
 */
export function requestCredentials(request: FastifyRequest, options: { query: boolean }): Credentials {
  const query = options.query ? (request.query as Record<string, unknown> | undefined) : undefined;
  return parseCredentials({
    authorization: request.headers.authorization,
    apiKey: stringOf(request.headers['x-api-key']),
    accessToken: stringOf(query?.access_token),
    apiKeyParam: stringOf(query?.api_key),
    address: request.ip,
  });
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
