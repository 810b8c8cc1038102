import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { InjectOptions } from 'fastify';

import type { Server } from '../src/main.js';
import { errorOf, login, testServer, userWith, type LogLines, type Session } from './support/test-server.js';

let server: Server & { logs: LogLines };
let writer: Session;
let reader: Session;
before(async () => {
  server = await testServer({ http: { loginRateLimitPerMinute: 10_000, maxBatch: 50 } });
  writer = await userWith(server, 'writer');
  reader = await userWith(server, 'reader');
});
after(() => server.close());

const inject = (options: InjectOptions) => server.app.inject(options);
const post = (url: string, payload: unknown, headers: Record<string, string> = writer.headers) =>
  inject({ method: 'POST', url, payload: payload as InjectOptions['payload'], headers });
const get = (url: string, headers: Record<string, string> = reader.headers) =>
  inject({ method: 'GET', url, headers });
const T0 = Date.now() - 60_000;

describe('POST /api/prices', () => {
  it('accepts one tick with the earlier system’s answer', async () => {
    const res = await post('/api/prices', { symbol: ' msft ', price: 410.5, timestamp: T0, volume: 3 });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json<Record<string, unknown>>();
    assert.deepEqual(body, {
      symbol: 'MSFT',
      price: 410.5,
      timestamp: new Date(T0).toISOString(),
      processedAt: body.processedAt,
      success: true,
      message: 'Price update processed',
    });
    assert.ok(Math.abs(Date.parse(body.processedAt as string) - Date.now()) < 5000);
  });

  it('answers each bad tick with its reason: 400, or 422 for late and duplicate', async () => {
    await post('/api/prices', { symbol: 'R', price: 10, timestamp: T0 + 10_000, seq: 5 });
    const cases: Array<[unknown, number, string]> = [
      [{ symbol: 'bad symbol!', price: 1 }, 400, 'invalid_symbol'],
      [{ symbol: 'R', price: -3 }, 400, 'invalid_price'],
      [{ symbol: 'R', price: 'abc' }, 400, 'invalid_price'],
      [{ symbol: 'R', price: 1, volume: -1 }, 400, 'invalid_volume'],
      [{ symbol: 'R', price: 1, timestamp: 'yesterday' }, 400, 'invalid_timestamp'],
      [{ symbol: 'R', price: 1, timestamp: Date.now() + 3_600_000 }, 400, 'future_timestamp'],
      [{ symbol: 'R', price: 1, id: '' }, 400, 'invalid_id'],
      [{ symbol: 'R', price: 1, timestamp: T0 + 10_000, seq: 5 }, 422, 'duplicate'],
      [{ symbol: 'R', price: 1, timestamp: T0 }, 422, 'late'],
    ];
    for (const [payload, status, reason] of cases) {
      const res = await post('/api/prices', payload);
      assert.equal(res.statusCode, status, JSON.stringify(payload));
      assert.deepEqual(errorOf(res), { code: 'TICK_REJECTED', message: `tick rejected: ${reason}`, reason });
    }
  });

  it('refuses malformed JSON, unknown fields, wrong types and a missing price with 400', async () => {
    const raw = await inject({
      method: 'POST',
      url: '/api/prices',
      headers: { ...writer.headers, 'content-type': 'application/json' },
      payload: '{"symbol": "X", "price": ',
    });
    assert.equal(raw.statusCode, 400);
    assert.equal(errorOf(raw).code, 'BAD_REQUEST');
    for (const payload of [
      { symbol: 'X', price: 1, colour: 'red' },
      { symbol: 'X', price: true },
      { symbol: 'X' },
      { symbol: 'X', price: 1, seq: 1.5 },
      [],
    ]) {
      const res = await post('/api/prices', payload);
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      assert.equal(errorOf(res).code, 'BAD_REQUEST');
      assert.ok(!res.body.includes('at '), 'no stack trace');
    }
    assert.match(
      errorOf(await post('/api/prices', { symbol: 'X', price: 1, colour: 'red' })).message,
      /unknown field colour/,
    );
  });

  it('refuses a body over the limit with 413', async () => {
    const res = await post('/api/prices', { symbol: 'X', price: 1, id: 'x'.repeat(2_000_000) });
    assert.equal(res.statusCode, 413);
    assert.equal(errorOf(res).code, 'PAYLOAD_TOO_LARGE');
  });

  it('waits for the commit with ack=persisted', async () => {
    const res = await post('/api/prices?ack=persisted', {
      symbol: 'DURABLE',
      price: 7,
      timestamp: T0,
      id: 'd-1',
    });
    assert.equal(res.statusCode, 200);
    const stored = await server.storage.database.marketData.ticks({ symbol: 'DURABLE' });
    assert.deepEqual(
      stored.ticks.map((t) => [t.price, t.id]),
      [[7, 'd-1']],
    );
  });
});

