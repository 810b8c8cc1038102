import { validateConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/main.js';
import { createLogger } from '../../src/observability/logger.js';
import { Metrics } from '../../src/observability/metrics.js';
import { pgliteTemplate } from '../../src/storage/pglite-template.test-support.js';
import { grpcClient, type GrpcStub } from './protocol-clients.js';
import { ADMIN_PASSWORD, LogLines, testPartitions } from './test-server.js';

/**
 * A whole server listening on ephemeral ports of 127.0.0.1 (HTTP with the live streams, TCP and
 * gRPC), on a fresh in-memory embedded database, for tests that drive real clients. `config`
 * overrides the defaults (its `auth`, `http`, `grpc` sections are merged, not replaced).
 */
export async function runningServer(
  config: Record<string, Record<string, unknown>> = {},
): Promise<RunningServer & { wsUrl: string; grpcClient: GrpcStub; logs: LogLines }> {
  const merged = validateConfig({
    partitions: testPartitions(),
    ...config,
    dataDir: 'memory://',
    logLevel: 'warn',
    simulation: { enabled: false },
    auth: { jwtSecret: 'test-secret-'.padEnd(48, 'x'), ...config.auth },
    http: { host: '127.0.0.1', port: 0, rateLimitPerMinute: 1_000_000, ...config.http },
    tcp: { host: '127.0.0.1', port: 0, ...config.tcp },
    grpc: { host: '127.0.0.1', port: 0, allowAnonymous: [], ...config.grpc },
  });
  const logs = new LogLines();
  const server = await startServer(merged, createLogger({ level: merged.logLevel, destination: logs }), {
    env: { TICKSTREAM_ADMIN_PASSWORD: ADMIN_PASSWORD },
    storage: { loadDataDir: await pgliteTemplate() },
    metrics: new Metrics({ defaultMetrics: false }),
  });
  const client = grpcClient(`127.0.0.1:${server.grpc!.port}`);
  server.onClose(() => client.close());
  return Object.assign(server, { wsUrl: server.url.replace(/^http/, 'ws'), grpcClient: client, logs });
}
