import { hostname } from 'node:os';

import { connect, RetentionPolicy, StorageType, type JetStreamManager, type NatsConnection } from 'nats';

import type { Config } from '../config.js';
import type { EventCounts } from '../engine/engine.js';
import { ErrorCode, TickstreamError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { Database } from '../storage/database.js';
import type { ClusterEngine } from './cluster-engine.js';
import { ClusterNames } from './cluster-names.js';
import { ClusterStore } from './cluster-store.js';
import { LiveFeed } from './live-feed.js';
import { liveStream } from './live-stream.js';
import { PartitionLeases, type NodeEntry } from './partition-leases.js';
import { PartitionOwner } from './partition-owner.js';
import { ReadBarrier } from './read-barrier.js';
import { TickPublisher } from './tick-publisher.js';

/** How long the tick stream keeps messages: what an owner down this long could still replay. */
const STREAM_MAX_AGE_MS = 7 * 86_400_000;
/**
 * How long, and how many bytes of, the live stream keeps: a node reads only its newest messages
 * (each partition's last one when it starts), so it needs little; a node further behind than that
 * reads the partitions back from PostgreSQL. Owners publish at least once a second (their clock).
 */
const LIVE_MAX_AGE_MS = 10 * 60_000;
const LIVE_MAX_BYTES = 512 * 1024 * 1024;

/** What /health/ready and /api/metrics show of the cluster. */
export interface ClusterStatus {
  readonly name: string;
  readonly nodeId: string;
  readonly roles: readonly string[];
  readonly partitions: number;
  /** Partitions this node owns. */
  readonly owned: number[];
  readonly nats: string;
  readonly nodes: ReadonlyArray<{ nodeId: string; roles: readonly string[]; partitions: number[] }>;
  /** Per partition: its owner (as the lease bucket says) and the messages it still has to apply. */
  readonly partitionOwners: ReadonlyArray<{ partition: number; owner: string | null; lag: number | null }>;
  readonly ingest: { published: number; failed: number; pending: number };
  /**
   * The live feed: messages applied, partitions read back, and partitions not heard from since
   * the node started or lost messages (while any, the channels of every symbol skip their events).
   */
  readonly live: { applied: number; resyncs: number; unheard: number };
  readonly takeovers: number;
}

export interface ClusterNode {
  readonly engine: ClusterEngine;
  /**
   * Where the cluster's per-symbol channel numbers start (microseconds since the epoch when the
   * cluster was first started, kept in its meta bucket): the same on every node and across restarts.
   */
  readonly seqBase: number;
  /** What numbers the channels alike on every node (a symbol's counts in the copy, the cluster's in the live order). */
  readonly counts: EventCounts;
  /** Resolves once JetStream has acknowledged every tick this node published before the call. */
  persisted(): Promise<void>;
  status(): ClusterStatus;
  /** Throws when NATS is not connected (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** `cluster.nodeId`, or host name and process id. */
export function defaultNodeId(configured: string): string {
  if (configured !== '') return configured;
  return `${hostname().replace(/[^A-Za-z0-9_-]/g, '-')}-${process.pid}`;
}

/**
 * Makes this process a cluster node (docs/scaling.md): connects to NATS, creates the tick
 * stream and the buckets if they are missing, checks the partition count, reads every partition
 * into the node's engine and follows the live feed, and (the `engine` role) takes its share of
 * the partitions. `engine` must be the node's (new) ClusterEngine; `database` the PostgreSQL
 * server the owners commit to.
 */
export async function startClusterNode(
  engine: ClusterEngine,
  database: Database,
  config: Readonly<Config>,
  log: Logger,
  natsUrl: string,
): Promise<ClusterNode> {
  const clusterLog = log.child({ component: 'cluster' });
  const { cluster } = config;
  const names = new ClusterNames(cluster.name);
  const nodeId = defaultNodeId(cluster.nodeId);
  if (database.kind !== 'postgres')
    throw new TickstreamError(
      ErrorCode.ConfigInvalid,
      'a cluster node (NATS_URL) needs DATABASE_URL: the partition owners commit to one PostgreSQL server',
    );
  let nc: NatsConnection;
  try {
    nc = await connect({ servers: natsUrl, name: `tickstream-${nodeId}`, maxReconnectAttempts: -1 });
  } catch (err) {
    throw new TickstreamError(ErrorCode.ClusterUnavailable, `cannot reach NATS: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const closers: Array<() => Promise<void> | void> = [() => nc.drain().catch(() => nc.close())];
  const close = async (): Promise<void> => {
    while (closers.length > 0) {
      try {
        await closers.pop()!();
      } catch (err) {
        clusterLog.error({ err }, 'cluster shutdown step failed');
      }
    }
  };
  try {
    const jsm = await nc.jetstreamManager();
    const js = nc.jetstream();
    await ensureStream(jsm, {
      name: names.stream,
      subjects: [names.tickSubjects],
      max_age: STREAM_MAX_AGE_MS * 1_000_000,
    });
    await ensureStream(jsm, {
      name: names.liveStream,
      subjects: [names.liveSubjects],
      max_age: LIVE_MAX_AGE_MS * 1_000_000,
      max_bytes: LIVE_MAX_BYTES,
    });
    const meta = await js.views.kv(names.metaBucket, { history: 1 });
    try {
      await meta.create('partitions', String(cluster.partitions));
    } catch {
      const entry = await meta.get('partitions');
      const existing = entry === null ? undefined : Number(entry.string());
      if (existing !== cluster.partitions)
        throw new TickstreamError(
          ErrorCode.ClusterMismatch,
          `cluster ${cluster.name} has ${existing} partitions; this node is configured with cluster.partitions=${cluster.partitions} and does not join`,
        );
    }
    try {
      await meta.create('seqBase', String(Date.now() * 1000));
    } catch {
      // Made by the cluster's first node.
    }
    const seqBase = Number((await meta.get('seqBase'))?.string());
    if (!Number.isSafeInteger(seqBase))
      throw new TickstreamError(
        ErrorCode.ClusterMismatch,
        `cluster ${cluster.name} has no valid seqBase in ${names.metaBucket}`,
      );
    const kv = await js.views.kv(names.leaseBucket, { history: 1, ttl: cluster.leaseTtlMs });

    const store = new ClusterStore(database, cluster.name);
    await store.ensureSchema();

    const publisher = new TickPublisher({
      js,
      names,
      partitions: cluster.partitions,
      maxFutureSkewMs: config.maxFutureSkewMs,
      maxPendingTicks: config.storage.bufferCapacity,
      publishTimeoutMs: 10_000,
    });
    engine.attach(publisher);
    closers.push(() => engine.attach(undefined));
    if (!cluster.roles.includes('ingest')) engine.refuseTicks();

    const roles = cluster.roles;
    // Only a node that serves reads and live streams keeps a copy of every partition.
    let live: LiveFeed | undefined;
    if (roles.includes('api')) {
      const feed = (live = new LiveFeed(
        engine,
        liveStream(js, names),
        store,
        cluster.partitions,
        clusterLog,
      ));
      await feed.start();
      closers.push(() => feed.close());
      if (cluster.readWaitMs > 0) {
        const barrier = new ReadBarrier(jsm, names, feed, cluster.partitions, cluster.readWaitMs);
        engine.waitBeforeReads(() => barrier.wait());
      }
      closers.push(() => engine.waitBeforeReads(undefined));
    }

    const leases = new PartitionLeases({
      kv,
      nodeId,
      roles,
      partitions: cluster.partitions,
      ttlMs: cluster.leaseTtlMs,
      owns: roles.includes('engine'),
      startOwner: (partition, onLost) =>
        PartitionOwner.start(partition, {
          js,
          store,
          names,
          engine: engine.options,
          nodeId,
          log: clusterLog,
          onLost,
        }),
      log: clusterLog,
    });
    await leases.start();
    closers.push(() => leases.close());
    clusterLog.info(
      { cluster: cluster.name, nodeId, roles, partitions: cluster.partitions },
      'joined the cluster',
    );

    const status = (): ClusterStatus => {
      const view = leases.view();
      const lagOf = new Map<number, number>();
      for (const node of view.nodes)
        for (const [p, s] of Object.entries(node.partitions)) lagOf.set(Number(p), s.lag);
      for (const owner of leases.owned()) lagOf.set(owner.partition, owner.lag());
      return {
        name: cluster.name,
        nodeId,
        roles,
        partitions: cluster.partitions,
        owned: leases.owned().map((o) => o.partition),
        nats: nc.isClosed() ? 'closed' : 'connected',
        nodes: view.nodes.map((n: NodeEntry) => ({
          nodeId: n.nodeId,
          roles: n.roles,
          partitions: Object.keys(n.partitions)
            .map(Number)
            .sort((a, b) => a - b),
        })),
        partitionOwners: Array.from({ length: cluster.partitions }, (_v, partition) => ({
          partition,
          owner: view.owners.get(partition) ?? null,
          lag: lagOf.get(partition) ?? null,
        })),
        ingest: publisher.counters(),
        live: live?.counters() ?? { applied: 0, resyncs: 0, unheard: 0 },
        takeovers: view.takeovers,
      };
    };
    return {
      engine,
      seqBase,
      counts: {
        eventCount: (symbol, kind, interval) => engine.eventCount(symbol, kind, interval),
        allCount: (kind, interval) => live?.allCount(kind, interval),
        lastAllCount: (kind, interval) => live?.lastAllCount(kind, interval) ?? 0,
      },
      persisted: () => publisher.persisted(),
      status,
      ping: async () => {
        if (nc.isClosed()) throw new Error('NATS connection closed');
        await nc.flush();
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Creates a file-backed, limits-retention stream unless it exists (another node may race us). */
async function ensureStream(
  jsm: JetStreamManager,
  config: { name: string; subjects: string[]; max_age: number; max_bytes?: number },
): Promise<void> {
  try {
    await jsm.streams.info(config.name);
    return;
  } catch {
    // Missing: made below.
  }
  await jsm.streams
    .add({ ...config, storage: StorageType.File, retention: RetentionPolicy.Limits, num_replicas: 1 })
    .catch(async (err: unknown) => {
      // Another node created it at the same moment.
      await jsm.streams.info(config.name).catch(() => {
        throw err;
      });
    });
}
