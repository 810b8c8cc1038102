import { validateConfig, type ClusterRole } from '../../src/config.js';
import { createServer, type Server } from '../../src/main.js';
import { createLogger } from '../../src/observability/logger.js';
import { Metrics } from '../../src/observability/metrics.js';
import { ADMIN_PASSWORD } from '../support/test-server.js';
import { NATS_URL } from './cluster-node.js';

/**
 * A cluster node in the test's own process (`createServer` with NATS_URL and DATABASE_URL): four
 * partitions, a 2 s lease, no simulator and no TCP or gRPC servers, silent; reached with
 * `app.inject`. For a node as a process of its own (one a test can SIGKILL), see cluster-node.ts.
 */
export function inProcessNode(options: {
  cluster: string;
  nodeId: string;
  databaseUrl: string;
  roles?: ClusterRole[];
  /** `http` settings beside the login limit the tests need lifted. */
  http?: Record<string, unknown>;
  /** `redis.prefix`, with `redisUrl`. */
  redisPrefix?: string;
  redisUrl?: string;
}): Promise<Server> {
  return createServer(
    validateConfig({
      dataDir: 'memory://',
      logLevel: 'silent',
      auth: { jwtSecret: 'test-secret-'.padEnd(48, 'x') },
      http: { loginRateLimitPerMinute: 10_000, ...options.http },
      ...(options.redisPrefix === undefined ? {} : { redis: { prefix: options.redisPrefix } }),
      simulation: { enabled: false },
      cluster: {
        name: options.cluster,
        nodeId: options.nodeId,
        partitions: 4,
        leaseTtlMs: 2000,
        ...(options.roles === undefined ? {} : { roles: options.roles }),
      },
    }),
    createLogger({ level: 'silent' }),
    {
      env: {
        NATS_URL,
        DATABASE_URL: options.databaseUrl,
        ...(options.redisUrl === undefined ? {} : { REDIS_URL: options.redisUrl }),
        TICKSTREAM_ADMIN_PASSWORD: ADMIN_PASSWORD,
      },
      ingestServers: false,
      metrics: new Metrics({ defaultMetrics: false }),
    },
  );
}
