import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

import { parseIntervals } from './core/interval.js';
import { ErrorCode, TickstreamError } from './errors.js';

/**
 * The one configuration schema (DESIGN §6). Sources, lowest precedence first: defaults, a JSON
 * file (`--config FILE` or TICKSTREAM_CONFIG), TICKSTREAM_* environment variables, flags.
 * Unknown keys and bad values fail at start with a message naming the key. The result is frozen;
 * constructors receive the slice they need, never the whole thing.
 *
 * The processing options keep the names of the earlier .NET system (partitions, channelCapacity,
 * movingAverageWindow, anomalyThresholdPercent, slidingWindowMilliseconds, recentAnomaliesCapacity)
 * so its operators' files keep working.
 */

const Integer = (options: { minimum?: number; maximum?: number; default: number; description: string }) =>
  Type.Integer(options);

const SimulationSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'Run the built-in tick simulator in the server.' }),
    symbols: Type.Array(
      Type.Union([
        Type.String({ minLength: 1 }),
        Type.Object(
          {
            symbol: Type.String({ minLength: 1 }),
            price: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
            volatility: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
            tickSize: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          },
          { additionalProperties: false },
        ),
      ]),
      {
        default: ['AAPL', 'GOOGL', 'MSFT', 'TSLA', 'AMZN', 'BTCUSD', 'EURUSD'],
        minItems: 1,
        description:
          'Symbols the simulator quotes: tickers, or objects {symbol, price, volatility, tickSize, name}. Known tickers start near their real price, volatility and tick size.',
      },
    ),
    ticksPerSecond: Type.Number({
      exclusiveMinimum: 0,
      maximum: 10_000_000,
      default: 2000,
      description: 'Total ticks per second across all simulated symbols.',
    }),
    initialPrice: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        description:
          'Starting price of every symbol without its own price (the earlier system: 100). Absent: each known ticker near its real price, others 100.',
      }),
    ),
    maxJitterPercent: Type.Number({
      minimum: 0,
      exclusiveMaximum: 100,
      default: 0.01,
      description: 'walk model: largest move of one tick, in percent (uniform in ±this).',
    }),
    model: Type.Union([Type.Literal('walk'), Type.Literal('gbm')], {
      default: 'gbm',
      description:
        "gbm: geometric Brownian motion with per-symbol volatility and jumps the spike detector catches; walk: the earlier system's uniform random walk.",
    }),
    seed: Type.Optional(
      Type.String({ minLength: 1, description: 'Seed for a reproducible run (random when absent).' }),
    ),
    volatility: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 100,
        description:
          'gbm model: standard deviation of the log return over one second, in percent per √second, for every symbol without its own. Absent: per known ticker, else 0.05.',
      }),
    ),
    drift: Type.Number({
      minimum: -100,
      maximum: 100,
      default: 0,
      description: 'gbm model: expected change per second, in percent.',
    }),
    jumpProbability: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 0.00005,
      description:
        'gbm model: probability that a tick carries a jump (at 2000 ticks/s about one jump every 10 s).',
    }),
    jumpPercent: Type.Number({
      minimum: 0,
      exclusiveMaximum: 100,
      default: 3,
      description: 'gbm model: size of a jump in percent (random sign).',
    }),
  },
  { additionalProperties: false, default: {} },
);

const ReplaySchema = Type.Object(
  {
    allowedDirs: Type.Array(Type.String({ minLength: 1 }), {
      default: ['examples/data'],
      description:
        'Directories POST /api/replays may read files from (besides dataDir, always allowed); relative to the working directory.',
    }),
    maxConcurrent: Integer({
      minimum: 1,
      maximum: 100,
      default: 4,
      description: 'Replays that may run at once in the server.',
    }),
    maxTicks: Integer({
      minimum: 1,
      maximum: 100_000_000,
      default: 5_000_000,
      description: 'Most ticks one replay loads (a replay holds its ticks in memory to seek).',
    }),
  },
  { additionalProperties: false, default: {} },
);

const Port = (port: number, what: string) =>
  Type.Integer({ minimum: 0, maximum: 65_535, default: port, description: `${what} (0: any free port).` });

