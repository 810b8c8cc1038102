import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';

import { buildApp } from './api/app.js';
import { AccessTokens } from './auth/access-tokens.js';
import { AuthService } from './auth/auth-service.js';
import { jwtSecret } from './auth/secrets.js';
import type { Config } from './config.js';
import { DayAggregates } from './engine/day-aggregates.js';
import { Engine } from './engine/engine.js';
import { LiveSimulation } from './feeds/live-simulation.js';
import { simulatorOptions } from './feeds/market-profiles.js';
import { Simulator } from './feeds/simulator.js';
import { startGrpcServer, type GrpcServer } from './ingest/grpc/grpc-server.js';
import { startTcpIngest, type TcpIngestServer } from './ingest/tcp/tcp-server.js';
import { registerEngineMetrics } from './observability/engine-metrics.js';
import { registerGrpcMetrics, registerTcpMetrics } from './observability/ingest-metrics.js';
import { registerStorageMetrics } from './observability/storage-metrics.js';
import type { Logger } from './observability/logger.js';
import { Metrics } from './observability/metrics.js';
import { openStorage, type OpenStorageOptions, type Storage } from './storage/open-storage.js';
import { Hub } from './streams/hub.js';
import { ReplayManager } from './feeds/replay-manager.js';
import { DiskGuard, type DiskGuardOptions } from './storage/disk-guard.js';
import { startSimulatedTickRetention } from './storage/simulated-tick-retention.js';

/**
 * The composition root: the only place where adapters meet the engine (DESIGN §2). Builds the
 * engine, restores it from storage, and starts the HTTP server (REST, streams, dashboard), the
 * TCP and gRPC ingest, the simulator and the wall clock that closes quiet symbols' candles.
 */

/** Where the built dashboard lives, relative to this file (src/ or dist/). */
export const WEB_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', 'web', 'dist');

/** How often the wall clock moves quiet symbols' watermarks (candles close at most this late). */
const CLOCK_MS = 250;

export interface ServerOptions {
  /** Environment: DATABASE_URL, TICKSTREAM_ADMIN_PASSWORD, NODE_ENV. */
  readonly env: NodeJS.ProcessEnv;
  /** Start the TCP and gRPC ingest servers (default true). */
  readonly ingestServers?: boolean;
  /** Storage options beyond DATABASE_URL (tests start from a migrated template, for speed). */
  readonly storage?: Omit<OpenStorageOptions, 'databaseUrl'>;
  /** A metrics registry (default: a new one). */
  readonly metrics?: Metrics;
  /** How the disk guard measures the data directory (tests; default: the file system). */
  readonly measureDisk?: DiskGuardOptions['measure'];
}

/** Everything wired, the HTTP app built but not listening (what tests drive with inject()). */
export interface Server {
  readonly app: FastifyInstance;
  readonly engine: Engine;
  readonly storage: Storage;
  readonly auth: AuthService;
  readonly aggregates: DayAggregates;
  readonly hub: Hub;
  readonly metrics: Metrics;
  readonly replays: ReplayManager;
  readonly diskGuard: DiskGuard;
  /** Stops everything started, in reverse order; flushes storage last. Safe to call twice. */
  close(): Promise<void>;
  /** Registers a step for close() (run before the ones registered earlier). */
  onClose(step: () => Promise<void> | void): void;
}

