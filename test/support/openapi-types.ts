// Generated from the OpenAPI document by `npm run openapi`: do not edit.
export interface paths {
  '/symbols': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Symbols with their display names (FastAPI price service) */
    get: operations['getSymbols'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/price/latest': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Latest price of a symbol (FastAPI price service); 422 {detail} without symbol */
    get: operations['getPriceLatest'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/health': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Liveness, in a body both earlier systems’ clients read (docs/compat.md) */
    get: operations['getHealth'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/health/ready': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Readiness, with each dependency’s check */
    get: operations['getHealthReady'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/auth/register': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Create an account (when self-registration is on) */
    post: operations['postApiAuthRegister'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/auth/login': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Log in */
    post: operations['postApiAuthLogin'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/auth/refresh': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Exchange a refresh token for new tokens (the refresh token rotates) */
    post: operations['postApiAuthRefresh'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/auth/logout': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** End the session */
    post: operations['postApiAuthLogout'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/auth/me': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The current user */
    get: operations['getApiAuthMe'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/auth/change-password': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Change the password; every other session ends, the answer starts a new one */
    post: operations['postApiAuthChangePassword'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/auth/users': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List users */
    get: operations['getApiAuthUsers'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/auth/users/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    /** Change a user’s role, or (de)activate them */
    patch: operations['patchApiAuthUsersById'];
    trace?: never;
  };
  '/api/auth/api-keys': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List API keys */
    get: operations['getApiAuthApiKeys'];
    put?: never;
    /** Create an API key (the key is in this answer only) */
    post: operations['postApiAuthApiKeys'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/auth/api-keys/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /** Revoke an API key */
    delete: operations['deleteApiAuthApiKeysById'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/prices': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Statistics of every symbol */
    get: operations['getApiPrices'];
    put?: never;
    /** Ingest one tick */
    post: operations['postApiPrices'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/prices/batch': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Ingest up to 10000 ticks (JSON array, or NDJSON with Content-Type application/x-ndjson) */
    post: operations['postApiPricesBatch'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/prices/{symbol}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Statistics of one symbol */
    get: operations['getApiPricesBySymbol'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/prices/{symbol}/statistics': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Statistics of one symbol */
    get: operations['getApiPricesBySymbolStatistics'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/prices/{symbol}/candles': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Candles of a symbol: stored history merged with the live open candle, oldest first */
    get: operations['getApiPricesBySymbolCandles'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/prices/{symbol}/ticks': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Stored raw ticks of a symbol by event time, a page at a time */
    get: operations['getApiPricesBySymbolTicks'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/anomalies': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Anomalies, newest first */
    get: operations['getApiAnomalies'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/symbols': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Symbols with their last price and first and last seen */
    get: operations['getApiSymbols'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/symbols/{symbol}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    /** Set the display name of a symbol (it need not have ticks yet) */
    put: operations['putApiSymbolsBySymbol'];
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/health/liveness': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Liveness (Express demo orchestrator) */
    get: operations['getApiV1HealthLiveness'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/health/readiness': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Readiness (Express demo orchestrator: always 200) */
    get: operations['getApiV1HealthReadiness'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/ops/metrics': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Prometheus metrics (Express demo orchestrator) */
    get: operations['getApiV1OpsMetrics'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/health/liveness': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Liveness (Express demo realtime gateway) */
    get: operations['getHealthLiveness'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/health/readiness': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Readiness (Express demo realtime gateway: 503 when not ready) */
    get: operations['getHealthReadiness'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/ops/metrics': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Prometheus metrics (Express demo realtime gateway) */
    get: operations['getOpsMetrics'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/symbols': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Symbols with base, quote and active (Express demo) */
    get: operations['getApiV1Symbols'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/ticks/{symbol}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Latest tick of a symbol, ts in epoch seconds (Express demo) */
    get: operations['getApiV1TicksBySymbol'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/ticks/{symbol}/history': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Ticks newest first, or one-minute candles oldest first with sma10 (view=ohlc1m, agg=1m or shape=candle) (Express demo) */
    get: operations['getApiV1TicksBySymbolHistory'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/metrics/{symbol}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The latest one-minute window of a symbol, times in epoch seconds (Express demo) */
    get: operations['getApiV1MetricsBySymbol'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/webhooks/symbols': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Upsert symbols with base, quote and active (Express demo) */
    post: operations['postApiV1WebhooksSymbols'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/webhooks/ticks': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Ticks by webhook (Express demo): idempotencyKey (default source:symbol:ts) deduplicates; 503 with Retry-After when storage is behind (or, on a cluster node, NATS JetStream did not acknowledge) */
    post: operations['postApiV1WebhooksTicks'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/marketdata/{symbol}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The symbol’s current UTC day: open, high, low, close, volume, timestamp in ns; 200 {error} when none (C++/Java server) */
    get: operations['getApiV1MarketdataBySymbol'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/metrics': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Processing figures: totals, rejections by reason, throughput over the last 10 s, storage, connections */
    get: operations['getApiMetrics'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/metrics': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Prometheus metrics (text format) */
    get: operations['getMetrics'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/ws': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** tickstream's WebSocket protocol on upgrade (docs/streams.md); a plain GET is the SockJS greeting */
    get: operations['getWs'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/ws/info': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** SockJS info of the STOMP endpoint /ws (the C++/Java server); CORS with credentials */
    get: operations['getWsInfo'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/ws/iframe.html': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** SockJS iframe page of /ws, for the iframe transports (loads sockjs-client from its CDN) */
    get: operations['getWsIframeHtml'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/ws/{server}/{session}/xhr': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** SockJS xhr-polling: one frame per request */
    post: operations['postWsByServerBySessionXhr'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/ws/{server}/{session}/xhr_streaming': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** SockJS xhr-streaming: a 2 KB prelude, then newline-separated frames */
    post: operations['postWsByServerBySessionXhrStreaming'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/ws/{server}/{session}/eventsource': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** SockJS EventSource transport: frames as `data:` events */
    get: operations['getWsByServerBySessionEventsource'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/ws/{server}/{session}/htmlfile': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** SockJS htmlfile transport (`?c=callback`): frames as <script> calls */
    get: operations['getWsByServerBySessionHtmlfile'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/ws/{server}/{session}/jsonp': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** SockJS JSONP polling (`?c=callback`): one frame as a callback call */
    get: operations['getWsByServerBySessionJsonp'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/ws/{server}/{session}/xhr_send': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** SockJS: messages to a session, a JSON array of strings (204) */
    post: operations['postWsByServerBySessionXhrSend'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/ws/{server}/{session}/jsonp_send': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** SockJS: messages to a session from a form (`d=`) or as text (200 ok) */
    post: operations['postWsByServerBySessionJsonpSend'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/stream': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Server-Sent Events of hub channels (docs/streams.md); resume with Last-Event-ID */
    get: operations['getApiStream'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/realtime/ticks': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Server-Sent Events of ticks with SMA10 and the open 1-minute candle (the earlier Express demo) */
    get: operations['getRealtimeTicks'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/graphql': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** GraphQL query in the query string, or a graphql-ws subscription socket on upgrade (docs/streams.md) */
    get: operations['getGraphql'];
    put?: never;
    /** GraphQL query or mutation (docs/streams.md); errors follow the GraphQL format */
    post: operations['postGraphql'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/replays': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The replays running and the last ended ones */
    get: operations['getApiReplays'];
    put?: never;
    /** Start a replay of a file on the server, or of stored ticks, at a speed */
    post: operations['postApiReplays'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/replays/files': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Tick files a replay may read (in replay.allowedDirs and dataDir) */
    get: operations['getApiReplaysFiles'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/replays/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One replay: state and progress */
    get: operations['getApiReplaysById'];
    put?: never;
    post?: never;
    /** Stop a replay (what it played stays) */
    delete: operations['deleteApiReplaysById'];
    options?: never;
    head?: never;
    /** Pause or resume, change the speed, seek to a recorded time */
    patch: operations['patchApiReplaysById'];
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: {
    Error: {
      error: {
        /** @enum {string} */
        code:
          | 'CONFIG_INVALID'
          | 'CONFIG_UNREADABLE'
          | 'USAGE_INVALID'
          | 'INPUT_UNREADABLE'
          | 'STORAGE_UNAVAILABLE'
          | 'STORAGE_LOCKED'
          | 'STORAGE_CLOSED'
          | 'MIGRATION_FAILED'
          | 'STORAGE_SCHEMA_NEWER'
          | 'CURSOR_INVALID'
          | 'LISTEN_FAILED'
          | 'TARGET_UNREACHABLE'
          | 'TARGET_REFUSED'
          | 'BAD_REQUEST'
          | 'VALIDATION_ERROR'
          | 'NOT_FOUND'
          | 'AUTH_REQUIRED'
          | 'TOKEN_INVALID'
          | 'TOKEN_EXPIRED'
          | 'INVALID_CREDENTIALS'
          | 'FORBIDDEN'
          | 'CONFLICT'
          | 'REGISTRATION_DISABLED'
          | 'PAYLOAD_TOO_LARGE'
          | 'UNSUPPORTED_MEDIA_TYPE'
          | 'RATE_LIMITED'
          | 'TICK_REJECTED'
          | 'OVERLOADED'
          | 'NOT_READY'
          | 'REPLAY_PATH_REFUSED'
          | 'REPLAY_LIMIT'
          | 'CLUSTER_UNAVAILABLE'
          | 'CLUSTER_MISMATCH'
          | 'CLUSTER_ROLE'
          | 'INTERNAL';
        message: string;
      } & {
        [key: string]: unknown;
      };
    };
  };
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
  getSymbols: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            symbols?: {
              symbol?: string;
              /** @description Display name; the symbol itself when none is set */
              name?: string;
              /** Format: date-time */
              created_at?: string;
            }[];
            count?: number;
          };
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  getPriceLatest: {
    parameters: {
      query: {
        symbol: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            symbol?: string;
            price?: number;
            volume?: number;
            /** Format: date-time */
            timestamp?: string;
          };
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Default Response */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            detail?: string;
          };
        };
      };
      /** @description FastAPI’s validation error */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            detail?: {
              type?: string;
              loc?: string[];
              msg?: string;
              input?: unknown;
            }[];
          };
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  getHealth: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description healthy, or degraded when storage does not answer */
            status?: string;
            service?: string;
            /** @enum {string} */
            database?: 'healthy' | 'unhealthy';
            /** Format: date-time */
            timestamp?: string;
            uptimeSeconds?: number;
            totalDuration?: string;
            entries?: {
              [key: string]: {
                status?: string;
                description?: string;
                duration?: string;
              };
            };
          };
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  getHealthReady: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Default Response */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            status?: string;
            checks?: {
              [key: string]: {
                ok?: boolean;
                ms?: number;
                error?: string;
                fallback?: string;
              };
            };
            /** @description On a cluster node only: nodeId, roles, owned partitions, NATS state (docs/scaling.md) */
            cluster?: {
              [key: string]: unknown;
            };
          };
        };
      };
      /** @description Default Response */
      '2XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            status?: string;
            checks?: {
              [key: string]: {
                ok?: boolean;
                ms?: number;
                error?: string;
                fallback?: string;
              };
            };
            /** @description On a cluster node only: nodeId, roles, owned partitions, NATS state (docs/scaling.md) */
            cluster?: {
              [key: string]: unknown;
            };
          };
        };
      };
    };
  };
  postApiAuthRegister: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          username: string;
          /** Format: email */
          email: string;
          password: string;
          firstName?: string | null;
          lastName?: string | null;
        };
      };
    };
    responses: {
      /** @description Default Response */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            accessToken?: string;
            refreshToken?: string;
            /** Format: date-time */
            expiresAt?: string;
            user?: {
              id?: string;
              username?: string;
              email?: string;
              firstName?: string | null;
              lastName?: string | null;
              /** @enum {string} */
              role?: 'reader' | 'writer' | 'admin';
              active?: boolean;
            };
          };
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Self-registration is off (REGISTRATION_DISABLED) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The username or email is taken (CONFLICT) */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The body is larger than the limit (PAYLOAD_TOO_LARGE) */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The body’s content type is not one the route takes (UNSUPPORTED_MEDIA_TYPE) */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  postApiAuthLogin: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          username: string;
          password: string;
        };
      };
    };
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            accessToken?: string;
            refreshToken?: string;
            /** Format: date-time */
            expiresAt?: string;
            user?: {
              id?: string;
              username?: string;
              email?: string;
              firstName?: string | null;
              lastName?: string | null;
              /** @enum {string} */
              role?: 'reader' | 'writer' | 'admin';
              active?: boolean;
            };
          };
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Unknown user, wrong password or a deactivated account: one answer (INVALID_CREDENTIALS) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The body is larger than the limit (PAYLOAD_TOO_LARGE) */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The body’s content type is not one the route takes (UNSUPPORTED_MEDIA_TYPE) */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Too many failed logins from this address or for this username, or too many attempts: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  postApiAuthRefresh: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          refreshToken: string;
        };
      };
    };
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            accessToken?: string;
            refreshToken?: string;
            /** Format: date-time */
            expiresAt?: string;
            user?: {
              id?: string;
              username?: string;
              email?: string;
              firstName?: string | null;
              lastName?: string | null;
              /** @enum {string} */
              role?: 'reader' | 'writer' | 'admin';
              active?: boolean;
            };
          };
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The refresh token is unknown, expired or reused (TOKEN_INVALID) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The body is larger than the limit (PAYLOAD_TOO_LARGE) */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The body’s content type is not one the route takes (UNSUPPORTED_MEDIA_TYPE) */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  postApiAuthLogout: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          refreshToken?: string;
        };
      };
    };
    responses: {
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description No valid credentials (AUTH_REQUIRED, TOKEN_INVALID, TOKEN_EXPIRED) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The credentials’ role does not allow this (FORBIDDEN) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The body is larger than the limit (PAYLOAD_TOO_LARGE) */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The body’s content type is not one the route takes (UNSUPPORTED_MEDIA_TYPE) */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Success (docs/api.md and docs/streams.md describe the answer) */
      '2XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': unknown;
        };
      };
    };
  };
  getApiAuthMe: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            id?: string;
            username?: string;
            email?: string;
            firstName?: string | null;
            lastName?: string | null;
            /** @enum {string} */
            role?: 'reader' | 'writer' | 'admin';
            active?: boolean;
          };
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description No valid credentials (AUTH_REQUIRED, TOKEN_INVALID, TOKEN_EXPIRED) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The credentials’ role does not allow this (FORBIDDEN) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  postApiAuthChangePassword: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          currentPassword: string;
          newPassword: string;
        };
      };
    };
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            accessToken?: string;
            refreshToken?: string;
            /** Format: date-time */
            expiresAt?: string;
            user?: {
              id?: string;
              username?: string;
              email?: string;
              firstName?: string | null;
              lastName?: string | null;
              /** @enum {string} */
              role?: 'reader' | 'writer' | 'admin';
              active?: boolean;
            };
          };
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description No valid credentials (AUTH_REQUIRED, TOKEN_INVALID, TOKEN_EXPIRED) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The credentials’ role does not allow this (FORBIDDEN) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The body is larger than the limit (PAYLOAD_TOO_LARGE) */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The body’s content type is not one the route takes (UNSUPPORTED_MEDIA_TYPE) */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  getApiAuthUsers: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            id?: string;
            username?: string;
            email?: string;
            firstName?: string | null;
            lastName?: string | null;
            /** @enum {string} */
            role?: 'reader' | 'writer' | 'admin';
            active?: boolean;
          }[];
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description No valid credentials (AUTH_REQUIRED, TOKEN_INVALID, TOKEN_EXPIRED) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The credentials’ role does not allow this (FORBIDDEN) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  patchApiAuthUsersById: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          /** @enum {string} */
          role?: 'reader' | 'writer' | 'admin';
          active?: boolean;
        };
      };
    };
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            id?: string;
            username?: string;
            email?: string;
            firstName?: string | null;
            lastName?: string | null;
            /** @enum {string} */
            role?: 'reader' | 'writer' | 'admin';
            active?: boolean;
          };
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description No valid credentials (AUTH_REQUIRED, TOKEN_INVALID, TOKEN_EXPIRED) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The credentials’ role does not allow this (FORBIDDEN) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Not found (NOT_FOUND) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The body is larger than the limit (PAYLOAD_TOO_LARGE) */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The body’s content type is not one the route takes (UNSUPPORTED_MEDIA_TYPE) */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  getApiAuthApiKeys: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            id?: string;
            name?: string;
            /** @enum {string} */
            role?: 'reader' | 'writer' | 'admin';
            prefix?: string;
            /** Format: date-time */
            createdAt?: string;
            /** Format: date-time */
            lastUsedAt?: string | null;
            /** Format: date-time */
            revokedAt?: string | null;
          }[];
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description No valid credentials (AUTH_REQUIRED, TOKEN_INVALID, TOKEN_EXPIRED) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The credentials’ role does not allow this (FORBIDDEN) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  postApiAuthApiKeys: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          name: string;
          /** @enum {string} */
          role: 'reader' | 'writer' | 'admin';
        };
      };
    };
    responses: {
      /** @description Default Response */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            id?: string;
            name?: string;
            /** @enum {string} */
            role?: 'reader' | 'writer' | 'admin';
            prefix?: string;
            /** Format: date-time */
            createdAt?: string;
            /** Format: date-time */
            lastUsedAt?: string | null;
            /** Format: date-time */
            revokedAt?: string | null;
            key?: string;
          };
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description No valid credentials (AUTH_REQUIRED, TOKEN_INVALID, TOKEN_EXPIRED) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The credentials’ role does not allow this (FORBIDDEN) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The body is larger than the limit (PAYLOAD_TOO_LARGE) */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The body’s content type is not one the route takes (UNSUPPORTED_MEDIA_TYPE) */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  deleteApiAuthApiKeysById: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description No valid credentials (AUTH_REQUIRED, TOKEN_INVALID, TOKEN_EXPIRED) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The credentials’ role does not allow this (FORBIDDEN) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Not found (NOT_FOUND) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Success (docs/api.md and docs/streams.md describe the answer) */
      '2XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': unknown;
        };
      };
    };
  };
  getApiPrices: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            symbol?: string;
            currentPrice?: number;
            movingAverage?: number;
            updateCount?: number;
            /** Format: date-time */
            lastUpdateTime?: string;
            minPrice?: number;
            maxPrice?: number;
            changeFromAverage?: number;
            volume?: number;
          }[];
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description No valid credentials (AUTH_REQUIRED, TOKEN_INVALID, TOKEN_EXPIRED) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The credentials’ role does not allow this (FORBIDDEN) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  postApiPrices: {
    parameters: {
      query?: {
        ack?: 'accepted' | 'persisted';
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          /** @description Trimmed and upper-cased; ^[A-Z0-9][A-Z0-9._:/-]{0,31}$ */
          symbol: string;
          /** @description A number > 0 (or a decimal string) */
          price: number | string;
          /** @description Epoch ms or ISO-8601; default: now */
          timestamp?: number | string;
          /** @description Default 0 */
          volume?: number | string;
          /** @description Alias of volume */
          amount?: number | string;
          /** @description Alias of volume */
          size?: number | string;
          /** @description Sequence number, per symbol and source */
          seq?: number;
          /** @description Tick id for duplicate detection (1–128 characters) */
          id?: string | number;
        };
      };
    };
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            symbol?: string;
            price?: number;
            /** Format: date-time */
            timestamp?: string;
            /** Format: date-time */
            processedAt?: string;
            success?: boolean;
            message?: string;
          };
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description No valid credentials (AUTH_REQUIRED, TOKEN_INVALID, TOKEN_EXPIRED) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The credentials’ role does not allow this (FORBIDDEN) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The body is larger than the limit (PAYLOAD_TOO_LARGE) */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The body’s content type is not one the route takes (UNSUPPORTED_MEDIA_TYPE) */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  postApiPricesBatch: {
    parameters: {
      query?: {
        ack?: 'accepted' | 'persisted';
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': unknown[];
      };
    };
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            accepted?: number;
            rejected?: {
              index?: number;
              reason?: string;
            }[];
          };
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description No valid credentials (AUTH_REQUIRED, TOKEN_INVALID, TOKEN_EXPIRED) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The credentials’ role does not allow this (FORBIDDEN) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The body is larger than the limit (PAYLOAD_TOO_LARGE) */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The body’s content type is not one the route takes (UNSUPPORTED_MEDIA_TYPE) */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  getApiPricesBySymbol: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        symbol: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            symbol?: string;
            currentPrice?: number;
            movingAverage?: number;
            updateCount?: number;
            /** Format: date-time */
            lastUpdateTime?: string;
            minPrice?: number;
            maxPrice?: number;
            changeFromAverage?: number;
            volume?: number;
          };
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description No valid credentials (AUTH_REQUIRED, TOKEN_INVALID, TOKEN_EXPIRED) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The credentials’ role does not allow this (FORBIDDEN) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Not found (NOT_FOUND) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  getApiPricesBySymbolStatistics: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        symbol: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            symbol?: string;
            currentPrice?: number;
            movingAverage?: number;
            updateCount?: number;
            /** Format: date-time */
            lastUpdateTime?: string;
            minPrice?: number;
            maxPrice?: number;
            changeFromAverage?: number;
            volume?: number;
          };
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description No valid credentials (AUTH_REQUIRED, TOKEN_INVALID, TOKEN_EXPIRED) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The credentials’ role does not allow this (FORBIDDEN) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Not found (NOT_FOUND) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  getApiPricesBySymbolCandles: {
    parameters: {
      query?: {
        /** @description A configured interval: 1s, 1m, 5m, 15m, 1h, 1d, … */
        interval?: string;
        /** @description Candles starting at or after (ISO-8601 or epoch ms) */
        from?: string;
        /** @description Candles starting before (ISO-8601 or epoch ms) */
        to?: string;
        /** @description The newest this many */
        limit?: number;
        /** @description e.g. sma:10,ema:20 */
        indicators?: string;
      };
      header?: never;
      path: {
        symbol: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            symbol?: string;
            interval?: string;
            candles?: {
              /** Format: date-time */
              start?: string;
              /** Format: date-time */
              end?: string;
              open?: number;
              high?: number;
              low?: number;
              close?: number;
              volume?: number;
              trades?: number;
              vwap?: number | null;
              revision?: number;
              closed?: boolean;
              indicators?: {
                [key: string]: number | null;
              };
            }[];
          };
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description No valid credentials (AUTH_REQUIRED, TOKEN_INVALID, TOKEN_EXPIRED) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The credentials’ role does not allow this (FORBIDDEN) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Not found (NOT_FOUND) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  getApiPricesBySymbolTicks: {
    parameters: {
      query?: {
        /** @description Inclusive (ISO-8601 or epoch ms) */
        from?: string;
        /** @description Exclusive (ISO-8601 or epoch ms) */
        to?: string;
        limit?: number;
        /** @description nextCursor of the previous page */
        cursor?: string;
      };
      header?: never;
      path: {
        symbol: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            symbol?: string;
            ticks?: {
              /** Format: date-time */
              ts?: string;
              price?: number;
              volume?: number;
              seq?: number | null;
              id?: string | null;
              source?: string;
              /** Format: date-time */
              receivedAt?: string | null;
            }[];
            nextCursor?: string | null;
          };
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description No valid credentials (AUTH_REQUIRED, TOKEN_INVALID, TOKEN_EXPIRED) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The credentials’ role does not allow this (FORBIDDEN) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Not found (NOT_FOUND) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  getApiAnomalies: {
    parameters: {
      query?: {
        symbol?: string;
        take?: number;
        /** @description Only anomalies at or after this (ISO-8601 or epoch ms) */
        since?: string;
        /** @description This severity or above */
        severity?: 'medium' | 'high' | 'critical' | 'Medium' | 'High' | 'Critical';
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            symbol?: string;
            /** @enum {string} */
            direction?: 'up' | 'down';
            price?: number;
            /** Format: date-time */
            timestamp?: string;
            referencePrice?: number;
            /** Format: date-time */
            referenceTimestamp?: string;
            changePercent?: number;
            /** @enum {string} */
            severity?: 'Medium' | 'High' | 'Critical';
            windowMs?: number;
            thresholdPercent?: number;
            /** @description .NET PriceAnomalyDto: the reference price */
            oldPrice?: number;
            /** @description .NET PriceAnomalyDto: the price that moved */
            newPrice?: number;
            /**
             * Format: date-time
             * @description .NET PriceAnomalyDto: event time
             */
            detectedAt?: string;
          }[];
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description No valid credentials (AUTH_REQUIRED, TOKEN_INVALID, TOKEN_EXPIRED) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The credentials’ role does not allow this (FORBIDDEN) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  getApiSymbols: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            symbol?: string;
            lastPrice?: number;
            /** Format: date-time */
            firstSeen?: string | null;
            /** Format: date-time */
            lastSeen?: string;
          }[];
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description No valid credentials (AUTH_REQUIRED, TOKEN_INVALID, TOKEN_EXPIRED) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The credentials’ role does not allow this (FORBIDDEN) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  putApiSymbolsBySymbol: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        symbol: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          name: string;
        };
      };
    };
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            symbol?: string;
            name?: string;
            /** Format: date-time */
            createdAt?: string;
          };
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description No valid credentials (AUTH_REQUIRED, TOKEN_INVALID, TOKEN_EXPIRED) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The credentials’ role does not allow this (FORBIDDEN) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Not found (NOT_FOUND) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The body is larger than the limit (PAYLOAD_TOO_LARGE) */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The body’s content type is not one the route takes (UNSUPPORTED_MEDIA_TYPE) */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  getApiV1HealthLiveness: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            ok?: boolean;
          };
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  getApiV1HealthReadiness: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @enum {string} */
            status?: 'ready' | 'not_ready';
            checks?: {
              db?: string;
              redis?: string;
            };
          };
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Default Response */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @enum {string} */
            status?: 'ready' | 'not_ready';
            checks?: {
              db?: string;
              redis?: string;
            };
          };
        };
      };
    };
  };
  getApiV1OpsMetrics: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Success (docs/api.md and docs/streams.md describe the answer) */
      '2XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': unknown;
        };
      };
    };
  };
  getHealthLiveness: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            ok?: boolean;
          };
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  getHealthReadiness: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @enum {string} */
            status?: 'ready' | 'not_ready';
            checks?: {
              db?: string;
              redis?: string;
            };
          };
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Default Response */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @enum {string} */
            status?: 'ready' | 'not_ready';
            checks?: {
              db?: string;
              redis?: string;
            };
          };
        };
      };
    };
  };
  getOpsMetrics: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Success (docs/api.md and docs/streams.md describe the answer) */
      '2XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': unknown;
        };
      };
    };
  };
  getApiV1Symbols: {
    parameters: {
      query?: {
        /** @description true or absent: active symbols; false: all of them */
        active?: boolean;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            symbol?: string;
            base?: string;
            quote?: string;
            active?: boolean;
          }[];
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  getApiV1TicksBySymbol: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        symbol: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            symbol?: string;
            ts?: number;
            price?: number;
            volume?: number;
          };
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Not found (NOT_FOUND) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  getApiV1TicksBySymbolHistory: {
    parameters: {
      query?: {
        /** @description 1 to 2000 (clamped), default 200 */
        limit?: number;
        /** @description Only older than this (epoch seconds, exclusive) */
        before?: string;
        /** @description The same as before (its legacy name) */
        cursor?: string;
        view?: string;
        agg?: string;
        shape?: string;
      };
      header?: never;
      path: {
        symbol: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Not found (NOT_FOUND) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Success (docs/api.md and docs/streams.md describe the answer) */
      '2XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': unknown;
        };
      };
    };
  };
  getApiV1MetricsBySymbol: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        symbol: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            symbol?: string;
            windowStart?: number;
            windowEnd?: number;
            open?: number;
            min?: number;
            max?: number;
            last?: number;
            avg?: number;
            volume?: number;
            count?: number;
            vwap?: number | null;
          };
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Not found (NOT_FOUND) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  postApiV1WebhooksSymbols: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          items: {
            symbol: string;
            base: string;
            quote: string;
            /** @default true */
            active?: boolean;
          }[];
        };
      };
    };
    responses: {
      /** @description Default Response */
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            upserted?: number;
            skipped?: number;
          };
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description No valid credentials (AUTH_REQUIRED, TOKEN_INVALID, TOKEN_EXPIRED) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The credentials’ role does not allow this (FORBIDDEN) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The body is larger than the limit (PAYLOAD_TOO_LARGE) */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The body’s content type is not one the route takes (UNSUPPORTED_MEDIA_TYPE) */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  postApiV1WebhooksTicks: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          source: string;
          items: {
            idempotencyKey?: string;
            symbol: string;
            price: number;
            /** @description epoch seconds (epoch ms also taken) or ISO-8601 */
            ts: number | string;
            volume?: number;
            source?: string;
          }[];
        };
      };
    };
    responses: {
      /** @description Default Response */
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            accepted?: number;
            duplicates?: number;
            queued?: number;
            rejected?: number;
            skipped?: number;
          };
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description No valid credentials (AUTH_REQUIRED, TOKEN_INVALID, TOKEN_EXPIRED) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The credentials’ role does not allow this (FORBIDDEN) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The body is larger than the limit (PAYLOAD_TOO_LARGE) */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The body’s content type is not one the route takes (UNSUPPORTED_MEDIA_TYPE) */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Default Response */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            error?: {
              code?: string;
              message?: string;
            };
            accepted?: number;
            duplicates?: number;
            queued?: number;
            rejected?: number;
            skipped?: number;
          };
        };
      };
    };
  };
  getApiV1MarketdataBySymbol: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        symbol: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Not found (NOT_FOUND) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Success (docs/api.md and docs/streams.md describe the answer) */
      '2XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': unknown;
        };
      };
    };
  };
  getApiMetrics: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            totalProcessed?: number;
            anomaliesDetected?: number;
            activeSymbols?: number;
            queueSize?: number;
            throughputPerSecond?: number;
            /** @description Ticks dropped from a full partition ring (overflowPolicy drop-oldest); 0 on the single-thread engine */
            droppedTicks?: number;
            rejected?: {
              [key: string]: number;
            };
            bySource?: {
              [key: string]: unknown;
            };
            storage?: {
              [key: string]: unknown;
            };
            connections?: {
              [key: string]: number;
            };
            /** @description dataDir, sizeBytes, growthBytesPerHour, freeBytes, minFreeBytes, rawTicks (stored | refused) */
            disk?: {
              [key: string]: unknown;
            };
            /** @description On a cluster node only: name, nodeId, roles, partitions, owned, nats, nodes, partitionOwners (owner, lag), ingest, live, takeovers */
            cluster?: {
              [key: string]: unknown;
            };
          };
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description No valid credentials (AUTH_REQUIRED, TOKEN_INVALID, TOKEN_EXPIRED) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The credentials’ role does not allow this (FORBIDDEN) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  getMetrics: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Success (docs/api.md and docs/streams.md describe the answer) */
      '2XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': unknown;
        };
      };
    };
  };
  getWs: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Success (docs/api.md and docs/streams.md describe the answer) */
      '2XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': unknown;
        };
      };
    };
  };
  getWsInfo: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Success (docs/api.md and docs/streams.md describe the answer) */
      '2XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': unknown;
        };
      };
    };
  };
  getWsIframeHtml: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Success (docs/api.md and docs/streams.md describe the answer) */
      '2XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': unknown;
        };
      };
    };
  };
  postWsByServerBySessionXhr: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Any id without `.` (SockJS clients send 3 digits) */
        server: string;
        /** @description The session id the client chose */
        session: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Not found (NOT_FOUND) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The body is larger than the limit (PAYLOAD_TOO_LARGE) */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The body’s content type is not one the route takes (UNSUPPORTED_MEDIA_TYPE) */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Success (docs/api.md and docs/streams.md describe the answer) */
      '2XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': unknown;
        };
      };
    };
  };
  postWsByServerBySessionXhrStreaming: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Any id without `.` (SockJS clients send 3 digits) */
        server: string;
        /** @description The session id the client chose */
        session: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Not found (NOT_FOUND) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The body is larger than the limit (PAYLOAD_TOO_LARGE) */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The body’s content type is not one the route takes (UNSUPPORTED_MEDIA_TYPE) */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Success (docs/api.md and docs/streams.md describe the answer) */
      '2XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': unknown;
        };
      };
    };
  };
  getWsByServerBySessionEventsource: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Any id without `.` (SockJS clients send 3 digits) */
        server: string;
        /** @description The session id the client chose */
        session: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Not found (NOT_FOUND) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Success (docs/api.md and docs/streams.md describe the answer) */
      '2XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': unknown;
        };
      };
    };
  };
  getWsByServerBySessionHtmlfile: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Any id without `.` (SockJS clients send 3 digits) */
        server: string;
        /** @description The session id the client chose */
        session: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Not found (NOT_FOUND) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Success (docs/api.md and docs/streams.md describe the answer) */
      '2XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': unknown;
        };
      };
    };
  };
  getWsByServerBySessionJsonp: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Any id without `.` (SockJS clients send 3 digits) */
        server: string;
        /** @description The session id the client chose */
        session: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Not found (NOT_FOUND) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Success (docs/api.md and docs/streams.md describe the answer) */
      '2XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': unknown;
        };
      };
    };
  };
  postWsByServerBySessionXhrSend: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Any id without `.` (SockJS clients send 3 digits) */
        server: string;
        /** @description The session id the client chose */
        session: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Not found (NOT_FOUND) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The body is larger than the limit (PAYLOAD_TOO_LARGE) */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The body’s content type is not one the route takes (UNSUPPORTED_MEDIA_TYPE) */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Success (docs/api.md and docs/streams.md describe the answer) */
      '2XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': unknown;
        };
      };
    };
  };
  postWsByServerBySessionJsonpSend: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Any id without `.` (SockJS clients send 3 digits) */
        server: string;
        /** @description The session id the client chose */
        session: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Not found (NOT_FOUND) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The body is larger than the limit (PAYLOAD_TOO_LARGE) */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The body’s content type is not one the route takes (UNSUPPORTED_MEDIA_TYPE) */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Success (docs/api.md and docs/streams.md describe the answer) */
      '2XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': unknown;
        };
      };
    };
  };
  getApiStream: {
    parameters: {
      query: {
        /** @description Comma-separated channels, e.g. stats.*,candles.1m.AAPL */
        channels: string;
        /** @description The same as the Last-Event-ID header */
        lastEventId?: string;
        /** @description Access token, for clients that cannot set headers */
        access_token?: string;
        /** @description API key, for clients that cannot set headers */
        api_key?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description No valid credentials (AUTH_REQUIRED, TOKEN_INVALID, TOKEN_EXPIRED) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The credentials’ role does not allow this (FORBIDDEN) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Success (docs/api.md and docs/streams.md describe the answer) */
      '2XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': unknown;
        };
      };
    };
  };
  getRealtimeTicks: {
    parameters: {
      query?: {
        /** @description Only this symbol (default: all) */
        symbol?: string;
        /** @description Access token, for clients that cannot set headers */
        access_token?: string;
        /** @description API key, for clients that cannot set headers */
        api_key?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Success (docs/api.md and docs/streams.md describe the answer) */
      '2XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': unknown;
        };
      };
    };
  };
  getGraphql: {
    parameters: {
      query?: {
        query?: string;
        persisted?: boolean;
        operationName?: string | null;
        variables?: string;
        extensions?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Default Response */
      '2XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data?: {
              [key: string]: unknown;
            } | null;
            errors?: {
              message: string;
              locations?: {
                line?: number;
                column?: number;
              }[];
              path?: string[];
              extensions?: {
                code?: string;
              } & {
                [key: string]: unknown;
              };
            }[];
            extensions?: {
              [key: string]: unknown;
            };
          };
        };
      };
      /** @description GraphQL errors (`errors[].extensions.code` holds the registry code) */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            [key: string]: unknown;
          };
        };
      };
    };
  };
  postGraphql: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          query?: string;
          persisted?: boolean;
          operationName?: string | null;
          variables?: Record<string, never> | null;
          extensions?: Record<string, never>;
        };
      };
    };
    responses: {
      /** @description Default Response */
      '2XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data?: {
              [key: string]: unknown;
            } | null;
            errors?: {
              message: string;
              locations?: {
                line?: number;
                column?: number;
              }[];
              path?: string[];
              extensions?: {
                code?: string;
              } & {
                [key: string]: unknown;
              };
            }[];
            extensions?: {
              [key: string]: unknown;
            };
          };
        };
      };
      /** @description GraphQL errors (`errors[].extensions.code` holds the registry code) */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            [key: string]: unknown;
          };
        };
      };
    };
  };
  getApiReplays: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            id?: string;
            /** @description The source of the replayed ticks: replay:{id} */
            source?: string;
            file?: string | null;
            symbols?: string[] | null;
            store?: boolean;
            /** @enum {string} */
            state?: 'running' | 'paused' | 'finished' | 'stopped' | 'failed';
            speed?: number | 'max';
            rebase?: boolean;
            loop?: boolean;
            /** Format: date-time */
            start?: string | null;
            /** Format: date-time */
            end?: string | null;
            /** Format: date-time */
            position?: string | null;
            played?: number;
            total?: number;
            sent?: number;
            accepted?: number;
            rejected?: number;
            rejectedByReason?: {
              [key: string]: number;
            };
            rounds?: number;
            error?: string | null;
            createdBy?: string | null;
            /** Format: date-time */
            createdAt?: string;
          }[];
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description No valid credentials (AUTH_REQUIRED, TOKEN_INVALID, TOKEN_EXPIRED) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The credentials’ role does not allow this (FORBIDDEN) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  postApiReplays: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          /** @description A CSV or NDJSON file inside replay.allowedDirs or dataDir */
          file?: string;
          /** @enum {string} */
          format?: 'csv' | 'ndjson';
          /** @description As analyze --map, e.g. symbol=id */
          map?: string;
          /** @description Or: replay the stored ticks of these symbols */
          symbols?: string[];
          /** @description ISO-8601 or epoch ms */
          from?: string | number;
          /** @description ISO-8601 or epoch ms */
          to?: string | number;
          /** @description Recorded time per wall-clock time, 1 = real time (up to 1,000,000), or "max" */
          speed?: number | string;
          /** @description Event times become the moment each tick is played (default true) */
          rebase?: boolean;
          /** @description Start again at the end (default false) */
          loop?: boolean;
          /** @description Store the replayed raw ticks (default true) */
          store?: boolean;
        };
      };
    };
    responses: {
      /** @description Default Response */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            id?: string;
            /** @description The source of the replayed ticks: replay:{id} */
            source?: string;
            file?: string | null;
            symbols?: string[] | null;
            store?: boolean;
            /** @enum {string} */
            state?: 'running' | 'paused' | 'finished' | 'stopped' | 'failed';
            speed?: number | 'max';
            rebase?: boolean;
            loop?: boolean;
            /** Format: date-time */
            start?: string | null;
            /** Format: date-time */
            end?: string | null;
            /** Format: date-time */
            position?: string | null;
            played?: number;
            total?: number;
            sent?: number;
            accepted?: number;
            rejected?: number;
            rejectedByReason?: {
              [key: string]: number;
            };
            rounds?: number;
            error?: string | null;
            createdBy?: string | null;
            /** Format: date-time */
            createdAt?: string;
          };
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description No valid credentials (AUTH_REQUIRED, TOKEN_INVALID, TOKEN_EXPIRED) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The credentials’ role does not allow this (FORBIDDEN) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The body is larger than the limit (PAYLOAD_TOO_LARGE) */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The body’s content type is not one the route takes (UNSUPPORTED_MEDIA_TYPE) */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  getApiReplaysFiles: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            file?: string;
            sizeBytes?: number;
            /** @description A map the file needs (symbol=id) */
            map?: string | null;
          }[];
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description No valid credentials (AUTH_REQUIRED, TOKEN_INVALID, TOKEN_EXPIRED) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The credentials’ role does not allow this (FORBIDDEN) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  getApiReplaysById: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            id?: string;
            /** @description The source of the replayed ticks: replay:{id} */
            source?: string;
            file?: string | null;
            symbols?: string[] | null;
            store?: boolean;
            /** @enum {string} */
            state?: 'running' | 'paused' | 'finished' | 'stopped' | 'failed';
            speed?: number | 'max';
            rebase?: boolean;
            loop?: boolean;
            /** Format: date-time */
            start?: string | null;
            /** Format: date-time */
            end?: string | null;
            /** Format: date-time */
            position?: string | null;
            played?: number;
            total?: number;
            sent?: number;
            accepted?: number;
            rejected?: number;
            rejectedByReason?: {
              [key: string]: number;
            };
            rounds?: number;
            error?: string | null;
            createdBy?: string | null;
            /** Format: date-time */
            createdAt?: string;
          };
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description No valid credentials (AUTH_REQUIRED, TOKEN_INVALID, TOKEN_EXPIRED) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The credentials’ role does not allow this (FORBIDDEN) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Not found (NOT_FOUND) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  deleteApiReplaysById: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            id?: string;
            /** @description The source of the replayed ticks: replay:{id} */
            source?: string;
            file?: string | null;
            symbols?: string[] | null;
            store?: boolean;
            /** @enum {string} */
            state?: 'running' | 'paused' | 'finished' | 'stopped' | 'failed';
            speed?: number | 'max';
            rebase?: boolean;
            loop?: boolean;
            /** Format: date-time */
            start?: string | null;
            /** Format: date-time */
            end?: string | null;
            /** Format: date-time */
            position?: string | null;
            played?: number;
            total?: number;
            sent?: number;
            accepted?: number;
            rejected?: number;
            rejectedByReason?: {
              [key: string]: number;
            };
            rounds?: number;
            error?: string | null;
            createdBy?: string | null;
            /** Format: date-time */
            createdAt?: string;
          };
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description No valid credentials (AUTH_REQUIRED, TOKEN_INVALID, TOKEN_EXPIRED) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The credentials’ role does not allow this (FORBIDDEN) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Not found (NOT_FOUND) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  patchApiReplaysById: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          /** @enum {string} */
          state?: 'paused' | 'running';
          /** @description Recorded time per wall-clock time, 1 = real time (up to 1,000,000), or "max" */
          speed?: number | string;
          /** @description Seek to this recorded time (ISO-8601 or epoch ms) */
          position?: string | number;
        };
      };
    };
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            id?: string;
            /** @description The source of the replayed ticks: replay:{id} */
            source?: string;
            file?: string | null;
            symbols?: string[] | null;
            store?: boolean;
            /** @enum {string} */
            state?: 'running' | 'paused' | 'finished' | 'stopped' | 'failed';
            speed?: number | 'max';
            rebase?: boolean;
            loop?: boolean;
            /** Format: date-time */
            start?: string | null;
            /** Format: date-time */
            end?: string | null;
            /** Format: date-time */
            position?: string | null;
            played?: number;
            total?: number;
            sent?: number;
            accepted?: number;
            rejected?: number;
            rejectedByReason?: {
              [key: string]: number;
            };
            rounds?: number;
            error?: string | null;
            createdBy?: string | null;
            /** Format: date-time */
            createdAt?: string;
          };
        };
      };
      /** @description Bad request: a parameter or the body breaks its schema (BAD_REQUEST) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description No valid credentials (AUTH_REQUIRED, TOKEN_INVALID, TOKEN_EXPIRED) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The credentials’ role does not allow this (FORBIDDEN) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Not found (NOT_FOUND) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The body is larger than the limit (PAYLOAD_TOO_LARGE) */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description The body’s content type is not one the route takes (UNSUPPORTED_MEDIA_TYPE) */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description Rate limit exceeded: wait for Retry-After (RATE_LIMITED) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
}
