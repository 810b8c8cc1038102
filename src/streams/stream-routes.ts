import websocket from '@fastify/websocket';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';

import { CREDENTIALS } from '../http/request-credentials.js';
import type { AuthService } from '../auth/auth-service.js';
import type { Principal } from '../auth/roles.js';
import { normalizeSymbol } from '../core/tick.js';
import { ErrorCode, TickstreamError } from '../errors.js';
import { graphqlRoutes } from './graphql/graphql-routes.js';
import type { Hub } from './hub/hub.js';
import { MarketDataSession } from './ws/marketdata-session.js';
import type { RealtimeFeed } from '../compat/express/realtime-feed.js';
import { allowedOrigin } from '../compat/express/policy.js';
import { ANONYMOUS_READER } from '../auth/roles.js';
import { hasCredentials } from '../auth/credentials.js';
import { RealtimeSession } from './sse/realtime-session.js';
import { parseChannelList, parseEventId, SseSession } from './sse/sse-session.js';
import type { SseWriter } from './delivery/sse-writer.js';
import { sockjsRoutes } from './sockjs/sockjs-routes.js';
import type { SockJsTimings } from './sockjs/sockjs-session.js';
import { StompSession } from './stomp/stomp-session.js';
import { authenticateStream, credentialsOf } from './stream-auth.js';
import { Protocol, type Protocol as ProtocolName } from './hub/stream-counters.js';
import { WsSession } from './ws/ws-session.js';
import type { SignalingRelay } from './webrtc/signaling-relay.js';

/** How often WebSocket peers are pinged; one that has not answered the previous ping is cut. */
const PING_INTERVAL_MS = 30_000;

export interface StreamRouteOptions {
  readonly hub: Hub;
  readonly auth: AuthService;
  /** The `/realtime/ticks` feed (wired to the engine by src/main.ts); the route is absent without it. */
  readonly realtime?: RealtimeFeed | undefined;
  /**
   * Who may read `/realtime/ticks` (the Express demo's policy, src/compat/express/policy.ts):
   * anyone when `anonymous`, from browsers of `corsOrigins`. Default: the reader role, same origin.
   */
  readonly realtimeAccess?: { readonly anonymous: boolean; readonly corsOrigins: readonly string[] };
  /**
   * The C++/Java server's reads (`/ws/marketdata`, STOMP `/topic/market-data/…` at `/stomp` and
   * `/ws/websocket`, GraphQL `marketData`) answer without credentials (src/compat/cpp/policy.ts).
   */
  readonly cppAnonymous?: boolean;
  /** Heart-beat and disconnect delay of the SockJS sessions at `/ws` (default Spring's: 25 s, 5 s). */
  readonly sockjs?: SockJsTimings;
  /**
   * The C++/Java server's WebRTC signalling (`SEND /app/signal` → `/topic/signaling`) on both
   * STOMP endpoints; absent: those destinations are refused like any other.
   */
  readonly signaling?: SignalingRelay | undefined;
}

/** SockJS sessions batch their own writes (one frame per turn): nothing to cork. */
const NO_CORK = { cork() {}, uncork() {} };

const credentialParams = {
  access_token: { type: 'string', description: 'Access token, for clients that cannot set headers' },
  api_key: { type: 'string', description: 'API key, for clients that cannot set headers' },
} as const;

/**
 * Every live-stream route (docs/streams.md), registered by buildApp as `AppDeps.streams`. One
 * WebSocket server serves `/ws`, `/ws/marketdata`, `/stomp` and GraphQL subscriptions. The routes
 * check credentials themselves rather than through `config.role`: browsers' WebSocket and
 * EventSource cannot set headers (so `?access_token=` is accepted), and a refused WebSocket
 * learns why before it is closed.
 */