const TcpSchema = Type.Object(
  {
    host: Type.String({
      minLength: 1,
      default: '127.0.0.1',
      description: 'Address the binary TCP ingest listens on. Any other than loopback needs tcp.allow.',
    }),
    port: Port(50_050, 'Port of the binary TCP ingest (length-prefixed protobuf ticks)'),
    allow: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description:
        'Client addresses (IPs or CIDR blocks, e.g. 10.0.0.0/8) allowed to connect to the TCP ingest when it listens beyond loopback.',
    }),
  },
  { additionalProperties: false, default: {} },
);

const GrpcSchema = Type.Object(
  {
    host: Type.String({
      minLength: 1,
      default: '127.0.0.1',
      description: 'Address the gRPC server listens on.',
    }),
    port: Port(50_051, 'Port of the gRPC server (MarketDataService, health, reflection)'),
    allowAnonymous: Type.Array(Type.String({ minLength: 1 }), {
      default: ['127.0.0.0/8', '::1'],
      description:
        'Client addresses (IPs or CIDR blocks) whose gRPC calls without credentials are taken as the writer role, as the C++/Java server took them ([] none).',
    }),
  },
  { additionalProperties: false, default: {} },
);

const HttpSchema = Type.Object(
  {
    host: Type.String({
      minLength: 1,
      default: '0.0.0.0',
      description: 'Address the HTTP server listens on.',
    }),
    port: Type.Integer({
      minimum: 0,
      maximum: 65_535,
      default: 8080,
      description: 'HTTP port (0: any free port). The PORT variable overrides it.',
    }),
    maxBatch: Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      default: 10_000,
      description: 'Most ticks one POST /api/prices/batch may carry.',
    }),
    bodyLimitBytes: Type.Integer({
      minimum: 1024,
      default: 1_048_576,
      description: 'Largest request body, except batches.',
    }),
    batchBodyLimitBytes: Type.Integer({
      minimum: 1024,
      default: 16_777_216,
      description: 'Largest batch request body.',
    }),
    shutdownGraceMs: Type.Integer({
      minimum: 0,
      maximum: 600_000,
      default: 5000,
      description:
        'On shutdown, how long answers still being sent may take before their connections are cut (a client that stopped reading would otherwise hold the server open for good).',
    }),
    corsOrigins: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description: 'Origins allowed to call the API from a browser (none: same origin only).',
    }),
    publicMetrics: Type.Boolean({
      default: true,
      description: 'Serve Prometheus /metrics without credentials.',
    }),
    rateLimitPerMinute: Type.Integer({
      minimum: 1,
      default: 60_000,
      description: 'Requests per minute per user, API key or client address.',
    }),
    loginRateLimitPerMinute: Type.Integer({
      minimum: 1,
      default: 10,
      description: 'Login attempts per minute per client address and username.',
    }),
  },
  { additionalProperties: false, default: {} },
);

const AuthSchema = Type.Object(
  {
    jwtSecret: Type.Optional(
      Type.String({
        minLength: 32,
        description:
          'Secret that signs access tokens. Absent: generated once into dataDir (required in production).',
      }),
    ),
    registration: Type.Boolean({ default: true, description: 'Let anyone create an account.' }),
    registrationRole: Type.Union([Type.Literal('reader'), Type.Literal('writer')], {
      default: 'reader',
      description: 'Role of self-registered accounts.',
    }),
    loginFailuresPerAddress: Type.Integer({
      minimum: 1,
      default: 10,
      description:
        'Failed logins one client address may make in auth.failureWindowMs (any usernames); then 429 until the window ends.',
    }),
    loginFailuresPerAccount: Type.Integer({
      minimum: 1,
      default: 20,
      description:
        'Failed logins for one username in auth.failureWindowMs (from any addresses); then 429 until the window ends.',
    }),
    apiKeyFailuresPerAddress: Type.Integer({
      minimum: 1,
      default: 20,
      description:
        'Unknown or revoked API keys one client address may present in auth.failureWindowMs, on any protocol; then refused as rate limited.',
    }),
    failureWindowMs: Type.Integer({
      minimum: 1000,
      default: 900_000,
      description:
        'The window over which failed logins and API-key guesses are counted (fixed, from the first failure).',
    }),
  },
  { additionalProperties: false, default: {} },
);