describe('POST /api/prices/batch', () => {
  it('takes a JSON array and answers per item', async () => {
    const res = await post('/api/prices/batch', [
      { symbol: 'B1', price: 1, timestamp: T0 },
      { symbol: 'B1', price: 0, timestamp: T0 },
      { symbol: 'B2', price: 2, timestamp: T0, amount: 4 },
      null,
    ]);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), {
      accepted: 2,
      rejected: [
        { index: 1, reason: 'invalid_price' },
        { index: 3, reason: 'invalid_symbol' },
      ],
    });
  });

  it('takes NDJSON, with ack=persisted', async () => {
    const lines = Array.from({ length: 20 }, (_, i) =>
      JSON.stringify({ symbol: 'ND', price: 100 + i, timestamp: T0 + i }),
    );
    const res = await inject({
      method: 'POST',
      url: '/api/prices/batch?ack=persisted',
      headers: { ...writer.headers, 'content-type': 'application/x-ndjson' },
      payload: lines.join('\r\n') + '\n\n',
    });
    assert.deepEqual(res.json(), { accepted: 20, rejected: [] });
    assert.equal((await server.storage.database.marketData.ticks({ symbol: 'ND' })).ticks.length, 20);
    const bad = await inject({
      method: 'POST',
      url: '/api/prices/batch',
      headers: { ...writer.headers, 'content-type': 'application/x-ndjson' },
      payload: '{"symbol":"ND","price":1}\n{oops\n',
    });
    assert.equal(bad.statusCode, 400);
    assert.match(errorOf(bad).message, /line 2/);
  });

  it('refuses more than maxBatch ticks with 413, a non-array with 400, and unknown fields with 400', async () => {
    const many = Array.from({ length: 51 }, () => ({ symbol: 'M', price: 1 }));
    const res = await post('/api/prices/batch', many);
    assert.equal(res.statusCode, 413);
    assert.match(errorOf(res).message, /at most 50/);
    assert.equal((await post('/api/prices/batch', { symbol: 'M', price: 1 })).statusCode, 400);
    const unknown = await post('/api/prices/batch', [
      { symbol: 'M', price: 1 },
      { symbol: 'M', price: 1, side: 'buy' },
    ]);
    assert.equal(unknown.statusCode, 400);
    assert.match(errorOf(unknown).message, /tick 1: unknown field side/);
    assert.equal(server.engine.stats('M'), undefined, 'nothing of a refused batch was ingested');
  });

  it('needs the writer role', async () => {
    assert.equal((await post('/api/prices/batch', [], reader.headers)).statusCode, 403);
    assert.equal((await post('/api/prices/batch', [], {})).statusCode, 401);
  });
});