export interface RunningServer extends Server {
  /** Base URL of the HTTP server, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  readonly tcp: TcpIngestServer | undefined;
  readonly grpc: GrpcServer | undefined;
}

/** Builds the engine, restores it from storage, and wires auth, metrics and the HTTP app. */
export async function createServer(
  config: Readonly<Config>,
  log: Logger,
  options: ServerOptions,
): Promise<Server> {
  const { env } = options;
  const engine = new Engine(config);
  engine.onListenerError((err, type) => log.error({ err, event: type }, 'engine listener failed'));
  const storage = await openStorage(engine, config, log, {
    ...options.storage,
    databaseUrl: env.DATABASE_URL,
  });
  const closers: Array<() => Promise<void> | void> = [() => storage.close()];
  const onClose = (step: () => Promise<void> | void): void => {
    closers.push(step);
  };
  const close = async (): Promise<void> => {
    while (closers.length > 0) {
      try {
        await closers.pop()!();
      } catch (err) {
        log.error({ err }, 'shutdown step failed');
      }
    }
  };
  try {
    const metrics = options.metrics ?? new Metrics();
    registerEngineMetrics(metrics, engine);
    registerStorageMetrics(metrics, storage.writer);
    const batchDurations = new Map<string, { observe(seconds: number): void }>();
    engine.observeBatches({
      now: () => performance.now(),
      observe: (source, _ticks, ms) => {
        let histogram = batchDurations.get(source);
        if (histogram === undefined)
          batchDurations.set(source, (histogram = metrics.ingestDuration.labels({ source })));
        histogram.observe(ms / 1000);
      },
    });
    const aggregates = new DayAggregates();
    onClose(aggregates.attach(engine));

    const tokens = new AccessTokens(
      jwtSecret({
        configured: config.auth.jwtSecret,
        dataDir: config.dataDir,
        production: env.NODE_ENV === 'production',
      }),
    );
    const auth = new AuthService(storage.store, tokens, config.auth, log.child({ component: 'auth' }));
    await auth.ensureAdmin(env.TICKSTREAM_ADMIN_PASSWORD);

    let redis: Redis | undefined;
    if (env.REDIS_URL !== undefined && env.REDIS_URL !== '') {
      const client = new Redis(env.REDIS_URL, {
        maxRetriesPerRequest: 1,
        connectTimeout: 2000,
        lazyConnect: true,
      });
      client.on('error', (err: Error) => log.warn({ err: err.message }, 'redis error'));
      await client.connect();
      redis = client;
      onClose(() => void client.quit());
    }

    const hub = new Hub({
      engine,
      options: config.streams,
      metrics,
      dayAggregates: aggregates,
      history: storage.store,
    });
    hub.start();
    onClose(() => hub.stop());

    // Raw ticks are stored unless the disk guard is closed or a replay was started without
    // storage; the writer asks per tick only while one of those holds.
    const refreshTickFilter = (): void =>
      storage.writer.setTickFilter(
        diskGuard.storesTicks && replays.storesAll
          ? undefined
          : (source) => diskGuard.storesTicks && replays.stores(source),
      );
    const replays = new ReplayManager({
      engine,
      admission: storage.writer.admission,
      ticks: (query) => storage.store.ticks(query),
      allowedDirs: [...config.replay.allowedDirs, config.dataDir],
      maxConcurrent: config.replay.maxConcurrent,
      maxTicks: config.replay.maxTicks,
      storeTicks: () => refreshTickFilter(),
      onChange: (replay) => hub.publishReplay(replay),
      log: log.child({ component: 'replay' }),
    });
    hub.setReplayList(() => replays.list());
    onClose(() => replays.close());
    const diskGuard = new DiskGuard(
      {
        dataDir: config.dataDir,
        // The guard protects the disk of the embedded database; a PostgreSQL server has its own.
        minFreeBytes: storage.store.kind === 'pglite' ? config.storage.minFreeDiskBytes : 0,
        checkIntervalMs: config.storage.diskCheckIntervalMs,
        onChange: () => refreshTickFilter(),
        measure: options.measureDisk,
      },
      log.child({ component: 'storage' }),
    );
    await diskGuard.start();
    onClose(() => diskGuard.stop());
    onClose(
      startSimulatedTickRetention(
        storage.store,
        { retentionMs: config.retention.simulatedTicksMs },
        log.child({ component: 'storage' }),
      ),
    );

    const app = await buildApp({
      config,
      engine,
      store: storage.store,
      aggregates,
      auth,
      hub,
      metrics,
      log,
      persisted: () => storage.writer.persisted(),
      readiness: [
        { name: 'storage', check: () => storage.store.ping() },
        ...(redis === undefined ? [] : [{ name: 'redis', check: async () => void (await redis.ping()) }]),
      ],
      redis:
        redis === undefined
          ? undefined
          : { client: redis, prefix: env.TICKSTREAM_REDIS_PREFIX ?? 'tickstream:' },
      status: {
        queueSize: () => storage.writer.counters().buffered,
        storage: () => ({ driver: storage.store.kind, ...storage.writer.counters() }),
        connections: () => hub.connectionCounts(),
        disk: () => ({ ...diskGuard.status() }),
      },
      replays,
      webRoot: WEB_ROOT,
    });
    onClose(() => app.close());
    return { app, engine, storage, auth, aggregates, hub, metrics, replays, diskGuard, close, onClose };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The whole server: HTTP listening, TCP and gRPC ingest, the simulator and the clock. */
export async function startServer(
  config: Readonly<Config>,
  log: Logger,
  options: ServerOptions,
): Promise<RunningServer> {
  const server = await createServer(config, log, options);
  const { engine, storage, auth, aggregates, app } = server;
  const onClose = (step: () => Promise<void> | void): void => server.onClose(step);
  try {
    const url = await app.listen({ host: config.http.host, port: config.http.port });

    let tcp: TcpIngestServer | undefined;
    let grpc: GrpcServer | undefined;
    if (options.ingestServers !== false) {
      const admission = storage.writer;
      tcp = await startTcpIngest(engine, config.tcp, log, { admission });
      onClose(() => tcp!.stop());
      registerTcpMetrics(server.metrics, tcp);
      grpc = await startGrpcServer(engine, config.grpc, log, { authenticator: auth, admission, aggregates });
      onClose(() => grpc!.stop());
      registerGrpcMetrics(server.metrics, grpc);
    }

    if (config.simulation.enabled) {
      const simulation = new LiveSimulation(
        new Simulator(simulatorOptions(config.simulation)),
        (ticks, source, at) => engine.ingest(ticks, source, at),
      );
      simulation.start();
      onClose(() => simulation.stop());
    }

    const clock = setInterval(() => engine.advance(Date.now()), CLOCK_MS);
    clock.unref();
    onClose(() => clearInterval(clock));

    log.info(
      {
        http: url,
        tcp: tcp === undefined ? undefined : `${tcp.address.host}:${tcp.address.port}`,
        grpc: grpc === undefined ? undefined : `${config.grpc.host}:${grpc.port}`,
        simulation: config.simulation.enabled,
        storage: storage.store.kind,
      },
      'tickstream is running',
    );
    return { ...server, url, tcp, grpc };
  } catch (err) {
    await server.close();
    throw err;
  }
}