const StreamsSchema = Type.Object(
  {
    historySize: Type.Integer({
      minimum: 0,
      maximum: 1_000_000,
      default: 1024,
      description: 'Messages each live channel keeps for clients that resume with fromSeq.',
    }),
    resumeWindowMs: Type.Integer({
      minimum: 1,
      maximum: 86_400_000,
      default: 60_000,
      description: 'How long a channel keeps its history after its last subscriber left.',
    }),
    sendBufferBytes: Type.Integer({
      minimum: 1024,
      default: 1_048_576,
      description:
        'Bytes waiting in a connection past which it is behind: stats and candles conflate, ticks and anomalies drop with a gap.',
    }),
    maxBufferBytes: Type.Integer({
      minimum: 1024,
      default: 8_388_608,
      description: 'Bytes waiting and held back past which a connection is closed as a slow consumer (4008).',
    }),
    maxStallMs: Type.Integer({
      minimum: 1,
      default: 30_000,
      description: 'A connection behind for this long without draining is closed as a slow consumer (4008).',
    }),
    maxChannelsPerConnection: Type.Integer({
      minimum: 1,
      maximum: 100_000,
      default: 500,
      description: 'Channels one connection may subscribe to.',
    }),
    maxMessageBytes: Type.Integer({
      minimum: 256,
      maximum: 1_048_576,
      default: 65_536,
      description: 'Largest message a client may send over /ws or /stomp.',
    }),
    authTimeoutMs: Type.Integer({
      minimum: 1,
      default: 10_000,
      description:
        'How long a /ws or /stomp connection has to authenticate (the auth message, the CONNECT frame).',
    }),
    stompHeartbeatMs: Type.Integer({
      minimum: 0,
      default: 10_000,
      description: 'STOMP heart-beat the server offers and asks for, both ways (0: none).',
    }),
    ssePingMs: Type.Integer({
      minimum: 1,
      default: 15_000,
      description: 'Interval of the ": ping" comment on SSE streams.',
    }),
    graphqlMaxDepth: Type.Integer({
      minimum: 1,
      maximum: 100,
      default: 8,
      description: 'Deepest GraphQL selection accepted.',
    }),
    graphqlMaxCost: Type.Integer({
      minimum: 1,
      default: 50_000,
      description:
        'Largest cost of a GraphQL operation: fields, multiplied by the limit of the lists they are in.',
    }),
  },
  { additionalProperties: false, default: {} },
);

