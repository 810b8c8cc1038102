import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { DayAggregates } from '../../engine/day-aggregates.js';
import { createTickReader, readTickBatches } from '../../feeds/read-ticks.js';
import { Simulator } from '../../feeds/simulator.js';
import { createLogger } from '../../observability/logger.js';
import type { Authenticator } from '../grpc/authenticator.js';
import { GrpcServer } from '../grpc/grpc-server.js';
import { engine } from '../ingest.test-support.js';
import { TcpIngestServer } from '../tcp/tcp-server.js';
import { parseAck } from './grpc-target.js';
import { ReplayedTicks, runLoad, SimulatedTicks, type LoadProgress } from './load-generator.js';
import { parseTarget } from './load-target.js';
import { progressLine, summaryLine } from './load-report.js';

const logger = createLogger({ level: 'silent' });
const BTC = fileURLToPath(new URL('../../../test/fixtures/btc_trades.csv', import.meta.url));
const stops: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

function simulated(seed: string) {
  return new SimulatedTicks(new Simulator({ seed, symbols: ['AAPL', 'MSFT', 'EURUSD', 'BTC-USD', 'X'] }));
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > 5000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

describe('load generator', () => {
  it('sends simulated ticks over TCP at the rate asked, symbols spread over connections, in order', async () => {
    const e = engine();
    const tcp = await TcpIngestServer.start(e, { host: '127.0.0.1', port: 0, allow: [] }, logger);
    stops.push(() => tcp.stop());
    const progress: LoadProgress[] = [];
    const summary = await runLoad({
      target: parseTarget(`tcp://127.0.0.1:${tcp.address.port}`),
      connections: 3,
      ratePerSecond: 10_000,
      durationMs: 400,
      source: simulated('1'),
      onProgress: (p) => progress.push(p),
      progressEveryMs: 100,
    });
    assert.equal(summary.sent, 4000);
    assert.equal(summary.accepted, undefined, 'TCP has no answers');
    assert.ok(progress.length >= 2, `${progress.length} progress reports`);
    await until(() => tcp.counters().accepted === 4000, 'every tick on the server');
    assert.deepEqual(tcp.counters().rejected, {}, 'none late: a symbol keeps to one connection');
    assert.equal(tcp.counters().connections, 3);
  });

  it('sends as fast as the server takes them with rate Infinity, and replays a file', async () => {
    const e = engine();
    const tcp = await TcpIngestServer.start(e, { host: '127.0.0.1', port: 0, allow: [] }, logger);
    stops.push(() => tcp.stop());
    const bad: number[] = [];
    const summary = await runLoad({
      target: parseTarget(`tcp://127.0.0.1:${tcp.address.port}`),
      connections: 1,
      ratePerSecond: Infinity,
      source: new ReplayedTicks(readTickBatches(createReadStream(BTC), createTickReader('csv')), (r) =>
        bad.push(r.line),
      ),
    });
    assert.equal(summary.sent, 5882);
    assert.deepEqual(bad, []);
    await until(() => tcp.counters().accepted === 5882, 'the whole file on the server');
    // The values crossed the wire exactly: the same as the file's records ingested directly.
    const direct = engine();
    for await (const records of readTickBatches(createReadStream(BTC), createTickReader('csv'))) {
      direct.ingest(
        records.flatMap((r) => (r.type === 'tick' ? [r.tick] : [])),
        'file',
        Date.now(),
      );
    }
    const { changeFromAverage: _a, ...sent } = e.stats('BTC-USD')!;
    const { changeFromAverage: _b, ...read } = direct.stats('BTC-USD')!;
    assert.deepEqual(sent, read);
    assert.equal(sent.updateCount, 5882);
  });

  it('sends over gRPC with a token and counts the Acks', async () => {
    const authenticator: Authenticator = {
      authenticate: ({ bearer }) => Promise.resolve(bearer === 'good' ? { role: 'writer' } : undefined),
    };
    const e = engine();
    const grpc = await GrpcServer.start(e, { host: '127.0.0.1', port: 0 }, logger, {
      authenticator,
      aggregates: new DayAggregates(),
    });
    stops.push(() => grpc.stop({ drainTimeoutMs: 100 }));
    const target = parseTarget(`grpc://127.0.0.1:${grpc.port}`);
    const summary = await runLoad({
      target,
      auth: { token: 'good' },
      connections: 2,
      ratePerSecond: 20_000,
      durationMs: 300,
      source: simulated('2'),
    });
    assert.equal(summary.sent, 6000);
    assert.equal(summary.accepted, 6000);
    assert.equal(e.counters().accepted, 6000);
    await assert.rejects(
      runLoad({
        target,
        auth: { token: 'bad' },
        connections: 1,
        ratePerSecond: 1000,
        durationMs: 300,
        source: simulated('3'),
      }),
      (err: { code?: string; message: string }) =>
        err.code === 'TARGET_REFUSED' && /UNAUTHENTICATED/.test(err.message),
    );
  });

  it('posts JSON batches over HTTP, retries on 503 and 429, counts rejections, stops on 401', async () => {
    const requests: Array<{ headers: IncomingMessage['headers']; body: unknown[] }> = [];
    let busy = 2;
    const server: Server = createServer((req, res) => {
      let text = '';
      req.setEncoding('utf8').on('data', (d: string) => (text += d));
      req.on('end', () => {
        if (req.headers['x-api-key'] !== 'k') {
          res.writeHead(401, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 'AUTH_REQUIRED', message: 'invalid API key' } }));
          return;
        }
        if (busy-- > 0) {
          res.writeHead(busy === 1 ? 503 : 429, { 'retry-after': '0' });
          res.end();
          return;
        }
        const body = JSON.parse(text) as Array<{ price: number }>;
        requests.push({ headers: req.headers, body });
        const rejected = body.flatMap((t, index) =>
          t.price > 100 ? [{ index, reason: 'invalid_price' }] : [],
        );
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ accepted: body.length - rejected.length, rejected }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    stops.push(() => new Promise((resolve) => server.close(resolve)));
    const target = parseTarget(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const summary = await runLoad({
      target,
      auth: { apiKey: 'k' },
      connections: 1,
      ratePerSecond: Infinity,
      durationMs: 200,
      source: simulated('4'),
    });
    assert.ok(summary.sent > 0);
    assert.equal(summary.accepted! + summary.rejected, summary.sent);
    assert.ok(summary.rejected > 0 && summary.accepted! > 0);
    assert.deepEqual(Object.keys(summary.rejectedByReason), ['invalid_price']);
    assert.ok(
      requests.every((r) => r.body.length <= 1000 && r.headers['content-type'] === 'application/json'),
    );
    assert.equal(
      requests.reduce((n, r) => n + r.body.length, 0),
      summary.sent,
    );
    await assert.rejects(
      runLoad({ target, connections: 1, ratePerSecond: 100, durationMs: 100, source: simulated('5') }),
      (err: { code?: string; message: string }) =>
        err.code === 'TARGET_REFUSED' && /401 AUTH_REQUIRED/.test(err.message),
    );
  });

  it('reports an unreachable target', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    await new Promise((resolve) => blocker.close(resolve));
    for (const protocol of ['tcp', 'grpc', 'http']) {
      await assert.rejects(
        runLoad({
          target: parseTarget(`${protocol}://127.0.0.1:${port}`),
          connections: 1,
          ratePerSecond: 100,
          durationMs: 100,
          source: simulated('6'),
        }),
        (err: { code?: string }) => err.code === 'TARGET_UNREACHABLE',
        protocol,
      );
    }
  });
});

describe('load generator parts', () => {
  it('parses targets, with default ports', () => {
    assert.deepEqual(parseTarget('tcp://127.0.0.1:5000'), {
      protocol: 'tcp',
      host: '127.0.0.1',
      port: 5000,
      text: 'tcp://127.0.0.1:5000',
    });
    assert.equal(parseTarget('grpc://localhost').port, 50051);
    assert.equal(parseTarget('http://[::1]').host, '::1');
    for (const bad of ['127.0.0.1:50050', 'udp://x:1', 'http://x:1/api', 'tcp://']) {
      assert.throws(() => parseTarget(bad), /--target must be/);
    }
  });

  it('reads the counts of an Ack', () => {
    assert.deepEqual(parseAck('Received 5 ticks'), { accepted: 5, rejected: {} });
    assert.deepEqual(parseAck('Received 0 ticks; rejected 3 (invalid_price: 2, malformed: 1)'), {
      accepted: 0,
      rejected: { invalid_price: 2, malformed: 1 },
    });
  });

  it('formats progress and the summary', () => {
    const p = { sent: 12_345, accepted: undefined, rejected: 0, elapsedMs: 1500, ratePerSecond: 8230 };
    assert.equal(progressLine(p), 'sent 12,345  accepted n/a  rejected 0  rate 8,230 ticks/s  1.5 s');
    assert.equal(
      summaryLine(
        { ...p, accepted: 12_000, rejected: 345, rejectedByReason: { late: 300, duplicate: 45 } },
        'grpc://h:1',
        2,
      ),
      'sent 12,345 ticks to grpc://h:1 over 2 connections in 1.5 s (8,230 ticks/s); accepted 12,000, rejected 345 (duplicate: 45, late: 300)',
    );
    assert.match(
      summaryLine({ ...p, rejectedByReason: {} }, 'tcp://h:1', 1),
      /TCP ingest does not acknowledge/,
    );
  });
});
