import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';

import type { InjectOptions } from 'fastify';

import { analyze } from '../src/commands/analyze.js';
import type { Server } from '../src/main.js';
import { errorOf, testServer, userWith, type LogLines, type Session } from './support/test-server.js';

const NASDAQ = 'test/fixtures/nasdaq_trades.csv';
const outside = mkdtempSync(join(tmpdir(), 'tickstream-replay-outside-'));
const allowed = mkdtempSync(join(tmpdir(), 'tickstream-replay-allowed-'));
writeFileSync(join(outside, 'secret.csv'), 'symbol,price,timestamp\nSECRET,1,1000\n');
symlinkSync(join(outside, 'secret.csv'), join(allowed, 'link.csv'));
writeFileSync(join(allowed, 'two.csv'), 'symbol,price,timestamp\nTWO,1,1000\nTWO,2,2000\n');

let server: Server & { logs: LogLines };
let writer: Session;
let reader: Session;
before(async () => {
  server = await testServer({
    http: { loginRateLimitPerMinute: 10_000 },
    intervals: ['1m', '5m'],
    anomalyThresholdPercent: 0.05,
    replay: { allowedDirs: ['test/fixtures', allowed], maxConcurrent: 2 },
  });
  writer = await userWith(server, 'writer');
  reader = await userWith(server, 'reader');
});
after(async () => {
  await server.close();
  rmSync(outside, { recursive: true, force: true });
  rmSync(allowed, { recursive: true, force: true });
});

