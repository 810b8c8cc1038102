import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';

import { buildApp } from './api/app.js';
import { failoverAttemptCounter, RateLimitMode, type RateLimitState } from './api/rate-limit-store.js';
import { AccessTokens } from './auth/access-tokens.js';
import { AccountStore } from './auth/account-store.js';
import { AuthService } from './auth/auth-service.js';
import { BruteForceGuard, LocalAttemptCounter } from './auth/brute-force-guard.js';
import { jwtSecret } from './auth/secrets.js';
import { dotnetClaims } from './compat/dotnet/shapes.js';
import { nameSymbols } from './compat/fastapi/default-names.js';
import type { ClusterRole, Config } from './config.js';
import { DayAggregates } from './engine/day-aggregates.js';
import { Engine } from './engine/engine.js';
import type { EnginePort } from './engine/engine-port.js';
import { ParallelEngine } from './engine/parallel/parallel-engine.js';
import { LiveSimulation } from './feeds/live-simulation.js';
import { resolveSymbols, simulatorOptions } from './feeds/market-profiles.js';
import { Simulator } from './feeds/simulator.js';
import { GrpcServer } from './ingest/grpc/grpc-server.js';
import { AddressList } from './ingest/tcp/allow-list.js';
import { TcpIngestServer } from './ingest/tcp/tcp-server.js';
import { registerEngineMetrics } from './observability/engine-metrics.js';
import { registerGrpcMetrics, registerTcpMetrics } from './ingest/ingest-metrics.js';
import { registerStorageMetrics } from './storage/storage-metrics.js';
import type { Logger } from './observability/logger.js';
import { Metrics } from './observability/metrics.js';
import {
  startStorageService,
  type StorageService,
  type StorageServiceOptions,
} from './storage/storage-service.js';
import { RealtimeFeed } from './compat/express/realtime-feed.js';
import { SignalingRelay } from './streams/webrtc/signaling-relay.js';
import { RtcPeers } from './streams/webrtc/rtc-peers.js';
import { Hub } from './streams/hub/hub.js';
import { streamRoutes } from './streams/stream-routes.js';
import { ReplayManager } from './feeds/replay-manager.js';
import { DiskGuard, type DiskGuardOptions } from './storage/disk-guard.js';
import { startSimulatedTickRetention } from './storage/simulated-tick-retention.js';
import { ClusterEngine } from './cluster/cluster-engine.js';
import { startClusterNode, type ClusterNode } from './cluster/cluster-node.js';

/**
 * The composition root: the only place where adapters meet the engine (DESIGN §2). Builds the
 * engine, restores it from storage, and starts the HTTP server (REST, streams, dashboard), the
 * TCP and gRPC ingest, the simulator and the wall clock that closes quiet symbols' candles.
 */

/** Where the built dashboard lives, relative to this file (src/ or dist/). */
export const WEB_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', 'web', 'dist');

/** How often the wall clock moves quiet symbols' watermarks (candles close at most this late). */
const CLOCK_MS = 250;

/** A single process does everything; a cluster node (`clustered`) what its `cluster.roles` name. */
function hasRole(config: Readonly<Config>, clustered: boolean, role: ClusterRole): boolean {
  return !clustered || config.cluster.roles.includes(role);
}

export interface ServerOptions {
  /** Environment: DATABASE_URL, TICKSTREAM_ADMIN_PASSWORD, NODE_ENV. */
  readonly env: NodeJS.ProcessEnv;
  /** Start the TCP and gRPC ingest servers (default true). */
  readonly ingestServers?: boolean;
  /** Storage options beyond DATABASE_URL (tests start from a migrated template, for speed). */
  readonly storage?: Omit<StorageServiceOptions, 'databaseUrl'>;
  /** A metrics registry (default: a new one). */
  readonly metrics?: Metrics;
  /** How the disk guard measures the data directory (tests; default: the file system). */
  readonly measureDisk?: DiskGuardOptions['measure'];
}