export const streamRoutes: FastifyPluginAsync<StreamRouteOptions> = async (
  app,
  {
    hub,
    auth,
    realtime,
    realtimeAccess,
    cppAnonymous = false,
    sockjs = { heartbeatMs: 25_000, disconnectDelayMs: 5_000 },
    signaling,
  },
) => {
  await app.register(websocket, {
    // The protocols bound their own messages (streams.maxMessageBytes) and answer oversize ones
    // themselves; this is only the frame limit. GraphQL documents can be large.
    options: { maxPayload: 1_048_576, perMessageDeflate: false },
  });

  // A peer that vanished without closing (sleep, a dropped network) is found by a ping it does not answer.
  const alive = new WeakSet<WebSocket>();
  app.websocketServer.on('connection', (socket: WebSocket) => {
    alive.add(socket);
    socket.on('pong', () => alive.add(socket));
  });
  const pinger = setInterval(() => {
    for (const socket of app.websocketServer.clients) {
      if (!alive.has(socket)) socket.terminate();
      else {
        alive.delete(socket);
        socket.ping();
      }
    }
  }, PING_INTERVAL_MS);
  pinger.unref();
  app.addHook('onClose', () => clearInterval(pinger));

  // Event streams never end by themselves: a closing server ends them (WebSockets are closed by @fastify/websocket).
  const openStreams = new Set<SseWriter>();
  app.addHook('preClose', (done) => {
    for (const writer of [...openStreams]) writer.end();
    done();
  });

  app.route({
    method: 'GET',
    url: '/ws',
    schema: {
      tags: ['streams'],
      summary:
        "tickstream's WebSocket protocol on upgrade (docs/streams.md); a plain GET is the SockJS greeting",
    },
    // A plain GET is the SockJS endpoint's greeting (the C++/Java server's STOMP endpoint was SockJS at /ws).
    handler: (_request, reply) => reply.type('text/plain; charset=UTF-8').send('Welcome to SockJS!\n'),
    wsHandler: (socket, request) => {
      new WsSession(hub, auth, socket, request).start();
    },
  });

  app.get('/ws/marketdata', { websocket: true }, (socket, request) => {
    new MarketDataSession(hub, auth, socket, request, cppAnonymous).start();
  });

  app.get('/stomp', { websocket: true }, (socket, request) => {
    new StompSession(hub, auth, socket, request, cppAnonymous, undefined, signaling).start();
  });

  // The C++/Java server's STOMP endpoint was SockJS at /ws: its raw WebSocket transport is
  // /ws/websocket (its Python client connects there); SockJS clients ask /ws/info first, then open
  // a session on one of the transports under /ws/{server}/{session}/ (src/streams/sockjs). The
  // STOMP session is the same whatever carries it.
  app.get('/ws/websocket', { websocket: true }, (socket, request) => {
    new StompSession(hub, auth, socket, request, cppAnonymous, undefined, signaling).start();
  });
  await app.register(sockjsRoutes, {
    endpoint: '/ws',
    timings: sockjs,
    open: (session, request) => {
      new StompSession(hub, auth, session, request, cppAnonymous, NO_CORK, signaling).start();
    },
  });

  /** Authenticates an SSE request; refused ones get the usual JSON error (401/403). */
  const principalOf = async (request: FastifyRequest, protocol: ProtocolName): Promise<Principal> => {
    try {
      return await authenticateStream(auth, credentialsOf(request));
    } catch (err) {
      hub.counters(protocol).authFailures++;
      throw err;
    }
  };

  app.route<{ Querystring: { channels: string; lastEventId?: string } }>({
    method: 'GET',
    url: '/api/stream',
    schema: {
      tags: ['streams'],
      summary: 'Server-Sent Events of hub channels (docs/streams.md); resume with Last-Event-ID',
      security: CREDENTIALS,
      querystring: {
        type: 'object',
        required: ['channels'],
        properties: {
          channels: {
            type: 'string',
            minLength: 1,
            description: 'Comma-separated channels, e.g. stats.*,candles.1m.AAPL',
          },
          lastEventId: { type: 'string', description: 'The same as the Last-Event-ID header' },
          ...credentialParams,
        },
      },
    },
    handler: async (request, reply) => {
      const principal = await principalOf(request, Protocol.Sse);
      const specs = parseChannelList(hub, request.query.channels);
      const header = request.headers['last-event-id'];
      const resume = parseEventId(
        typeof header === 'string' ? header : request.query.lastEventId,
        specs.length,
      );
      new SseSession(hub, request, reply, openStreams).start(principal, specs, resume);
    },
  });

  if (realtime !== undefined) realtimeRoute(realtime);
  function realtimeRoute(feed: RealtimeFeed): void {
    app.route<{ Querystring: { symbol?: string } }>({
      method: 'GET',
      url: '/realtime/ticks',
      schema: {
        tags: ['streams'],
        summary:
          'Server-Sent Events of ticks with SMA10 and the open 1-minute candle (the earlier Express demo)',
        ...(realtimeAccess?.anonymous === true ? {} : { security: CREDENTIALS }),
        querystring: {
          type: 'object',
          properties: {
            symbol: { type: 'string', description: 'Only this symbol (default: all)' },
            ...credentialParams,
          },
        },
      },
      handler: async (request, reply) => {
        // Anonymous when the Express policy says so, unless the client brings credentials anyway.
        const principal =
          realtimeAccess?.anonymous === true && !hasCredentials(credentialsOf(request))
            ? ANONYMOUS_READER
            : await principalOf(request, Protocol.Realtime);
        const origin = allowedOrigin(realtimeAccess?.corsOrigins ?? [], request.headers.origin);
        if (origin !== undefined) void reply.header('access-control-allow-origin', origin);
        const raw = request.query.symbol;
        const symbol = raw === undefined || raw === '' ? undefined : normalizeSymbol(raw);
        if (raw !== undefined && raw !== '' && symbol === undefined) {
          throw new TickstreamError(ErrorCode.BadRequest, 'symbol is not a symbol');
        }
        new RealtimeSession(hub, request, reply, openStreams).start(feed, principal, symbol);
      },
    });
  }

  await app.register(graphqlRoutes, { hub, auth, anonymousMarketData: cppAnonymous });
};
