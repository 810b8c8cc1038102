import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';

import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { Redis } from 'ioredis';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';

import type { AuthService } from '../auth/auth-service.js';
import { roleAllows, type Principal, type Role } from '../auth/roles.js';
import type { Config } from '../config.js';
import type { DayAggregates } from '../engine/day-aggregates.js';
import type { EnginePort } from '../engine/engine-port.js';
import type { MarketDataStore } from '../storage/market-data-store.js';
import { ErrorCode, TickstreamError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { ThroughputMeter } from '../observability/throughput-meter.js';
import { errorBody, errorHandler } from '../http/http-errors.js';
import { requestCredentials } from '../http/request-credentials.js';
import { describeRoute, ERROR_SCHEMA, openapiHead, refResolver } from './openapi.js';
import { failoverRateLimitStore, type RateLimitState } from './rate-limit-store.js';
import { securityHeaders } from './security-headers.js';
import { authRoutes } from './routes/auth.js';
import { cppRoutes } from '../compat/cpp/routes.js';
import { dotnetContract } from '../compat/dotnet/dotnet-contract.js';
import { expressRoutes } from '../compat/express/routes.js';
import { fastapiRoutes } from '../compat/fastapi/routes.js';
import { symbolNameRoutes } from './routes/symbol-names.js';
import { healthRoutes, type ReadinessCheck } from './routes/health.js';
import { historyRoutes } from './routes/history.js';
import { metricsRoutes, type StatusSources } from './routes/metrics.js';
import { priceRoutes } from './routes/prices.js';
import { replayRoutes } from './routes/replays.js';
import type { ReplayManager } from '../feeds/replay-manager.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The least role a route needs; absent means open to anyone. */
    role?: Role;
  }
  interface FastifyRequest {
    principal: (Principal & { sid?: string }) | undefined;
  }
}

/** Everything the HTTP app uses, built by src/main.ts (or a test). */
export interface AppDeps {
  readonly config: Readonly<Config>;
  readonly engine: EnginePort;
  readonly marketData: MarketDataStore;
  /** Current UTC-day aggregates (the earlier systems' "market data"). */
  readonly aggregates: DayAggregates;
  readonly auth: AuthService;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** Resolves once every tick accepted before the call is committed (`?ack=persisted`). */
  readonly persisted?: () => Promise<void>;
  /**
   * On a cluster node: resolves once NATS JetStream acknowledged every tick published before the
   * call, rejects with CLUSTER_UNAVAILABLE when a publish failed. Every HTTP ingest answer waits
   * for it (docs/scaling.md); absent on a single node.
   */
  readonly published?: () => Promise<void>;
  /** False while raw ticks are not stored (disk guard): `ack=persisted` is refused with 503. */
  readonly storesTicks?: () => boolean;
  /** Retry-After of that refusal, in seconds. */
  readonly storesTicksRetryAfterS?: number;
  readonly readiness?: readonly ReadinessCheck[];
  /** Extra figures for /api/metrics (storage, connections). */
  readonly status?: StatusSources;
  /**
   * The live-stream routes (WebSocket, STOMP, SSE, GraphQL; docs/streams.md), registered when
   * present: src/main.ts passes `streamRoutes` with its hub and realtime feed.
   */
  readonly streams?: FastifyPluginAsync | undefined;
  /** Shared rate-limit counters across processes (REDIS_URL); in memory when absent. */
  readonly redis?: { client: Redis; prefix: string; state: RateLimitState } | undefined;
  /** Replays of recorded ticks (`/api/replays`): served when present. */
  readonly replays?: ReplayManager;
  /** Directory of the built dashboard (index.html and assets), served at `/`. */
  readonly webRoot?: string;
  /**
   * False on a cluster node without the `api` role, which keeps no copy of the cluster's state:
   * reads, live streams and the dashboard (a GET other than health and metrics, GraphQL) are
   * refused with 421 CLUSTER_ROLE. Default true.
   */
  readonly reads?: boolean;
}