/** Everything wired, the HTTP app built but not listening (what tests drive with inject()). */
export interface Server {
  readonly app: FastifyInstance;
  readonly engine: EnginePort;
  readonly storage: StorageService;
  /** Users, refresh tokens and API keys, in the storage's database. */
  readonly accounts: AccountStore;
  readonly auth: AuthService;
  readonly aggregates: DayAggregates;
  readonly hub: Hub;
  readonly realtime: RealtimeFeed;
  readonly metrics: Metrics;
  readonly replays: ReplayManager;
  readonly diskGuard: DiskGuard;
  /** This process as a node of a cluster (NATS_URL set; docs/scaling.md), or undefined. */
  readonly cluster: ClusterNode | undefined;
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

/** The engine on a worker thread per partition; a thread that fails is restarted and logged. */
async function startParallelEngine(config: Readonly<Config>, log: Logger): Promise<ParallelEngine> {
  const engine = await ParallelEngine.start(config, {
    partitions: config.partitions,
    channelCapacity: config.channelCapacity,
    overflowPolicy: config.overflowPolicy,
  });
  engine.onThreadError((err, partition) =>
    log.error({ err, partition }, 'engine partition thread failed: restarted from its last state'),
  );
  return engine;
}

/** Builds the engine, restores it from storage, and wires auth, metrics and the HTTP app. */
export async function createServer(
  config: Readonly<Config>,
  log: Logger,
  options: ServerOptions,
): Promise<Server> {
  const { env } = options;
  // NATS_URL makes this process a cluster node: ingest goes to the cluster, and the engine here is
  // the node's view of every partition, fed by their owners (src/cluster, docs/scaling.md).
  const natsUrl = env.NATS_URL === undefined || env.NATS_URL === '' ? undefined : env.NATS_URL;
  // One thread (`partitions: 1`), or a partition per worker thread (src/engine/parallel).
  const engine: EnginePort =
    natsUrl !== undefined
      ? new ClusterEngine(config)
      : config.partitions === 1
        ? new Engine(config)
        : await startParallelEngine(config, log);
  engine.onListenerError((err, type) => log.error({ err, event: type }, 'engine listener failed'));
  const closeEngine = (): Promise<void> | void =>
    engine instanceof ParallelEngine ? engine.close() : undefined;
  let storage: StorageService;
  try {
    storage = await startStorageService(engine, config, log, {
      ...options.storage,
      databaseUrl: env.DATABASE_URL,
      startWriter: natsUrl === undefined,
    });
  } catch (err) {
    await closeEngine();
    throw err;
  }
  // Storage closes before the engine: its last snapshot round asks the engine's partitions.
  const closers: Array<() => Promise<void> | void> = [closeEngine, () => storage.close()];
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
    const cluster =
      natsUrl === undefined
        ? undefined
        : await startClusterNode(engine as ClusterEngine, storage.database, config, log, natsUrl);
    if (cluster !== undefined) onClose(() => cluster.close());
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
    aggregates.restoreFrom(engine);

    const { dotnet } = config.compat;
    const tokens = new AccessTokens(
      jwtSecret({
        configured: config.auth.jwtSecret,
        dataDir: config.dataDir,
        production: env.NODE_ENV === 'production',
      }),
      undefined,
      // The .NET system's issuer, audience and claims, which its clients may decode (docs/compat.md).
      dotnet.enabled
        ? { issuer: dotnet.jwtIssuer, audience: dotnet.jwtAudience, claims: dotnetClaims(dotnet.roleNames) }
        : {},
    );
    // Made here (the brute-force counters below need it), connected once the accounts are ready
    // (the counters count in the process until then).
    const redis =
      env.REDIS_URL !== undefined && env.REDIS_URL !== ''
        ? new Redis(env.REDIS_URL, { maxRetriesPerRequest: 1, connectTimeout: 2000, lazyConnect: true })
        : undefined;
    redis?.on('error', (err: Error) => log.warn({ err: err.message }, 'redis error'));

    // One state for the rate limits and the brute-force counters: both live in Redis, or both in
    // this process while Redis is away.
    const rateLimitState: RateLimitState = { mode: RateLimitMode.Shared };
    const attempts =
      redis === undefined
        ? new LocalAttemptCounter()
        : failoverAttemptCounter(
            redis,
            `${config.redis.prefix}attempts:`,
            rateLimitState,
            // Whichever notices first says it (the same words as the rate-limit store in src/api).
            ({ mode, lastError }) =>
              log.warn(
                { mode, err: lastError },
                'rate limits counted ' + (mode === 'shared' ? 'in redis' : 'per process'),
              ),
          );
    const accounts = new AccountStore(storage.database.driver);
    const auth = new AuthService(accounts, tokens, config.auth, log.child({ component: 'auth' }), {
      guard: new BruteForceGuard(attempts, config.auth),
    });
    await auth.ensureAdmin(env.TICKSTREAM_ADMIN_PASSWORD);
    if (redis !== undefined) {
      await redis.connect();
      onClose(() => void redis.quit());
    }

    const hub = new Hub({
      engine,
      options: config.streams,
      metrics,
      dayAggregates: aggregates,
      history: storage.database.marketData,
      // Channels numbered alike on every node (docs/streams.md, "Sequence numbers").
      counted: cluster === undefined ? undefined : { base: cluster.seqBase, counts: cluster.counts },
    });
    hub.start();
    onClose(() => hub.stop());
    const realtime = new RealtimeFeed(engine.intervals);
    // The C++/Java server's WebRTC signalling, and tickstream as a peer behind it (docs/compat.md).
    const cpp = config.compat.cpp;
    const signaling = cpp.enabled ? new SignalingRelay() : undefined;
    if (signaling !== undefined && cpp.webrtc.enabled) {
      const peers = new RtcPeers({
        context: hub,
        relay: signaling,
        options: cpp.webrtc,
        log: log.child({ component: 'webrtc' }),
        metrics,
      });
      peers.start();
      onClose(() => peers.close());
    }
    const { writer } = storage;

    // Where the parts meet the engine: every listener and the one admission, nothing else calls
    // engine.on. Listeners of one event are called in the order listed. Across events the engine's
    // order holds: a tick's candles, candle updates and anomalies are emitted while it is applied,
    // before its `tick` event; the writer relies on it (an anomaly takes the ingest sequence number
    // its tick is about to get; test/wiring.test.ts checks it).
    // On a cluster node the partition owners store what they compute: the writer listens to nothing.
    const stores = cluster === undefined;
    const unwire = [
      ...(stores ? [engine.on('candle', writer.onCandle)] : []),
      engine.on('candle', hub.onCandle),
      engine.on('candleUpdate', hub.onCandle),
      engine.on('candleUpdate', realtime.onCandleUpdate),
      ...(stores ? [engine.on('anomaly', writer.onAnomaly)] : []),
      engine.on('anomaly', hub.onAnomaly),
      ...(stores ? [engine.on('tick', writer.onTick)] : []),
      engine.on('tick', aggregates.onTick),
      engine.on('tick', hub.onTick),
      engine.on('tick', realtime.onTick),
    ];
    // Open-candle updates cost a call per interval per tick: made only while a live candle channel
    // or a /realtime/ticks client wants them.
    engine.demandCandleUpdates(() => hub.wantsCandleUpdates() || realtime.wantsCandleUpdates());
    // The storage writer's buffer bounds what the engine accepts (`overloaded` beyond it); TCP and
    // gRPC (startServer) wait on the same admission instead of refusing.
    if (stores) engine.setAdmission(writer.admission);
    onClose(() => {
      for (const off of unwire) off();
    });

    // Raw ticks are stored unless the disk guard is closed or a replay was started without
    // storage; the writer asks per tick only while one of those holds.
    const refreshTickFilter = (): void =>
      storage.writer.setTickFilter(
        diskGuard.storesTicks && replays.storesAll
          ? undefined
          : (source, receivedAt) => diskGuard.storesTickReceivedAt(receivedAt) && replays.stores(source),
      );
    const replays = new ReplayManager({
      ingest: (ticks, source, receivedAt) => engine.ingest(ticks, source, receivedAt),
      assertTakesTicks: engine instanceof ClusterEngine ? () => engine.assertTakesTicks() : undefined,
      admission: storage.writer.admission,
      ticks: (query) => storage.database.marketData.ticks(query),
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
        minFreeBytes: storage.database.kind === 'pglite' ? config.storage.minFreeDiskBytes : 0,
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
        storage.database,
        { retentionMs: config.retention.simulatedTicksMs },
        log.child({ component: 'storage' }),
      ),
    );

    const app = await buildApp({
      config,
      engine,
      marketData: storage.database.marketData,
      aggregates,
      auth,
      streams: (instance) =>
        streamRoutes(instance, {
          hub,
          auth,
          // /realtime/ticks is the Express demo's: served while its contract is on (docs/compat.md).
          realtime: config.compat.express.enabled ? realtime : undefined,
          realtimeAccess: {
            anonymous: config.compat.express.anonymousReads,
            corsOrigins: config.compat.express.corsOrigins,
          },
          cppAnonymous: config.compat.cpp.enabled && config.compat.cpp.anonymousReads,
          sockjs: config.compat.cpp.sockjs,
          signaling,
        }),
      metrics,
      log,
      persisted: cluster === undefined ? () => storage.writer.persisted() : () => cluster.persisted(),
      // A cluster node without the api role keeps no copy to read from (docs/scaling.md).
      reads: hasRole(config, cluster !== undefined, 'api'),
      // A cluster node answers an ingest only once JetStream has the ticks (docs/scaling.md).
      ...(cluster === undefined ? {} : { published: () => cluster.persisted() }),
      storesTicks: () => diskGuard.storesTicks,
      storesTicksRetryAfterS: Math.max(1, Math.ceil(config.storage.diskCheckIntervalMs / 1000)),
      readiness: [
        { name: 'storage', check: () => storage.database.ping() },
        ...(cluster === undefined ? [] : [{ name: 'nats', check: () => cluster.ping() }]),
        ...(redis === undefined
          ? []
          : [
              {
                name: 'redis',
                fallback: 'rate limits counted per process',
                check: async () => {
                  // While reconnecting a command would wait in the offline queue: answer at once.
                  if (redis.status !== 'ready') throw new Error(`redis is ${redis.status}`);
                  await redis.ping();
                },
              },
            ]),
      ],
      redis:
        redis === undefined
          ? undefined
          : { client: redis, prefix: config.redis.prefix, state: rateLimitState },
      status: {
        queueSize: () => storage.writer.counters().buffered,
        storage: () => ({ driver: storage.database.kind, ...storage.writer.counters() }),
        connections: () => hub.connectionCounts(),
        disk: () => ({ ...diskGuard.status() }),
        ...(cluster === undefined ? {} : { cluster: () => ({ ...cluster.status() }) }),
      },
      replays,
      webRoot: WEB_ROOT,
    });
    onClose(() => app.close());
    return {
      app,
      engine,
      storage,
      accounts,
      auth,
      aggregates,
      hub,
      realtime,
      metrics,
      replays,
      diskGuard,
      cluster,
      close,
      onClose,
    };
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
  const clustered = server.cluster !== undefined;
  try {
    const url = await app.listen({ host: config.http.host, port: config.http.port });

    let tcp: TcpIngestServer | undefined;
    let grpc: GrpcServer | undefined;
    // A cluster node without the ingest role takes no TCP or gRPC ticks.
    if (options.ingestServers !== false && hasRole(config, clustered, 'ingest')) {
      const admission = storage.writer.admission;
      tcp = await TcpIngestServer.start(engine, config.tcp, log, { admission });
      onClose(() => tcp!.stop());
      registerTcpMetrics(server.metrics, tcp);
      grpc = await GrpcServer.start(engine, config.grpc, log, {
        authenticator: auth,
        // The C++/Java server's clients send no metadata: trusted by address (docs/compat.md).
        anonymousFrom: new AddressList(config.grpc.allowAnonymous, 'grpc.allowAnonymous'),
        admission,
        aggregates,
        published: server.cluster === undefined ? undefined : () => server.cluster!.persisted(),
        reads: hasRole(config, clustered, 'api'),
      });
      onClose(() => grpc!.stop());
      registerGrpcMetrics(server.metrics, grpc);
    }

    // A cluster node without the ingest role runs no simulator: its engine takes no ticks.
    if (config.simulation.enabled && hasRole(config, clustered, 'ingest')) {
      // Display names for the simulated symbols that have none (GET /symbols, docs/compat.md).
      await nameSymbols(storage.database.marketData.names, resolveSymbols(config.simulation));
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
        storage: storage.database.kind,
        cluster: server.cluster?.status().nodeId,
      },
      'tickstream is running',
    );
    return { ...server, url, tcp, grpc };
  } catch (err) {
    await server.close();
    throw err;
  }
}
