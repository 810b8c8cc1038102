import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { validateConfig } from '../src/config.js';
import { startServer, type RunningServer } from '../src/main.js';
import { createLogger } from '../src/observability/logger.js';
import { Metrics } from '../src/observability/metrics.js';
import { pgliteTemplate } from '../src/storage/pglite-template.test-support.js';
import { ADMIN_PASSWORD, LogLines } from './support/test-server.js';

/**
 * The whole server listening (HTTP, TCP, gRPC), fed by the load generator in a child process over
 * each protocol, the way an operator would drive it.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));

function cli(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli.ts'), ...args], {
      cwd: ROOT,
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.resume();
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

let server: RunningServer;
let apiKey: string;
const logs = new LogLines();

before(async () => {
  const config = validateConfig({
    dataDir: 'memory://',
    logLevel: 'info',
    simulation: { enabled: false },
    auth: { jwtSecret: 'test-secret-'.padEnd(48, 'x') },
    http: { host: '127.0.0.1', port: 0 },
    tcp: { port: 0 },
    // No address may call without credentials, so their refusal is tested here; the C++/Java
    // server's clients, allowed by address, are in test/compat/cpp.test.ts.
    grpc: { port: 0, allowAnonymous: [] },
  });
  server = await startServer(config, createLogger({ level: 'info', destination: logs }), {
    env: { TICKSTREAM_ADMIN_PASSWORD: ADMIN_PASSWORD },
    storage: { loadDataDir: await pgliteTemplate() },
    metrics: new Metrics({ defaultMetrics: false }),
  });
  const admin = await server.auth.login('admin', ADMIN_PASSWORD);
  const created = await fetch(`${server.url}/api/auth/api-keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin.accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'load', role: 'writer' }),
  });
  apiKey = ((await created.json()) as { key: string }).key;
});
after(() => server.close());

describe('tickstream serve, fed over every protocol', () => {
  const sends: Array<[string, () => string, string[]]> = [
    ['HTTP', () => server.url, ['--api-key']],
    ['TCP', () => `tcp://127.0.0.1:${server.tcp!.address.port}`, []],
    ['gRPC', () => `grpc://127.0.0.1:${server.grpc!.port}`, ['--api-key']],
  ];
  for (const [name, target, auth] of sends) {
    it(`accepts simulated ticks over ${name}`, async () => {
      const symbol = `LOAD${name.toUpperCase()}`;
      const before = server.engine.counters().accepted;
      const run = await cli([
        'simulate',
        '--target',
        target(),
        '--rate',
        '2000',
        '--duration',
        '1',
        '--seed',
        '3',
        '--symbols',
        symbol,
        ...auth.flatMap((flag) => [flag, apiKey]),
      ]);
      assert.equal(run.code, 0, run.stderr);
      // The threaded engine's queries answer from views: brought up to date first.
      await server.engine.refreshViews();
      const stats = server.engine.stats(symbol);
      assert.ok(
        stats !== undefined && stats.updateCount > 1000,
        `${name}: ${JSON.stringify(stats)} ${run.stderr}`,
      );
      assert.equal(server.engine.counters().accepted - before, stats.updateCount);
      assert.match(run.stderr, /accepted/);
    });
  }

  it('refuses a gRPC load without credentials', async () => {
    const run = await cli([
      'simulate',
      '--target',
      `grpc://127.0.0.1:${server.grpc!.port}`,
      '--rate',
      '100',
      '--duration',
      '1',
    ]);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /UNAUTHENTICATED|credentials|refused/i);
  });

  it('exports every part to Prometheus', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(text, /tickstream_ticks_total\{source="tcp",outcome="accepted"\} [1-9]/);
    assert.match(text, /tickstream_tcp_frames_total [1-9]/);
    assert.match(text, /tickstream_grpc_tick_streams_total [1-9]/);
    assert.match(text, /tickstream_grpc_refused_total [1-9]/);
    assert.match(text, /tickstream_ingest_batch_duration_seconds_count\{source="tcp"\} [1-9]/);
    assert.match(text, /tickstream_writer_queue_depth \d+/);
    assert.match(text, /tickstream_storage_batch_rows_count [1-9]/);
    assert.match(text, /tickstream_storage_rows_total\{table="ticks"\} [1-9]/);
  });

  it('serves the dashboard page and the API on the same port', async () => {
    const page = await fetch(server.url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html|<!doctype html/i);
    assert.equal((await fetch(`${server.url}/health`)).status, 200);
  });
});
