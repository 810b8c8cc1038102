import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { specifiedRules, validate, type ExecutionResult, type GraphQLError } from 'graphql';
import mercurius, { type MercuriusContext } from 'mercurius';
import type { WebSocket } from 'ws';

import { statusOf } from '../../http/http-errors.js';
import type { AuthService } from '../../auth/auth-service.js';
import { hasCredentials, parseCredentials, type Credentials } from '../../auth/credentials.js';
import { ANONYMOUS_READER, type Principal } from '../../auth/roles.js';
import { ErrorCode, isTickstreamError, TickstreamError } from '../../errors.js';
import { costLimitRule } from './graphql-cost.js';
import { resolvers, SCHEMA } from './graphql-schema.js';
import type { Hub } from '../hub/hub.js';
import {
  authenticateStream,
  authenticateStreamOrAnonymous,
  authFailure,
  CloseCode,
  closeCodeOf,
  credentialsOf,
  ExpiryTimer,
} from '../stream-auth.js';
import { Protocol } from '../hub/stream-counters.js';

export interface GraphqlRouteOptions {
  readonly hub: Hub;
  readonly auth: AuthService;
  /** Query `marketData` (the C++/Java server's) answers without credentials; nothing else does. */
  readonly anonymousMarketData?: boolean;
}

/** The one query an anonymous caller may make (docs/compat.md, C++/Java server). */
const ANONYMOUS_QUERY = 'marketData';

const GRAPHIQL_POLICY = [
  "default-src 'self'",
  "script-src 'self' https://unpkg.com",
  "style-src 'self' https://unpkg.com 'unsafe-inline'",
  "img-src 'self' data: https://unpkg.com",
  "font-src 'self' data: https://unpkg.com",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'self'",
].join('; ');

/** What mercurius's subscription connection looks like to `onConnect` (it is called as its method). */
interface SubscriptionConnection {
  readonly socket?: WebSocket;
  readonly context?: { readonly request?: FastifyRequest };
}

/** Credentials in a graphql-ws `connection_init` payload: `{authorization}`, `{headers: {authorization}}`, `{token}` or `{apiKey}`. */
function payloadCredentials(payload: unknown, address: string | undefined): Credentials | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const p = payload as Record<string, unknown>;
  const headers = (typeof p.headers === 'object' && p.headers !== null ? p.headers : p) as Record<
    string,
    unknown
  >;
  const credentials = parseCredentials({
    authorization: stringOf(headers.authorization ?? headers.Authorization),
    accessToken: stringOf(p.token),
    apiKey: stringOf(headers['x-api-key'] ?? p.apiKey),
    address,
  });
  return hasCredentials(credentials) ? credentials : undefined;
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * GraphQL at `/graphql` (queries over HTTP, subscriptions over WebSocket with the `graphql-ws`
 * protocol) and GraphiQL at `/graphiql`, with mercurius. Credentials: `Authorization` or
 * `x-api-key` headers for HTTP; the `connection_init` payload (or the upgrade request) for
 * subscriptions, whose connection is closed with 4401 when the token expires. Operations deeper
 * than `streams.graphqlMaxDepth` or costing more than `streams.graphqlMaxCost` are refused.
 */
