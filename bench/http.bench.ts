/**
 * Scenario `http`: the HTTP ingest path, each figure beside its ceiling in the same run.
 *
 * (a) single-tick POST /api/prices with a valid JWT (auth, validation, engine), requests/s and
 *     p99, beside a no-op POST route on a bare Fastify instance taking the same body;
 * (b) batch POST /api/prices/batch of 1,000-tick JSON bodies, ticks/s, beside a route on the bare
 *     instance that only parses the body.
 *
 * The load generator (autocannon) runs in a child process on the same 2-core machine: server and
 * client share the CPU. The storage writer is not attached (its own scenario is `store`), so this
 * measures HTTP, auth, validation and the engine, not the database. Logging is at `warn`.
 * Each load and its ceiling take turns three times (5 s each); the figures are the medians.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import Fastify from 'fastify';

import { buildApp } from '../src/api/app.js';
import { AccessTokens } from '../src/auth/access-tokens.js';
import { AccountStore } from '../src/auth/account-store.js';
import { AuthService } from '../src/auth/auth-service.js';
import { validateConfig } from '../src/config.js';
import { DayAggregates } from '../src/engine/day-aggregates.js';
import { Engine } from '../src/engine/engine.js';
import { Random } from '../src/feeds/random.js';
import { createLogger } from '../src/observability/logger.js';
import { Metrics } from '../src/observability/metrics.js';
import { memoryDatabase } from '../src/storage/pglite-template.test-support.js';
import { printTable, writeResult } from './report.js';

const run_ = promisify(execFile);
const AUTOCANNON = join(import.meta.dirname, '..', 'node_modules', '.bin', 'autocannon');

interface Load {
  readonly requestsPerSec: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly non2xx: number;
}

async function load(
  url: string,
  bodyFile: string,
  headers: Record<string, string>,
  seconds: number,
  connections: number,
): Promise<Load> {
  const args = ['-j', '-c', String(connections), '-d', String(seconds), '-m', 'POST', '-i', bodyFile];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}=${v}`);
  const { stdout } = await run_(AUTOCANNON, [...args, url], { maxBuffer: 64 << 20 });
  const r = JSON.parse(stdout) as {
    requests: { average: number };
    latency: { p99: number };
    errors: number;
    non2xx: number;
  };
  return { requestsPerSec: r.requests.average, p99Ms: r.latency.p99, errors: r.errors, non2xx: r.non2xx };
}

/**
 * Runs `a` and `b` in turn, `rounds` times. Answers the median run of each (by rate), with the
 * errors of every run added up.
 */
async function paired(a: () => Promise<Load>, b: () => Promise<Load>, rounds: number): Promise<[Load, Load]> {
  const as: Load[] = [];
  const bs: Load[] = [];
  for (let r = 0; r < rounds; r++) {
    as.push(await a());
    bs.push(await b());
  }
  return [median(as), median(bs)];
}

function median(runs: Load[]): Load {
  const sorted = [...runs].sort((x, y) => x.requestsPerSec - y.requestsPerSec);
  const mid = sorted[(sorted.length - 1) >> 1]!;
  const sum = (f: (l: Load) => number) => runs.reduce((n, l) => n + f(l), 0);
  return { ...mid, errors: sum((l) => l.errors), non2xx: sum((l) => l.non2xx) };
}