const StorageSchema = Type.Object(
  {
    batchSize: Integer({
      minimum: 1,
      maximum: 1_000_000,
      default: 10_000,
      description:
        'Raw ticks per write: a batch is written once it holds this many (or is flushIntervalMs old).',
    }),
    flushIntervalMs: Integer({
      minimum: 1,
      maximum: 60_000,
      default: 100,
      description: 'Longest time a buffered tick waits before its batch is written.',
    }),
    bufferCapacity: Integer({
      minimum: 1,
      maximum: 100_000_000,
      default: 500_000,
      description: 'Accepted ticks buffered while not yet committed; when full, ingest answers overloaded.',
    }),
    openCandleFlushMs: Integer({
      minimum: 10,
      maximum: 3_600_000,
      default: 1000,
      description: 'How often changed open candles are written, so history includes the current bucket.',
    }),
    statsIntervalMs: Integer({
      minimum: 100,
      maximum: 3_600_000,
      default: 5000,
      description: 'How often symbol statistics and the recovery snapshot of changed symbols are written.',
    }),
    poolSize: Integer({
      minimum: 1,
      maximum: 1000,
      default: 10,
      description:
        'Most connections to a PostgreSQL server (DATABASE_URL) for queries; transactions use writeConcurrency + 1 more.',
    }),
    writeConcurrency: Integer({
      minimum: 1,
      maximum: 64,
      default: 2,
      description:
        'Writes in flight at once on a PostgreSQL server: their COPYs overlap, their commits stay in order. The embedded database writes one at a time.',
    }),
    embeddedThread: Type.Boolean({
      default: true,
      description:
        'Run the embedded database (PGlite) on a worker thread of its own, so its statements do not hold the event loop. false runs it in the server thread.',
    }),
    embeddedCheckpointWalBytes: Integer({
      minimum: 0,
      default: 536_870_912,
      description:
        'Embedded database only: take a checkpoint once this much WAL has been written since the last, so its WAL directory stays bounded (PGlite runs no checkpointer of its own). 0: never (the WAL grows until the next start).',
    }),
    connectTimeoutMs: Integer({
      minimum: 100,
      maximum: 600_000,
      default: 5000,
      description: 'How long connecting to a PostgreSQL server may take.',
    }),
    retryInitialDelayMs: Integer({
      minimum: 1,
      maximum: 600_000,
      default: 100,
      description: 'First wait before a failed write is retried (then growing, with jitter).',
    }),
    retryMaxDelayMs: Integer({
      minimum: 1,
      maximum: 600_000,
      default: 1000,
      description: 'Longest wait between retries of a failed write.',
    }),
    breakerFailures: Integer({
      minimum: 1,
      maximum: 1000,
      default: 5,
      description: 'Consecutive failed writes that open the circuit breaker (writes pause, then one probes).',
    }),
    breakerHalfOpenMs: Integer({
      minimum: 1,
      maximum: 600_000,
      default: 1000,
      description: 'How long the open circuit breaker waits before one write probes the database.',
    }),
    partitionsAheadDays: Integer({
      minimum: 0,
      maximum: 366,
      default: 3,
      description: 'Daily tick partitions created ahead of today.',
    }),
    minFreeDiskBytes: Integer({
      minimum: 0,
      default: 1_073_741_824,
      description:
        "Disk guard: below this much free space on the data directory's disk, raw ticks are not stored (candles, anomalies and reads go on). 0 turns the guard off.",
    }),
    diskCheckIntervalMs: Integer({
      minimum: 100,
      maximum: 3_600_000,
      default: 10_000,
      description: "How often the data directory's size and free disk space are measured.",
    }),
    closeTimeoutMs: Integer({
      minimum: 0,
      maximum: 3_600_000,
      default: 30_000,
      description:
        'On shutdown, how long to keep trying to write what is buffered before giving up (and saying so).',
    }),
  },
  { additionalProperties: false, default: {} },
);

const RetentionSchema = Type.Object(
  {
    ticksDays: Integer({
      minimum: 0,
      maximum: 100_000,
      default: 30,
      description:
        'Raw ticks are kept this many days (by the UTC day of their event time), then their daily partition is dropped. 0 keeps them forever.',
    }),
    simulatedTicksMs: Integer({
      minimum: 0,
      maximum: 3_153_600_000_000,
      default: 3_600_000,
      description:
        'Raw ticks of the simulator (source sim) and of replays (replay:*) are deleted this long after they arrived; candles and anomalies stay. 0: kept like other ticks.',
    }),
  },
  { additionalProperties: false, default: {} },
);

const RoleName = (role: string, name: string) =>
  Type.String({
    minLength: 1,
    maxLength: 50,
    default: name,
    description: `The .NET system's name for tickstream's ${role} role: put in access tokens (its role claim) and accepted by \`tickstream user\` and user imports.`,
  });

