import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { engine } from '../src/ingest/ingest.test-support.js';
import { TcpIngestServer } from '../src/ingest/tcp/tcp-server.js';
import { createLogger } from '../src/observability/logger.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'src/cli.ts');

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

// The HTTP target's end-to-end test against the real server belongs to the HTTP server's tests;
// src/ingest/load covers it against the documented contract.
describe('tickstream simulate --target', () => {
  it('sends simulated ticks to a TCP ingest, with progress and a summary on stderr', async () => {
    const tcp = await TcpIngestServer.start(
      engine(),
      { host: '127.0.0.1', port: 0, allow: [] },
      createLogger({ level: 'silent' }),
    );
    try {
      const target = `tcp://127.0.0.1:${tcp.address.port}`;
      const run = await cli([
        'simulate',
        '--target',
        target,
        '--rate',
        '2000',
        '--duration',
        '1.5',
        '--seed',
        '9',
      ]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, '', 'no NDJSON when sending to a target');
      assert.match(run.stderr, /^sent [\d,]+ {2}accepted n\/a {2}rejected 0 {2}rate [\d,]+ ticks\/s/m);
      assert.match(run.stderr, new RegExp(`sent 3,000 ticks to ${target} over 1 connection in`));
      assert.equal(tcp.counters().accepted, 3000);
    } finally {
      await tcp.stop();
    }
  });

  it('refuses options that need a target, and bad targets, as usage errors (exit 2)', async () => {
    const noTarget = await cli(['simulate', '--file', 'x.csv']);
    assert.equal(noTarget.code, 2);
    assert.match(noTarget.stderr, /--file needs --target/);
    const badTarget = await cli(['simulate', '--target', 'udp://x:1']);
    assert.equal(badTarget.code, 2);
    assert.match(badTarget.stderr, /--target must be tcp:\/\/HOST:PORT/);
  });
});