export const graphqlRoutes: FastifyPluginAsync<GraphqlRouteOptions> = async (
  app,
  { hub, auth, anonymousMarketData = false },
) => {
  const counters = hub.counters(Protocol.GraphQl);
  const costRule = costLimitRule(hub.options.graphqlMaxCost);
  const counted = new WeakSet<WebSocket>();

  // GraphiQL's page loads React and GraphiQL from unpkg.com and has an inline style: its own policy.
  app.addHook('onSend', async (request, reply) => {
    if (request.url.startsWith('/graphiql')) void reply.header('content-security-policy', GRAPHIQL_POLICY);
  });

  // Credentials for queries over HTTP (the WebSocket upgrade and GraphiQL's page are not queries).
  app.addHook('preHandler', async (request) => {
    if (request.ws || !request.url.startsWith('/graphql')) return;
    request.principal = await authenticateStreamOrAnonymous(
      auth,
      credentialsOf(request),
      anonymousMarketData,
    );
  });

  // An anonymous caller reaches `marketData` only: every other query field refuses it.
  const all = resolvers(hub);
  const query = all.Query ?? {};
  for (const [field, resolve] of Object.entries(query)) {
    if (field === ANONYMOUS_QUERY || typeof resolve !== 'function') continue;
    const inner = resolve as (root: unknown, args: unknown, context: { principal?: Principal }) => unknown;
    query[field] = (root: unknown, args: unknown, context: { principal?: Principal }) => {
      if (context.principal === ANONYMOUS_READER)
        throw new TickstreamError(ErrorCode.AuthRequired, `${field} needs credentials`);
      return inner(root, args, context);
    };
  }

  await app.register(mercurius, {
    schema: SCHEMA,
    resolvers: all as never,
    path: '/graphql',
    graphiql: true,
    queryDepth: hub.options.graphqlMaxDepth,
    validationRules: [costRule],
    context: (request: FastifyRequest) => ({ principal: request.principal }),
    errorFormatter: (
      execution: ExecutionResult & { errors: readonly GraphQLError[] },
      context: MercuriusContext,
    ) => {
      const formatted = mercurius.defaultErrorFormatter(execution, context);
      // Errors with a registry code carry it as `extensions.code`.
      const errors = formatted.response.errors?.map((error, i) => {
        const original: unknown = execution.errors[i]?.originalError;
        return isTickstreamError(original)
          ? { ...error, extensions: { ...error.extensions, code: original.code } }
          : error;
      });
      const first: unknown = execution.errors[0]?.originalError;
      // Credentials refused before anything ran: the HTTP status says so, as on every other route.
      const statusCode =
        execution.data == null && isTickstreamError(first) ? statusOf(first.code) : formatted.statusCode;
      return { statusCode, response: { ...formatted.response, errors } };
    },
    subscription: {
      keepAlive: 30_000,
      context: (socket: WebSocket) => {
        if (!counted.has(socket)) {
          counted.add(socket);
          counters.connections++;
          counters.opened++;
          socket.once('close', () => counters.connections--);
        }
        return {
          closeSlow: (reason: string) => {
            counters.slowConsumerCloses++;
            socket.close(CloseCode.SlowConsumer, reason.slice(0, 120));
          },
        };
      },
      // Called by mercurius as a method of its connection: `this` holds the socket.
      async onConnect(
        this: SubscriptionConnection,
        data: { payload: unknown },
      ): Promise<{ principal: Principal } | false> {
        const socket = this.socket;
        const request = this.context?.request;
        const credentials =
          payloadCredentials(data.payload, request?.ip) ??
          (request === undefined ? {} : credentialsOf(request));
        try {
          const principal = await authenticateStream(auth, credentials);
          if (socket !== undefined) {
            const expiry = new ExpiryTimer(() => {
              counters.authFailures++;
              socket.close(CloseCode.Unauthorized, ErrorCode.TokenExpired);
            });
            expiry.set(principal);
            socket.once('close', () => expiry.cancel());
          }
          return { principal };
        } catch (err) {
          counters.authFailures++;
          const { code } = authFailure(err);
          socket?.close(closeCodeOf(code), code);
          return false;
        }
      },
    } as never,
  });

  // Subscriptions skip mercurius's validation: run the specification's rules and the cost limit here.
  app.graphql.addHook('preSubscriptionExecution', (schema, document) => {
    const errors = validate(schema, document, [...specifiedRules, costRule]);
    if (errors.length > 0) {
      counters.badMessages++;
      throw new TickstreamError(ErrorCode.BadRequest, errors.map((e) => e.message).join('; '));
    }
    return Promise.resolve();
  });
};