/** The earlier systems whose clients tickstream keeps serving (docs/compat.md). */
const CompatSchema = Type.Object(
  {
    dotnet: Type.Object(
      {
        enabled: Type.Boolean({
          default: true,
          description:
            'Serve the .NET MarketDataSystem contract: its fields on shared routes, {"message"} on errors, its token claims.',
        }),
        jwtIssuer: Type.String({
          minLength: 1,
          default: 'MarketDataAPI',
          description: 'Issuer (iss) of access tokens while the .NET contract is on (else tickstream).',
        }),
        jwtAudience: Type.String({
          minLength: 1,
          default: 'MarketDataClients',
          description: 'Audience (aud) of access tokens while the .NET contract is on (else tickstream-api).',
        }),
        roleNames: Type.Object(
          {
            reader: RoleName('reader', 'Reader'),
            writer: RoleName('writer', 'User'),
            admin: RoleName('admin', 'Admin'),
          },
          { additionalProperties: false, default: {} },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    fastapi: Type.Object(
      {
        enabled: Type.Boolean({
          default: true,
          description: 'Serve the FastAPI price service contract: GET /symbols and GET /price/latest.',
        }),
        anonymousReads: Type.Boolean({
          default: true,
          description:
            'Its two reads answer without credentials, as that service did (false: they need the reader role).',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    express: Type.Object(
      {
        enabled: Type.Boolean({
          default: true,
          description:
            'Serve the Express realtime demo contract: its /api/v1 routes, /realtime/ticks, its /health/* and /ops/metrics.',
        }),
        anonymousReads: Type.Boolean({
          default: true,
          description:
            'Its reads (GET /api/v1/symbols, ticks, metrics, /realtime/ticks) answer without credentials, as they did (false: the reader role).',
        }),
        corsOrigins: Type.Array(Type.String({ minLength: 1 }), {
          default: ['*'],
          description:
            'Origins whose browsers may call its routes: its anonymous reads (its dashboard) and its webhooks (with a key); "*" any origin, [] none.',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    cpp: Type.Object(
      {
        enabled: Type.Boolean({
          default: true,
          description:
            'Serve the C++/Java server contract: /api/v1/marketdata/{symbol}, its GraphQL, WebSocket and STOMP reads.',
        }),
        anonymousReads: Type.Boolean({
          default: true,
          description: 'Its reads answer without credentials, as they did (false: the reader role).',
        }),
        sockjs: Type.Object(
          {
            heartbeatMs: Type.Integer({
              minimum: 100,
              default: 25_000,
              description:
                'SockJS sessions at /ws send a heart-beat frame after this long without another frame (its Spring default).',
            }),
            disconnectDelayMs: Type.Integer({
              minimum: 100,
              default: 5_000,
              description:
                'A SockJS session at /ws without a receiving request for this long is closed (its Spring default).',
            }),
          },
          { additionalProperties: false, default: {} },
        ),
        webrtc: Type.Object(
          {
            enabled: Type.Boolean({
              default: true,
              description:
                'Answer WebRTC offers sent over its STOMP signalling (SEND /app/signal) with a tickstream peer that streams hub channels over a data channel.',
            }),
            peerId: Type.String({
              minLength: 1,
              maxLength: 128,
              default: 'tickstream',
              description: "The targetId that addresses tickstream's peer, and the senderId of its answers.",
            }),
            maxPeers: Type.Integer({
              minimum: 0,
              maximum: 10_000,
              default: 50,
              description: 'WebRTC peers at once; an offer past it is answered with an ERROR signal.',
            }),
            hostAddresses: Type.Array(
              Type.String({
                // An IP address, not a name: werift binds and advertises it as it is.
                pattern: '^(\\d{1,3}(\\.\\d{1,3}){3}|[0-9A-Fa-f]*:[0-9A-Fa-f:.]*)$',
              }),
              {
                minItems: 1,
                maxItems: 16,
                default: ['127.0.0.1'],
                description:
                  'IP addresses tickstream offers as ICE host candidates (no STUN or TURN); the default, loopback, reaches peers on this machine only.',
              },
            ),
            connectTimeoutMs: Type.Integer({
              minimum: 100,
              maximum: 600_000,
              default: 15_000,
              description: 'A peer whose data channel is not open this long after its offer is closed.',
            }),
          },
          { additionalProperties: false, default: {} },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);

const RedisSchema = Type.Object(
  {
    prefix: Type.String({
      default: 'tickstream:',
      description: "Prefix of tickstream's Redis keys (Redis is used when REDIS_URL is set).",
    }),
  },
  { additionalProperties: false, default: {} },
);

/** The parts of a cluster node (docs/scaling.md). */
export const ClusterRole = { Ingest: 'ingest', Engine: 'engine', Api: 'api' } as const;
export type ClusterRole = (typeof ClusterRole)[keyof typeof ClusterRole];

const ClusterSchema = Type.Object(
  {
    name: Type.String({
      pattern: '^[A-Za-z0-9_-]{1,64}$',
      default: 'tickstream',
      description:
        'Cluster name (NATS_URL set): prefixes its JetStream stream, subjects and key-value buckets.',
    }),
    partitions: Integer({
      minimum: 1,
      maximum: 1024,
      default: 16,
      description:
        'Partitions of the cluster, fixed for its life (stored in NATS); a node with another count refuses to join.',
    }),
    nodeId: Type.String({
      pattern: '^[A-Za-z0-9_-]{0,64}$',
      default: '',
      description: "This node's id in the cluster. Default: host name and process id.",
    }),
    roles: Type.Array(Type.Union([Type.Literal('ingest'), Type.Literal('engine'), Type.Literal('api')]), {
      default: ['ingest', 'engine', 'api'],
      minItems: 1,
      uniqueItems: true,
      description:
        'What this node does: ingest (take ticks), engine (own partitions), api (reads and live streams; without it the node keeps no copy of the cluster). A request for a missing role is answered 421 CLUSTER_ROLE.',
    }),
    leaseTtlMs: Integer({
      minimum: 1000,
      maximum: 600_000,
      default: 10_000,
      description: "A partition lease's time to live: a dead node's partitions move after at most this long.",
    }),
    readWaitMs: Integer({
      minimum: 0,
      maximum: 60_000,
      default: 2000,
      description:
        "Longest a read waits for the node's copy to apply what the cluster acknowledged before it (0: reads never wait).",
    }),
  },
  { additionalProperties: false, default: {} },
);

/** `dataDir` of a process that keeps nothing on disk (tests): the embedded database lives in memory. */
export const MEMORY_DATA_DIR = 'memory://';

export const ConfigSchema = Type.Object(
  {
    dataDir: Type.String({
      minLength: 1,
      default: './data',
      description: 'Where embedded storage keeps its files.',
    }),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
      { default: 'info', description: 'Log level.' },
    ),
    partitions: Integer({
      minimum: 1,
      maximum: 1024,
      default: availableParallelism(),
      description:
        'Symbol partitions, each on a worker thread of its own when ≥ 2 (1: the engine on the main thread). Default: the CPU count.',
    }),
    channelCapacity: Integer({
      minimum: 1,
      maximum: 10_000_000,
      default: 100_000,
      description:
        "Ticks each worker-thread partition ring holds (partitions ≥ 2); the earlier .NET system's default.",
    }),
    overflowPolicy: Type.Union([Type.Literal('reject'), Type.Literal('drop-oldest'), Type.Literal('block')], {
      default: 'reject',
      description:
        'When a partition ring is full: reject (refused as overloaded), drop-oldest (the oldest waiting tick is dropped, counted) or block (the producer waits).',
    }),
    movingAverageWindow: Integer({
      minimum: 1,
      maximum: 1_000_000,
      default: 64,
      description: 'Prices the moving average is taken over.',
    }),
    anomalyThresholdPercent: Type.Number({
      exclusiveMinimum: 0,
      maximum: 1000,
      default: 2,
      description: 'A move of more than this percent inside the sliding window is an anomaly.',
    }),
    slidingWindowMilliseconds: Integer({
      minimum: 1,
      maximum: 86_400_000,
      default: 1000,
      description: 'Length of the spike detector window in ms.',
    }),
    recentAnomaliesCapacity: Integer({
      minimum: 1,
      maximum: 10_000_000,
      default: 10_000,
      description: 'Recent anomalies kept in memory.',
    }),
    intervals: Type.Array(Type.String({ minLength: 2 }), {
      default: ['1s', '1m', '5m', '15m', '1h', '1d'],
      minItems: 1,
      description: 'Candle intervals (e.g. 250ms, 1s, 1m, 4h, 1d).',
    }),
    allowedLatenessMs: Integer({
      minimum: 0,
      maximum: 86_400_000,
      default: 1000,
      description: 'How far behind the newest tick of its symbol a tick may be and still count.',
    }),
    anomalyMode: Type.Union([Type.Literal('episode'), Type.Literal('every')], {
      default: 'episode',
      description: 'episode: one anomaly per move; every: one per tick while the move lasts.',
    }),
    maxFutureSkewMs: Integer({
      minimum: 0,
      maximum: 86_400_000,
      default: 300_000,
      description: 'Ticks more than this ahead of the receive time are refused.',
    }),
    dedupeCapacity: Integer({
      minimum: 0,
      maximum: 10_000_000,
      default: 10_000,
      description: 'Accepted tick ids remembered per symbol for duplicate detection.',
    }),
    simulation: SimulationSchema,
    storage: StorageSchema,
    retention: RetentionSchema,
    replay: ReplaySchema,
    tcp: TcpSchema,
    grpc: GrpcSchema,
    http: HttpSchema,
    auth: AuthSchema,
    streams: StreamsSchema,
    redis: RedisSchema,
    cluster: ClusterSchema,
    compat: CompatSchema,
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
export type SimulationConfig = Static<typeof SimulationSchema>;
export type StorageConfig = Static<typeof StorageSchema>;
export type RetentionConfig = Static<typeof RetentionSchema>;
export type ReplayConfig = Static<typeof ReplaySchema>;
export type TcpConfig = Static<typeof TcpSchema>;
export type GrpcConfig = Static<typeof GrpcSchema>;
export type HttpConfig = Static<typeof HttpSchema>;
export type AuthConfig = Static<typeof AuthSchema>;
export type StreamsConfig = Static<typeof StreamsSchema>;
export type RedisConfig = Static<typeof RedisSchema>;
export type ClusterConfig = Static<typeof ClusterSchema>;
export type CompatConfig = Static<typeof CompatSchema>;

/** Environment variables with the TICKSTREAM_ prefix that are not configuration keys. */
const RESERVED_ENV = new Set(['TICKSTREAM_CONFIG', 'TICKSTREAM_ADMIN_PASSWORD']);

export interface ConfigSources {
  /** Path of a JSON configuration file. */
  readonly file?: string | undefined;
  /** Environment (TICKSTREAM_* variables and PORT). */
  readonly env?: NodeJS.ProcessEnv;
  /** Values from flags by dotted key (`simulation.enabled`), as strings or typed values. */
  readonly flags?: Readonly<Record<string, unknown>>;
}

/** Loads, merges, validates and freezes the configuration. Throws CONFIG_* errors naming the key. */
export function loadConfig(sources: ConfigSources = {}): Readonly<Config> {
  const env = sources.env ?? {};
  const merged: Record<string, unknown> = {};
  const file = sources.file ?? env.TICKSTREAM_CONFIG;
  if (file !== undefined && file !== '') deepMerge(merged, readConfigFile(file));
  deepMerge(merged, fromEnv(env));
  // PORT, the convention of hosting platforms, overrides http.port; flags still win.
  if (env.PORT !== undefined && env.PORT !== '')
    setPath(merged, 'http.port', coerce('http.port', env.PORT, 'PORT'));
  for (const [key, value] of Object.entries(sources.flags ?? {})) {
    if (value !== undefined) setPath(merged, key, coerce(key, value, `flag for ${key}`));
  }
  return validateConfig(merged);
}

/** Validates a plain object as configuration (defaults filled in) and freezes it. */
export function validateConfig(input: Record<string, unknown>): Readonly<Config> {
  const value = Value.Default(ConfigSchema, Value.Clone(input)) as Record<string, unknown>;
  const first = Value.Errors(ConfigSchema, value).First();
  if (first !== undefined) {
    const key = first.path.replace(/^\//, '').replaceAll('/', '.') || '(root)';
    throw new TickstreamError(
      ErrorCode.ConfigInvalid,
      `config ${key}: ${describeError(first.message, first.schema)}`,
    );
  }
  const config = value as Config;
  try {
    parseIntervals(config.intervals);
  } catch (err) {
    throw new TickstreamError(ErrorCode.ConfigInvalid, `config intervals: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return deepFreeze(config);
}

function describeError(message: string, schema: TSchema): string {
  if (message === 'Unexpected property') return 'unknown key';
  const choices = (schema.anyOf as TSchema[] | undefined)?.map((s) => s.const as unknown);
  if (choices !== undefined && choices.every((c) => typeof c === 'string'))
    return `must be one of ${choices.join(', ')}`;
  return message.replace(/^Expected/, 'expected');
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TickstreamError(
      ErrorCode.ConfigUnreadable,
      `cannot read config file ${path}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new TickstreamError(
      ErrorCode.ConfigUnreadable,
      `config file ${path} is not valid JSON: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new TickstreamError(ErrorCode.ConfigUnreadable, `config file ${path} must hold a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

/** Every leaf key of the schema, dotted (`simulation.ticksPerSecond`), with its schema. */
export function configKeys(): Array<{ key: string; schema: TSchema }> {
  const out: Array<{ key: string; schema: TSchema }> = [];
  const walk = (schema: TObject, prefix: string): void => {
    for (const [name, child] of Object.entries(schema.properties)) {
      const key = prefix + name;
      if (child.type === 'object' && 'properties' in child) walk(child as TObject, `${key}.`);
      else out.push({ key, schema: child });
    }
  };
  walk(ConfigSchema, '');
  return out;
}

/** `simulation.ticksPerSecond` → `TICKSTREAM_SIMULATION_TICKS_PER_SECOND`. */
export function envName(key: string): string {
  return (
    'TICKSTREAM_' +
    key
      .replaceAll('.', '_')
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .toUpperCase()
  );
}

/** `simulation.ticksPerSecond` → `simulation-ticks-per-second` (the flag is `--simulation-ticks-per-second`). */
export function flagName(key: string): string {
  return key
    .replaceAll('.', '-')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase();
}

function fromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const byName = new Map(configKeys().map(({ key }) => [envName(key), key]));
  const out: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('TICKSTREAM_') || RESERVED_ENV.has(name) || raw === undefined) continue;
    const key = byName.get(name);
    if (key === undefined) {
      throw new TickstreamError(
        ErrorCode.ConfigInvalid,
        `environment variable ${name} is not a configuration key`,
      );
    }
    setPath(out, key, coerce(key, raw, name));
  }
  return out;
}

/** Turns a string from the environment or a flag into the type its key's schema wants. */
function coerce(key: string, raw: unknown, origin: string): unknown {
  if (typeof raw !== 'string') return raw;
  const leaf = configKeys().find((k) => k.key === key);
  if (leaf === undefined)
    throw new TickstreamError(ErrorCode.ConfigInvalid, `${origin}: ${key} is not a configuration key`);
  const type = leaf.schema.type as string | undefined;
  const text = raw.trim();
  if (type === 'integer' || type === 'number') {
    const n = Number(text);
    if (text === '' || Number.isNaN(n))
      throw new TickstreamError(
        ErrorCode.ConfigInvalid,
        `config ${key}: expected a number, got "${raw}" (${origin})`,
      );
    return n;
  }
  if (type === 'boolean') {
    if (/^(true|1|yes|on)$/i.test(text)) return true;
    if (/^(false|0|no|off)$/i.test(text)) return false;
    throw new TickstreamError(
      ErrorCode.ConfigInvalid,
      `config ${key}: expected true or false, got "${raw}" (${origin})`,
    );
  }
  if (type === 'array') return text === '' ? [] : text.split(',').map((s) => s.trim());
  return raw;
}

function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (next === undefined) node = node[part] = {};
    else if (typeof next === 'object' && next !== null && !Array.isArray(next))
      node = next as Record<string, unknown>;
    else throw new TickstreamError(ErrorCode.ConfigInvalid, `config ${key}: ${part} is not an object`);
  }
  node[parts[parts.length - 1]!] = value;
}

function deepMerge(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (isPlainObject(value) && isPlainObject(existing)) deepMerge(existing, value);
    else if (isPlainObject(value)) {
      const copy: Record<string, unknown> = {};
      deepMerge(copy, value);
      target[key] = copy;
    } else target[key] = value;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
