import type { SwaggerOptions } from '@fastify/swagger';
import type { RouteOptions } from 'fastify';

import { ErrorCode } from '../errors.js';
import { CREDENTIALS } from '../http/request-credentials.js';

/** The OpenAPI document's head (served at /openapi.json, linted with Redocly's recommended rules). */
export function openapiHead(
  version: string,
): NonNullable<Extract<SwaggerOptions, { openapi?: unknown }>['openapi']> {
  return {
    openapi: '3.0.3',
    info: {
      title: 'tickstream',
      description: 'Real-time market data: ingest ticks, live analytics, history. See docs/api.md.',
      version,
      license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
    },
    // Relative: the document is served by the server it describes.
    servers: [{ url: '/', description: 'The server that serves this document' }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
      },
    },
  };
}

/** The body of every error answer (docs/errors.md); `reason` and other facts may follow `message`. */
export const ERROR_SCHEMA = {
  $id: 'Error',
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', enum: Object.values(ErrorCode) },
        message: { type: 'string' },
      },
      additionalProperties: true,
    },
  },
} as const;

/** An error answer of a route's own (beside those every route gets): `response: { 401: errorAnswer('…') }`. */
export const errorAnswer = (description: string) => ({ description, $ref: 'Error#' });

/**
 * Names shared schemas after their `$id` in the document (`#/components/schemas/Error`), not
 * `def-0`.
 */
export const refResolver = {
  buildLocalReference: (json: { $id?: unknown }, _base: unknown, _fragment: string, i: number): string =>
    typeof json.$id === 'string' ? json.$id : `def-${i}`,
};

/** GraphiQL's page and scripts are a tool for people, not API operations. */
const UNDOCUMENTED = /^\/graphiql(\/|$)/;

/** Summaries of the routes a plugin (mercurius) registers without one. */
const SUMMARIES: Record<string, string> = {
  'POST /graphql': 'GraphQL query or mutation (docs/streams.md); errors follow the GraphQL format',
  'GET /graphql':
    'GraphQL query in the query string, or a graphql-ws subscription socket on upgrade (docs/streams.md)',
};

/**
 * Completes a route's OpenAPI description from what the route declares, so no route can be added
 * without it: an `operationId` from its method and path, its security from the role it needs (an
 * open route says so with `security: []`), and the error answers every route can give (400 for
 * bad input, 401/403 when it needs a role, 404, 413 and 415 for bodies, 429 for the rate limit).
 */
export function describeRoute(route: RouteOptions): void {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  if (methods.includes('HEAD') && methods.length === 1) return;
  if (UNDOCUMENTED.test(route.url)) {
    route.schema = { ...route.schema, hide: true };
    return;
  }
  const schema = (route.schema ?? {}) as Record<string, unknown>;
  if (schema.hide === true) return;
  const method = String(methods[0]);
  const graphql = route.url.startsWith('/graphql');
  const role = route.config?.role;
  schema.operationId ??= operationId(method, route.url);
  schema.summary ??= SUMMARIES[`${method} ${route.url}`];
  if (graphql) schema.tags ??= ['streams'];
  schema.security ??= role !== undefined || graphql ? CREDENTIALS : [];
  // The least role, for clients and for the role-escalation matrix (test/attacks) built from it.
  if (role !== undefined) schema['x-role'] = role;
  const response = { ...(schema.response as Record<string, unknown> | undefined) };
  const add = (status: number, description: string): void => {
    if (response[status] === undefined && response[`${String(status)[0]}XX`] === undefined)
      response[status] = errorAnswer(description);
  };
  // Routes that stream or answer in text describe their success in docs/api.md and docs/streams.md.
  if (!Object.keys(response).some((status) => status.startsWith('2')))
    response['2XX'] = { description: 'Success (docs/api.md and docs/streams.md describe the answer)' };
  if (graphql) {
    response['4XX'] ??= {
      description: 'GraphQL errors (`errors[].extensions.code` holds the registry code)',
      type: 'object',
      additionalProperties: true,
    };
  } else {
    add(400, 'Bad request: a parameter or the body breaks its schema (BAD_REQUEST)');
    if ((schema.security as unknown[]).length > 0) {
      add(401, 'No valid credentials (AUTH_REQUIRED, TOKEN_INVALID, TOKEN_EXPIRED)');
      add(403, 'The credentials’ role does not allow this (FORBIDDEN)');
    }
    if (route.url.includes(':')) add(404, 'Not found (NOT_FOUND)');
    if (methods.some((m) => m === 'POST' || m === 'PUT' || m === 'PATCH')) {
      add(413, 'The body is larger than the limit (PAYLOAD_TOO_LARGE)');
      add(415, 'The body’s content type is not one the route takes (UNSUPPORTED_MEDIA_TYPE)');
    }
    add(429, 'Rate limit exceeded: wait for Retry-After (RATE_LIMITED)');
  }
  schema.response = response;
  route.schema = schema;
}

/** `GET /api/prices/:symbol/candles` → `getApiPricesBySymbolCandles`. */
export function operationId(method: string, url: string): string {
  const words = url
    .split('/')
    .filter((part) => part !== '')
    .map((part) => (part.startsWith(':') ? `by-${part.slice(1)}` : part))
    .flatMap((part) => part.split(/[^A-Za-z0-9]+/))
    .filter((word) => word !== '');
  return method.toLowerCase() + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}
