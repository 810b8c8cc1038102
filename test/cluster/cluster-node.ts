import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

import { connect } from 'nats';

/**
 * A cluster node as an operator runs it: `tickstream serve` with NATS_URL and DATABASE_URL, in a
 * process of its own (so a test can SIGKILL it), HTTP on an ephemeral port.
 */
export interface NodeProcess {
  readonly nodeId: string;
  readonly url: string;
  readonly child: ChildProcess;
  readonly logs: string[];
  /** Resolves with the exit code or signal. */
  readonly exited: Promise<string>;
}

const BIN = new URL('../../bin/tickstream', import.meta.url).pathname;

export const JWT_SECRET = 'cluster-test-secret-'.padEnd(48, 'x');
export const ADMIN = 'cluster-admin-password';

export async function startNode(options: {
  nodeId: string;
  cluster: string;
  natsUrl: string;
  databaseUrl: string;
  dataDir: string;
  leaseTtlMs: number;
  partitions?: number;
  /** `cluster.roles` (default: all). */
  roles?: readonly string[];
  /** false: a single-process server on the same database (no NATS_URL), for comparison. */
  clustered?: boolean;
}): Promise<NodeProcess> {
  const clustered = options.clustered !== false;
  const child = spawn(
    process.execPath,
    [
      BIN,
      'serve',
      '--no-ingest-servers',
      '--simulation-enabled',
      'false',
      '--data-dir',
      options.dataDir,
      '--http-host',
      '127.0.0.1',
      '--partitions',
      '1',
      ...(clustered
        ? [
            '--cluster-name',
            options.cluster,
            '--cluster-node-id',
            options.nodeId,
            '--cluster-lease-ttl-ms',
            String(options.leaseTtlMs),
            // Generous: a read on a machine running two test suites at once still sees every ack.
            '--cluster-read-wait-ms',
            '10000',
            '--cluster-partitions',
            String(options.partitions ?? 16),
            ...(options.roles === undefined ? [] : ['--cluster-roles', options.roles.join(',')]),
          ]
        : []),
    ],
    {
      env: {
        PATH: process.env.PATH,
        ...(clustered ? { NATS_URL: options.natsUrl } : {}),
        DATABASE_URL: options.databaseUrl,
        PORT: '0',
        TICKSTREAM_ADMIN_PASSWORD: ADMIN,
        TICKSTREAM_AUTH_JWT_SECRET: JWT_SECRET,
        TICKSTREAM_HTTP_RATE_LIMIT_PER_MINUTE: '10000000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const logs: string[] = [];
  const exited = new Promise<string>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? String(code))),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      logs.push(line);
      if (line.includes('tickstream is running')) {
        const parsed = JSON.parse(line) as { http: string };
        resolve(parsed.http);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
    void exited.then((how) =>
      reject(new Error(`node ${options.nodeId} exited (${how}) before listening:\n${logs.join('\n')}`)),
    );
  });
  return { nodeId: options.nodeId, url, child, logs, exited };
}

/** Stops a node: SIGTERM (it gives its partitions up), SIGKILL after `graceMs`. */
export async function stopNode(node: NodeProcess, graceMs = 15_000): Promise<void> {
  if (node.child.exitCode !== null || node.child.signalCode !== null) return;
  node.child.kill('SIGTERM');
  const timer = setTimeout(() => node.child.kill('SIGKILL'), graceMs);
  await node.exited;
  clearTimeout(timer);
}

/** The services the cluster tests need (TEST_NATS_URL, TEST_DATABASE_URL): required in CI, else skipped. */
export const NATS_URL = process.env.TEST_NATS_URL ?? '';
export const DB_URL = process.env.TEST_DATABASE_URL ?? '';
export function clusterSkip(): string | false {
  if (NATS_URL !== '' && DB_URL !== '') return false;
  if (process.env.CI === 'true') throw new Error('TEST_NATS_URL and TEST_DATABASE_URL are required in CI');
  const reason = 'TEST_NATS_URL or TEST_DATABASE_URL not set: cluster tests skipped';
  process.stderr.write(`NOTICE: ${reason}\n`);
  return reason;
}

/** Deletes what a cluster named `cluster` made in NATS: its two streams and two buckets. */
export async function deleteClusterStreams(natsUrl: string, cluster: string): Promise<void> {
  const nc = await connect({ servers: natsUrl });
  const jsm = await nc.jetstreamManager();
  for (const stream of [`${cluster}_ticks`, `${cluster}_live`, `KV_${cluster}_leases`, `KV_${cluster}_meta`])
    await jsm.streams.delete(stream).catch(() => {});
  await nc.close();
}
