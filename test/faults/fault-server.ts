import { validateConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/main.js';
import { createLogger } from '../../src/observability/logger.js';
import { Metrics } from '../../src/observability/metrics.js';
import { pgliteTemplate } from '../../src/storage/pglite-template.test-support.js';
import { ADMIN_PASSWORD, LogLines, testPartitions } from '../support/test-server.js';

/**
 * The whole server listening on ephemeral ports (HTTP, TCP, gRPC), as an operator runs it, with
 * a writer API key for the producers. Storage options override the defaults; the retry and
 * circuit-breaker settings stay at their defaults unless a test names them, so the recovery
 * times measured are the ones an operator gets.
 */
export async function startFaultServer(options: {
  storage?: Record<string, unknown>;
  /** Live-stream options (e.g. smaller slow-consumer limits). */
  streams?: Record<string, unknown>;
  dataDir?: string;
  databaseUrl?: string;
  /** Start an empty embedded database from the migrated template (fast). */
  template?: boolean;
}): Promise<RunningServer & { logs: LogLines; headers: Record<string, string> }> {
  const config = validateConfig({
    dataDir: options.dataDir ?? 'memory://',
    logLevel: 'info',
    // One thread in CI, as the fault figures were taken; TEST_PARTITIONS=2 runs them threaded.
    partitions: testPartitions(),
    simulation: { enabled: false },
    auth: { jwtSecret: 'test-secret-'.padEnd(48, 'x') },
    http: { host: '127.0.0.1', port: 0, rateLimitPerMinute: 1_000_000 },
    tcp: { port: 0 },
    grpc: { port: 0 },
    storage: options.storage ?? {},
    streams: options.streams ?? {},
  });
  const logs = new LogLines();
  const env: NodeJS.ProcessEnv = { TICKSTREAM_ADMIN_PASSWORD: ADMIN_PASSWORD };
  if (options.databaseUrl !== undefined) env.DATABASE_URL = options.databaseUrl;
  const server = await startServer(config, createLogger({ level: 'info', destination: logs }), {
    env,
    storage: options.template === false ? {} : { loadDataDir: await pgliteTemplate() },
    metrics: new Metrics({ defaultMetrics: false }),
  });
  try {
    const admin = await server.auth.login('admin', ADMIN_PASSWORD);
    const created = await fetch(`${server.url}/api/auth/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'fault-load', role: 'writer' }),
    });
    if (created.status !== 201) throw new Error(`api key: ${created.status} ${await created.text()}`);
    const { key } = (await created.json()) as { key: string };
    return Object.assign(server, { logs, headers: { 'x-api-key': key } });
  } catch (err) {
    await server.close();
    throw err;
  }
}