const inject = (options: InjectOptions) => server.app.inject(options);
const start = (payload: Record<string, unknown>, headers: Record<string, string> = writer.headers) =>
  inject({ method: 'POST', url: '/api/replays', payload, headers });

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > end) throw new Error(`timed out; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const replayOf = async (id: string) =>
  (await inject({ method: 'GET', url: `/api/replays/${id}`, headers: reader.headers })).json<
    Record<string, unknown>
  >();

describe('/api/replays: auth and bad input', () => {
  it('needs credentials, and the writer role to start, change or stop', async () => {
    assert.equal((await start({ file: NASDAQ }, {})).statusCode, 401);
    const res = await start({ file: NASDAQ }, reader.headers);
    assert.equal(res.statusCode, 403);
    assert.equal(errorOf(res).code, 'FORBIDDEN');
    assert.equal((await inject({ method: 'GET', url: '/api/replays' })).statusCode, 401);
    assert.equal(
      (await inject({ method: 'DELETE', url: '/api/replays/x', headers: reader.headers })).statusCode,
      403,
    );
  });

  it('refuses paths outside the allowed directories without opening them', async () => {
    for (const file of [
      join(outside, 'secret.csv'), // exists
      join(outside, 'missing.csv'), // does not: same answer, so nothing was looked at
      'test/fixtures/../../package.json',
      '/etc/passwd',
      join(allowed, 'link.csv'), // a link inside that leads out
    ]) {
      const res = await start({ file });
      assert.equal(res.statusCode, 403, file);
      assert.equal(errorOf(res).code, 'REPLAY_PATH_REFUSED', file);
    }
    assert.equal(
      server.engine.symbols().some((s) => s === 'SECRET'),
      false,
    );
  });

  it('answers an unknown file, a bad speed, a bad body and an unknown replay', async () => {
    const missing = await start({ file: 'test/fixtures/nope.csv' });
    assert.equal(missing.statusCode, 404);
    assert.equal(errorOf(missing).code, 'NOT_FOUND');
    for (const payload of [
      { file: NASDAQ, speed: 0 },
      { file: NASDAQ, speed: 'fast' },
      { file: NASDAQ, from: 'yesterday' },
      { file: NASDAQ, symbols: ['A'] },
      {},
      { file: NASDAQ, bogus: 1 },
      { file: NASDAQ, map: 'nonsense' },
    ]) {
      const res = await start(payload);
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      assert.equal(errorOf(res).code, 'BAD_REQUEST', JSON.stringify(payload));
    }
    const unknown = await inject({ method: 'GET', url: '/api/replays/nope', headers: reader.headers });
    assert.equal(unknown.statusCode, 404);
    const patch = await inject({
      method: 'PATCH',
      url: '/api/replays/nope',
      headers: writer.headers,
      payload: { state: 'paused' },
    });
    assert.equal(patch.statusCode, 404);
  });
});

describe('/api/replays: control', () => {
  it('pauses, seeks, changes speed and stops; a replay marks its ticks replay:{id}', async () => {
    const res = await start({ file: join(allowed, 'two.csv'), speed: 1, rebase: true });
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json<Record<string, unknown>>();
    assert.match(body.id as string, /^[0-9a-f]{8}$/);
    assert.equal(body.source, `replay:${body.id as string}`);
    assert.equal(body.total, 2);
    const id = body.id as string;
    const paused = await inject({
      method: 'PATCH',
      url: `/api/replays/${id}`,
      headers: writer.headers,
      payload: { state: 'paused', speed: 10, position: 1500 },
    });
    assert.equal(paused.statusCode, 200, paused.body);
    assert.equal(paused.json<Record<string, unknown>>().state, 'paused');
    assert.equal(paused.json<Record<string, unknown>>().speed, 10);
    assert.equal(paused.json<Record<string, unknown>>().position, new Date(1500).toISOString());
    await inject({
      method: 'PATCH',
      url: `/api/replays/${id}`,
      headers: writer.headers,
      payload: { state: 'running' },
    });
    const done = await until(
      () => replayOf(id),
      (r) => r.state === 'finished',
    );
    assert.equal(done.accepted, 2, JSON.stringify(done));
    assert.ok((server.engine.counters().bySource[`replay:${id}`]?.accepted ?? 0) >= 1);
    const stopped = await inject({ method: 'DELETE', url: `/api/replays/${id}`, headers: writer.headers });
    assert.equal(stopped.statusCode, 200);
    assert.equal(stopped.json<Record<string, unknown>>().state, 'finished');
    const list = await inject({ method: 'GET', url: '/api/replays', headers: reader.headers });
    assert.ok(list.json<Array<{ id: string }>>().some((r) => r.id === id));
  });

  it('runs at most replay.maxConcurrent at once', async () => {
    const a = await start({ file: join(allowed, 'two.csv'), speed: 0.0001 });
    const b = await start({ file: join(allowed, 'two.csv'), speed: 0.0001 });
    const c = await start({ file: join(allowed, 'two.csv'), speed: 0.0001 });
    assert.equal(a.statusCode, 201);
    assert.equal(b.statusCode, 201);
    assert.equal(c.statusCode, 409);
    assert.equal(errorOf(c).code, 'REPLAY_LIMIT');
    for (const r of [a, b]) {
      const id = r.json<{ id: string }>().id;
      const res = await inject({ method: 'DELETE', url: `/api/replays/${id}`, headers: writer.headers });
      assert.equal(res.json<Record<string, unknown>>().state, 'stopped');
    }
  });
});

describe('/api/replays: output', () => {
  it('a replay with storage stores exactly the anomalies and candles analyze finds in the file', async () => {
    let text = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        text += chunk.toString();
        done();
      },
    });
    await analyze(
      resolve(NASDAQ),
      { map: 'symbol=id', intervals: '1m,5m', thresholdPercent: '0.05' },
      sink,
      new Writable({ write: (_c, _e, done) => done() }),
    );
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const expectedAnomalies = lines.filter((l) => l.type === 'anomaly').map(({ type: _t, ...a }) => a);
    const expectedCandles = lines.filter((l) => l.type === 'candle').map(({ type: _t, ...c }) => c);
    assert.ok(expectedAnomalies.length > 10, 'the file has anomalies at 0.05 %');

    const res = await start({ file: NASDAQ, map: 'symbol=id', speed: 'max', rebase: false, store: true });
    assert.equal(res.statusCode, 201, res.body);
    const id = res.json<{ id: string }>().id;
    const done = await until(
      () => replayOf(id),
      (r) => r.state === 'finished',
    );
    assert.equal(done.rejected, 0, JSON.stringify(done));
    await server.storage.writer.flush();

    const symbols = [...new Set(expectedCandles.map((c) => c.symbol as string))].sort();
    const stored = await server.storage.database.marketData.anomalies({ limit: 10_000 });
    const storedAnomalies = stored
      .filter((a) => symbols.includes(a.symbol))
      .sort((a, b) => a.ingestSeq - b.ingestSeq)
      .map(({ id: _id, ingestSeq: _s, ...a }) => a);
    // Each symbol's in its order; across symbols a threaded engine has no order (DESIGN §8).
    const bySymbol = <T extends { symbol?: unknown }>(list: T[]): T[] =>
      [...list].sort((a, b) =>
        String(a.symbol) < String(b.symbol) ? -1 : String(a.symbol) > String(b.symbol) ? 1 : 0,
      );
    assert.deepEqual(bySymbol(storedAnomalies), bySymbol(expectedAnomalies));

    const storedCandles: Array<Record<string, unknown>> = [];
    for (const symbol of symbols) {
      for (const interval of ['1m', '5m']) {
        for (const c of await server.storage.database.marketData.candles({
          symbol,
          interval,
          limit: 10_000,
        })) {
          storedCandles.push({
            symbol: c.symbol,
            interval: c.interval,
            start: c.start,
            end: c.end,
            open: c.open,
            high: c.high,
            low: c.low,
            close: c.close,
            volume: c.volume,
            trades: c.trades,
            vwap: c.vwap,
          });
        }
      }
    }
    const key = (c: Record<string, unknown>) =>
      `${c.symbol as string} ${c.interval as string} ${c.start as number}`;
    const sort = (list: Array<Record<string, unknown>>) =>
      [...list].sort((a, b) => (key(a) < key(b) ? -1 : 1));
    assert.deepEqual(sort(storedCandles), sort(expectedCandles));
  });
});