export async function run(options: string[]): Promise<void> {
  const quick = options.includes('--quick');
  // Each load and its ceiling take turns, `rounds` times, so the machine's drift hits both alike.
  const rounds = quick ? 1 : 3;
  const seconds = quick ? 3 : 5;
  const config = validateConfig({
    dataDir: 'memory://',
    logLevel: 'warn',
    simulation: { enabled: false },
    auth: { jwtSecret: 'bench-secret-'.padEnd(48, 'x') },
    http: { rateLimitPerMinute: 100_000_000, loginRateLimitPerMinute: 1000, maxBatch: 10_000 },
  });
  const log = createLogger({ level: 'warn' });
  const engine = new Engine(config);
  const database = await memoryDatabase();
  const auth = new AuthService(
    new AccountStore(database.driver),
    new AccessTokens(new TextEncoder().encode(config.auth.jwtSecret)),
    config.auth,
    log,
  );
  await auth.ensureAdmin('bench-password');
  const app = await buildApp({
    config,
    engine,
    marketData: database.marketData,
    aggregates: new DayAggregates(),
    auth,
    metrics: new Metrics({ defaultMetrics: false }),
    log,
  });
  const appUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  const { accessToken } = await auth.login('admin', 'bench-password');

  // The ceilings: the same bodies on a Fastify instance with nothing but the route.
  const bare = Fastify();
  bare.post('/noop', () => ({ ok: true }));
  bare.post('/parse', (request) => ({ n: (request.body as unknown[]).length }));
  const bareUrl = await bare.listen({ host: '127.0.0.1', port: 0 });

  const dir = mkdtempSync(join(tmpdir(), 'tickstream-http-bench-'));
  const single = join(dir, 'single.json');
  writeFileSync(single, JSON.stringify({ symbol: 'AAPL', price: 187.25, volume: 100 }));
  const random = new Random('tickstream-http-bench');
  const batchTicks = Array.from({ length: 1000 }, (_, i) => ({
    symbol: `SYM${random.int(100)}`,
    price: Math.round((100 + random.next()) * 100) / 100,
    volume: random.int(1000),
    seq: i,
  }));
  // seq makes every tick of a replayed body a duplicate after the first pass: drop it so each
  // request is processed in full (timestamps absent: the receive time, never late).
  const batch = join(dir, 'batch.json');
  writeFileSync(batch, JSON.stringify(batchTicks.map(({ seq: _seq, ...t }) => t)));

  const json = { 'content-type': 'application/json' };
  const bearer = { ...json, authorization: `Bearer ${accessToken}` };
  const [noop, jwt] = await paired(
    () => load(`${bareUrl}/noop`, single, json, seconds, 64),
    () => load(`${appUrl}/api/prices`, single, bearer, seconds, 64),
    rounds,
  );
  const [parse, ingest] = await paired(
    () => load(`${bareUrl}/parse`, batch, json, seconds, 16),
    () => load(`${appUrl}/api/prices/batch`, batch, bearer, seconds, 16),
    rounds,
  );

  await app.close();
  await bare.close();
  await database.close();

  const failures = jwt.errors + jwt.non2xx + ingest.errors + ingest.non2xx;
  printTable('http', [
    {
      name: 'single tick POST with JWT',
      value: jwt.requestsPerSec,
      unit: 'req/s',
      ceiling: noop.requestsPerSec,
      note: `p99 ${jwt.p99Ms} ms (no-op p99 ${noop.p99Ms} ms)`,
    },
    {
      name: 'batch POST, 1,000 ticks per body',
      value: ingest.requestsPerSec * 1000,
      unit: 'ticks/s',
      ceiling: parse.requestsPerSec * 1000,
      note: `p99 ${ingest.p99Ms} ms; ${failures} failed responses`,
    },
  ]);
  console.log(
    `load generator: autocannon in a child process on the same machine (2 cores shared); ` +
      `median of ${rounds} alternating ${seconds} s runs of each`,
  );
  const path = writeResult('http', {
    scenario: 'http',
    single: {
      requestsPerSec: jwt.requestsPerSec,
      p99Ms: jwt.p99Ms,
      ceilingRequestsPerSec: noop.requestsPerSec,
      ratio: jwt.requestsPerSec / noop.requestsPerSec,
    },
    batch: {
      ticksPerSec: ingest.requestsPerSec * 1000,
      p99Ms: ingest.p99Ms,
      ceilingTicksPerSec: parse.requestsPerSec * 1000,
      ratio: ingest.requestsPerSec / parse.requestsPerSec,
    },
    failedResponses: failures,
    loadGenerator: 'autocannon, child process, same machine',
  });
  console.log(`wrote ${path}`);
}