/**
 * Builds the Fastify app without listening, so tests drive it with `inject()`. Routes by
 * resource live in ./routes; each declares the least role it needs in `config.role`.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, auth, metrics, log } = deps;
  const httpLog: FastifyBaseLogger = log.child({ component: 'http' });
  const app = Fastify({
    loggerInstance: httpLog,
    // One log line per request, written in onResponse below, instead of Fastify's two; and no
    // child logger per request (pino makes a new object for every child), the line names the id.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: (logger) => logger,
    bodyLimit: config.http.bodyLimitBytes,
    trustProxy: false,
    // A URL that does not decode (`/api/prices/%E0%A4%A`): Fastify's own answer would echo it in
    // a shape of its own; answer as every other error does.
    frameworkErrors: (_error, _request, reply) => {
      const body = errorBody(ErrorCode.BadRequest, 'the URL is not valid (bad percent-encoding)');
      void (reply as FastifyReply).status(400).send(body);
    },
  });
  // Query strings and paths are text and need coercing ("10" → 10); bodies are JSON and must not
  // be (`price: true` is not the price 1). Unknown body fields are errors, never silently dropped.
  const bodies = new Ajv({ strict: false, coerceTypes: false, removeAdditional: false, useDefaults: true });
  const text = new Ajv({ strict: false, coerceTypes: 'array', removeAdditional: false, useDefaults: true });
  addFormats.default(bodies);
  addFormats.default(text);
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodies : text).compile(schema));
  app.decorateRequest('principal', undefined);
  app.setErrorHandler(errorHandler(log));

  // Shutdown ends within http.shutdownGraceMs: Node's close() waits for every answer in flight,
  // and one to a client that stopped reading (or on a socket taken over by an upgrade) never ends.
  const sockets = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  let cutter: NodeJS.Timeout | undefined;
  app.addHook('preClose', (done) => {
    cutter = setTimeout(() => {
      if (sockets.size > 0)
        log.warn(
          { connections: sockets.size },
          'shutdown: connections still open after the grace period are cut',
        );
      for (const socket of sockets) socket.destroy();
    }, config.http.shutdownGraceMs);
    done();
  });
  app.addHook('onClose', () => clearTimeout(cutter));

  const meter = new ThroughputMeter();
  const sampler = setInterval(() => meter.sample(Date.now(), deps.engine.counters().accepted), 1000);
  sampler.unref();
  app.addHook('onClose', () => clearInterval(sampler));

  // Browser-document protections (CSP, frame and referrer policies, …) on pages; JSON answers
  // only need their content type taken as given.
  const pageHeaders = securityHeaders({
    contentSecurityPolicy: {
      directives: {
        'connect-src': ["'self'", 'ws:', 'wss:'],
        'img-src': ["'self'", 'data:'],
      },
    },
  });
  const apiHeaders = { 'x-content-type-options': 'nosniff' };
  // Without allowed origins there is nothing for CORS to answer: no hook on every request.
  if (config.http.corsOrigins.length > 0) {
    await app.register(cors, { origin: [...config.http.corsOrigins] });
  }
  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    max: config.http.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => request.principal?.id ?? request.ip,
    // The x-ratelimit-* headers only once a client is limited, not on every answer.
    addHeadersOnExceeding: {
      'x-ratelimit-limit': false,
      'x-ratelimit-remaining': false,
      'x-ratelimit-reset': false,
    },
    ...(deps.redis === undefined
      ? {}
      : {
          // Redis down must neither take the API down nor lift the limits: counted in this process
          // until Redis answers again (docs/reliability.md).
          store: failoverRateLimitStore(
            deps.redis.client,
            `${deps.redis.prefix}rate-limit:`,
            deps.redis.state,
            ({ mode, lastError }) =>
              log.warn(
                { mode, err: lastError },
                'rate limits counted ' + (mode === 'shared' ? 'in redis' : 'per process'),
              ),
          ),
        }),
    errorResponseBuilder: (_request, context) =>
      Object.assign(
        new TickstreamError(
          ErrorCode.RateLimited,
          `rate limit exceeded: retry in ${Math.ceil(context.ttl / 1000)} s`,
        ),
        {
          statusCode: 429,
        },
      ),
  });

  const allow = (request: FastifyRequest, principal: Principal & { sid?: string }, role: Role): void => {
    if (!roleAllows(principal.role, role))
      throw new TickstreamError(ErrorCode.Forbidden, `this needs the ${role} role`);
    request.principal = principal;
  };
  // One hook for what every request needs first (each hook costs a turn of Fastify's runner):
  // the security headers, then who is calling.
  app.addHook('onRequest', (request, reply, done) => {
    void reply.headers(request.url.startsWith('/api/') ? apiHeaders : pageHeaders);
    const role = request.routeOptions.config.role;
    if (role === undefined) return done();
    const credentials = requestCredentials(request, { query: false });
    try {
      // A token seen before needs no await: most requests of a client end here.
      const known = auth.cached(credentials.bearer);
      if (known !== undefined) {
        allow(request, known, role);
        return done();
      }
    } catch (err) {
      return done(err as Error);
    }
    auth.authenticate(credentials).then(
      (principal) => {
        try {
          allow(request, principal, role);
          done();
        } catch (err) {
          done(err as Error);
        }
      },
      (err: Error) => done(err),
    );
  });

  // A cluster node without the api role keeps no copy to answer from (docs/scaling.md).
  if (deps.reads === false)
    app.addHook('onRequest', async (request) => {
      const path = request.url.split('?', 1)[0]!;
      const read = request.method === 'GET' || request.method === 'HEAD' || path.startsWith('/graphql');
      if (!read || path.startsWith('/health') || path === '/metrics' || path.startsWith('/api/metrics'))
        return;
      throw new TickstreamError(
        ErrorCode.ClusterRole,
        'this cluster node has no api role (cluster.roles): read from a node that has it',
      );
    });

  // The threaded engine's queries answer from the partitions' last views, a cluster node's from its
  // copy of the partition owners' state: a read (a GET, a GraphQL query) brings them up to date
  // first, so a client reads what its own earlier writes did (a message to each partition; on a
  // cluster, the ticks JetStream acknowledged, whichever node took them). Health answers at once.
  const engine = deps.engine;
  const catchUp = engine.queriesLag ? () => engine.refreshViews() : engine.readBarrier?.bind(engine);
  if (catchUp !== undefined)
    app.addHook('preHandler', async (request) => {
      if (request.url.startsWith('/health')) return;
      if (request.method === 'GET' || request.url.startsWith('/graphql')) await catchUp();
    });

  const durations = new Map<string, { observe(seconds: number): void }>();
  const logRequests = log.isLevelEnabled('info');
  app.addHook('onResponse', (request, reply, done) => {
    // A request with `Upgrade` that was answered over HTTP instead (a route that is not a
    // WebSocket, a refusal): Node hands such sockets to the 'upgrade' listener and no longer
    // parses them, so nothing else would ever end them; each would stay open for good and hold
    // the server's close() (found by the role matrix, test/attacks/stream-roles.test.ts).
    if ((request.raw as { upgrade?: boolean }).upgrade === true) endUpgradeSocket(request.raw.socket);
    const route = request.routeOptions.url ?? 'unmatched';
    // A child histogram per (method, route, status), so labels are not hashed on every request.
    const key = `${request.method} ${route} ${reply.statusCode}`;
    let duration = durations.get(key);
    if (duration === undefined) {
      duration = metrics.httpDuration.labels({
        method: request.method,
        route,
        status: String(reply.statusCode),
      });
      durations.set(key, duration);
    }
    duration.observe(reply.elapsedTime / 1000);
    if (!logRequests) return done();
    request.log.info(
      {
        reqId: request.id,
        method: request.method,
        url: redactQuery(request.url),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 100) / 100,
        user: request.principal?.name,
      },
      'request',
    );
    done();
  });

  // Every route's OpenAPI description is completed as it is added (operationId, security, errors).
  app.addSchema(ERROR_SCHEMA);
  app.addHook('onRoute', describeRoute);
  await app.register(swagger, {
    openapi: openapiHead(process.env.npm_package_version ?? '0.1.0'),
    refResolver,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());

  // The earlier systems' contracts (docs/compat.md): each its own folder, each can be turned off.
  const { dotnet, fastapi } = config.compat;
  if (dotnet.enabled) dotnetContract(app);
  if (fastapi.enabled)
    await app.register(fastapiRoutes, {
      engine: deps.engine,
      store: deps.marketData,
      anonymousReads: fastapi.anonymousReads,
    });

  await app.register(healthRoutes, { checks: deps.readiness ?? [], cluster: deps.status?.cluster });
  await app.register(authRoutes, { auth, loginLimit: config.http.loginRateLimitPerMinute });
  await app.register(priceRoutes, {
    engine: deps.engine,
    config,
    persisted: deps.persisted,
    published: deps.published,
    storesTicks: deps.storesTicks,
    storesTicksRetryAfterS: deps.storesTicksRetryAfterS,
  });
  await app.register(historyRoutes, {
    engine: deps.engine,
    store: deps.marketData,
    dotnetAnomalies: dotnet.enabled,
  });
  await app.register(symbolNameRoutes, { store: deps.marketData });
  const { express, cpp } = config.compat;
  if (express.enabled)
    await app.register(expressRoutes, {
      engine: deps.engine,
      store: deps.marketData,
      metrics,
      log,
      checks: deps.readiness ?? [],
      anonymousReads: express.anonymousReads,
      corsOrigins: express.corsOrigins,
      publicMetrics: config.http.publicMetrics,
      maxBatch: config.http.maxBatch,
      published: deps.published,
    });
  if (cpp.enabled)
    await app.register(cppRoutes, { aggregates: deps.aggregates, anonymousReads: cpp.anonymousReads });
  await app.register(metricsRoutes, {
    engine: deps.engine,
    metrics,
    meter,
    status: deps.status,
    publicMetrics: config.http.publicMetrics,
  });
  if (deps.streams !== undefined) await app.register(deps.streams);
  if (deps.replays !== undefined) await app.register(replayRoutes, { replays: deps.replays });

  const webRoot = deps.webRoot;
  if (webRoot !== undefined && existsSync(webRoot)) {
    await app.register(fastifyStatic, { root: webRoot, index: 'index.html', wildcard: false });
  } else {
    app.get('/', { schema: { hide: true } }, (_request, reply) =>
      reply
        .type('text/html')
        .send(
          '<!doctype html><title>tickstream</title><p>The dashboard is not built. Run <code>npm run build</code>. The API is at <a href="/docs">/docs</a>.</p>',
        ),
    );
  }

  app.setNotFoundHandler((request, reply) => {
    void reply
      .status(404)
      .send(errorBody(ErrorCode.NotFound, `no route ${request.method} ${request.url.split('?')[0]}`));
  });
  return app;
}

/** Query strings may carry credentials (`?access_token=`, `?api_key=`): never log their values. */
function redactQuery(url: string): string {
  return url.replace(/([?&](?:access_token|token|api_key|apikey)=)[^&]*/gi, '$1[redacted]');
}

/** Ends a socket once what was written is sent; destroys it if the peer does not close within a second. */
function endUpgradeSocket(socket: Socket | null): void {
  if (socket === null || socket.destroyed) return;
  socket.end();
  setTimeout(() => socket.destroy(), 1000).unref();
}