describe('statistics, history and anomalies', () => {
  it('serves statistics of every symbol and of one; 404 for an unknown one', async () => {
    await post('/api/prices/batch', [
      { symbol: 'ST', price: 10, timestamp: T0, volume: 1 },
      { symbol: 'ST', price: 12, timestamp: T0 + 1, volume: 2 },
    ]);
    const one = await get('/api/prices/st');
    assert.equal(one.statusCode, 200);
    assert.deepEqual(one.json(), {
      symbol: 'ST',
      currentPrice: 12,
      movingAverage: 11,
      updateCount: 2,
      lastUpdateTime: new Date(T0 + 1).toISOString(),
      minPrice: 10,
      maxPrice: 12,
      changeFromAverage: ((12 - 11) / 11) * 100,
      volume: 3,
    });
    assert.deepEqual((await get('/api/prices/ST/statistics')).json(), one.json());
    const all = await get('/api/prices');
    assert.ok(all.json<Array<{ symbol: string }>>().some((s) => s.symbol === 'ST'));
    const missing = await get('/api/prices/NOPE');
    assert.equal(missing.statusCode, 404);
    assert.equal(errorOf(missing).code, 'NOT_FOUND');
  });

  it('serves candles merged with the live one, with indicators, and checks its parameters', async () => {
    const base = Math.floor(T0 / 60_000) * 60_000 - 10 * 60_000;
    const ticks = Array.from({ length: 10 }, (_, i) => ({
      symbol: 'CN',
      price: 100 + i,
      timestamp: base + i * 60_000,
      volume: 1,
    }));
    await post('/api/prices/batch?ack=persisted', ticks);
    await server.storage.writer.flush();
    const res = await get('/api/prices/CN/candles?interval=1m&indicators=sma:3,ema:2&limit=4');
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json<{ symbol: string; interval: string; candles: Array<Record<string, unknown>> }>();
    assert.equal(body.symbol, 'CN');
    assert.deepEqual(
      body.candles.map((c) => [c.start, c.close, c.closed]),
      [6, 7, 8, 9].map((i) => [new Date(base + i * 60_000).toISOString(), 100 + i, i < 8]),
    );
    // sma:3 of closes …104,105,106 at the first shown candle (106): history before it counts.
    assert.deepEqual(body.candles[0]!.indicators, {
      'sma:3': 105,
      'ema:2':
        body.candles[0]!.indicators && (body.candles[0]!.indicators as Record<string, number>)['ema:2'],
    });
    assert.ok(typeof (body.candles[0]!.indicators as Record<string, number>)['ema:2'] === 'number');
    const earliest = await get(
      `/api/prices/CN/candles?interval=1m&from=${base}&to=${base + 2 * 60_000}&indicators=sma:2`,
    );
    assert.deepEqual(
      earliest
        .json<{ candles: Array<{ indicators: Record<string, number | null> }> }>()
        .candles.map((c) => c.indicators['sma:2']),
      [null, 100.5],
    );
    for (const url of [
      '/api/prices/CN/candles?interval=7m',
      '/api/prices/CN/candles?indicators=wma:3',
      '/api/prices/CN/candles?from=yesterday',
      '/api/prices/CN/candles?limit=0',
      '/api/prices/CN/candles?colour=red',
      '/api/prices/bad%20symbol!/candles',
    ]) {
      const bad = await get(url);
      assert.equal(bad.statusCode, 400, url);
      assert.equal(errorOf(bad).code, 'BAD_REQUEST', url);
    }
  });

  it('pages through stored ticks with no duplicates or holes', async () => {
    const ticks = Array.from({ length: 25 }, (_, i) => ({
      symbol: 'PG',
      price: 1 + i,
      timestamp: T0 + Math.floor(i / 3),
      id: `pg-${i}`,
    }));
    await post('/api/prices/batch?ack=persisted', ticks);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await get(
        `/api/prices/PG/ticks?limit=7${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
      );
      assert.equal(res.statusCode, 200, res.body);
      const page = res.json<{ ticks: Array<{ id: string }>; nextCursor: string | null }>();
      seen.push(...page.ticks.map((t) => t.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    assert.deepEqual(
      seen,
      ticks.map((t) => t.id),
    );
    const bad = await get('/api/prices/PG/ticks?cursor=not-a-cursor');
    assert.equal(bad.statusCode, 400);
    assert.equal(errorOf(bad).code, 'CURSOR_INVALID');
  });

  it('lists anomalies newest first, filtered by symbol, severity and time', async () => {
    await post('/api/prices/batch', [
      { symbol: 'SPK', price: 100, timestamp: T0 },
      { symbol: 'SPK', price: 103, timestamp: T0 + 100 },
      { symbol: 'SPK', price: 96, timestamp: T0 + 200 },
      { symbol: 'SPK', price: 110, timestamp: T0 + 5000 },
      { symbol: 'SPK', price: 119, timestamp: T0 + 5100 },
    ]);
    const all = await get('/api/anomalies?symbol=spk');
    const list = all.json<Array<{ direction: string; price: number; severity: string; timestamp: string }>>();
    assert.deepEqual(
      list.map((a) => [a.direction, a.price, a.severity]),
      [
        // Severity as the .NET system wrote it (issue 11; streams keep tickstream's lower case).
        ['up', 119, 'Critical'], // against 110 a moment earlier: +8.2 %
        ['down', 96, 'Critical'], // against 103: −6.8 %
        ['up', 103, 'Medium'],
      ],
    );
    assert.equal(list[0]!.timestamp, new Date(T0 + 5100).toISOString());
    assert.deepEqual(
      (await get('/api/anomalies?symbol=SPK&severity=high'))
        .json<Array<{ price: number }>>()
        .map((a) => a.price),
      [119, 96],
    );
    assert.deepEqual(
      (await get(`/api/anomalies?symbol=SPK&since=${new Date(T0 + 150).toISOString()}`))
        .json<Array<{ price: number }>>()
        .map((a) => a.price),
      [119, 96],
    );
    assert.equal((await get('/api/anomalies?symbol=SPK&take=1')).json<unknown[]>().length, 1);
    for (const url of [
      '/api/anomalies?take=0',
      '/api/anomalies?severity=huge',
      '/api/anomalies?since=soon',
      '/api/anomalies?x=1',
    ]) {
      assert.equal((await get(url)).statusCode, 400, url);
    }
  });

  it('lists symbols with last price and first and last seen', async () => {
    await server.storage.writer.checkpoint();
    const res = await get('/api/symbols');
    const row = res
      .json<Array<{ symbol: string; lastPrice: number; firstSeen: string | null; lastSeen: string }>>()
      .find((s) => s.symbol === 'ST');
    assert.deepEqual(row, {
      symbol: 'ST',
      lastPrice: 12,
      firstSeen: new Date(T0).toISOString(),
      lastSeen: new Date(T0 + 1).toISOString(),
    });
  });
});

describe('operations', () => {
  it('reports /api/metrics with totals, rejections by reason, storage and throughput', async () => {
    const res = await get('/api/metrics');
    assert.equal(res.statusCode, 200);
    const body = res.json<Record<string, unknown>>();
    for (const key of [
      'totalProcessed',
      'anomaliesDetected',
      'activeSymbols',
      'queueSize',
      'throughputPerSecond',
      'rejected',
      'storage',
    ]) {
      assert.ok(key in body, key);
    }
    assert.ok((body.totalProcessed as number) > 0);
    assert.ok((body.rejected as Record<string, number>).invalid_price! >= 1);
    assert.equal((body.storage as { driver: string }).driver, 'pglite');
    // The single-thread engine never drops; the field is there for the dashboard either way.
    assert.equal(body.droppedTicks, 0);
  });

  it('serves Prometheus metrics', async () => {
    const res = await inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /text\/plain/);
    assert.match(res.body, /tickstream_ticks_total\{source="http",outcome="accepted"\} \d+/);
    assert.match(res.body, /tickstream_ticks_rejected_total\{reason="invalid_price"\} [1-9]/);
    assert.match(res.body, /tickstream_http_request_duration_seconds_bucket/);
    assert.match(res.body, /tickstream_anomalies_total [1-9]/);
  });

  it('answers health and readiness', async () => {
    // 'healthy' since issue 11: one body for the FastAPI and .NET clients too (test/compat/).
    assert.equal(
      (await inject({ method: 'GET', url: '/health' })).json<{ status: string }>().status,
      'healthy',
    );
    const ready = await inject({ method: 'GET', url: '/health/ready' });
    assert.equal(ready.statusCode, 200);
    assert.equal(ready.json<{ checks: { storage: { ok: boolean } } }>().checks.storage.ok, true);
  });

  it('publishes an OpenAPI 3 description generated from the routes, and /docs', async () => {
    const spec = (await inject({ method: 'GET', url: '/openapi.json' })).json<{
      openapi: string;
      paths: Record<string, unknown>;
    }>();
    assert.match(spec.openapi, /^3\./);
    for (const path of [
      '/api/prices',
      '/api/prices/batch',
      '/api/prices/{symbol}/candles',
      '/api/auth/login',
      '/api/anomalies',
      '/health',
    ]) {
      assert.ok(path in spec.paths, path);
    }
    const docs = await inject({ method: 'GET', url: '/docs' });
    assert.ok([200, 302].includes(docs.statusCode));
  });

  it('answers unknown routes with a JSON 404, and sets security headers', async () => {
    const res = await inject({ method: 'GET', url: '/api/nothing-here' });
    assert.equal(res.statusCode, 404);
    assert.equal(errorOf(res).code, 'NOT_FOUND');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    // Browser-document protections go on pages, where they mean something.
    const page = await inject({ method: 'GET', url: '/' });
    assert.match(String(page.headers['content-security-policy']), /default-src 'self'/);
    assert.equal(page.headers['x-frame-options'], 'SAMEORIGIN');
  });

  it('allows cross-origin browser calls only from the configured origins', async () => {
    const preflight = (app: typeof server.app, origin: string) =>
      app.inject({
        method: 'OPTIONS',
        url: '/api/prices',
        headers: { origin, 'access-control-request-method': 'GET' },
      });
    // None configured (the default): no CORS headers, so a browser keeps to the same origin.
    const closed = await preflight(server.app, 'https://desk.example');
    assert.equal(closed.headers['access-control-allow-origin'], undefined);
    const open = await testServer({ http: { corsOrigins: ['https://desk.example'] } });
    try {
      const allowed = await preflight(open.app, 'https://desk.example');
      assert.equal(allowed.statusCode, 204);
      assert.equal(allowed.headers['access-control-allow-origin'], 'https://desk.example');
      const other = await preflight(open.app, 'https://elsewhere.example');
      assert.equal(other.headers['access-control-allow-origin'], undefined);
    } finally {
      await open.close();
    }
  });

  it('writes one log line per request', async () => {
    const before = server.logs.lines.length;
    await get('/api/prices/ST');
    const lines = server.logs.lines.slice(before).filter((l) => l.component === 'http');
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.url, '/api/prices/ST');
    assert.equal(lines[0]!.status, 200);
    assert.equal(lines[0]!.user, 'reader-user');
  });

  it('lets an admin do what a writer does', async () => {
    const admin = await login(server);
    assert.equal((await post('/api/prices', { symbol: 'ADM', price: 1 }, admin.headers)).statusCode, 200);
  });
});
