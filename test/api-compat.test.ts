import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { InjectOptions } from 'fastify';

import type { Server } from '../src/main.js';
import { errorOf, login, testServer, type LogLines, type Session } from './support/test-server.js';

let server: Server & { logs: LogLines };
let admin: Session;
let apiKey: string;
before(async () => {
  server = await testServer({ http: { loginRateLimitPerMinute: 10_000 } });
  admin = await login(server);
  const created = await server.app.inject({
    method: 'POST',
    url: '/api/auth/api-keys',
    headers: admin.headers,
    payload: { name: 'webhook sender', role: 'writer' },
  });
  apiKey = created.json<{ key: string }>().key;
});
after(() => server.close());

const inject = (options: InjectOptions) => server.app.inject(options);
const now = Date.now();

describe('the Express realtime demo', () => {
  it('takes webhook ticks with an API key, deduplicating by idempotencyKey, timestamps in s, ms or ISO', async () => {
    const payload = {
      source: 'vendor-a',
      items: [
        { idempotencyKey: 'k1', symbol: 'wh', price: 10, ts: Math.floor(now / 1000) - 60, volume: 1 },
        { idempotencyKey: 'k2', symbol: 'WH', price: 11, ts: now - 59_000 },
        { idempotencyKey: 'k3', symbol: 'WH', price: 12, ts: new Date(now - 58_000).toISOString() },
        { idempotencyKey: 'k1', symbol: 'WH', price: 10, ts: now - 57_000 },
        { symbol: 'WH', price: -1, ts: now - 57_000 },
        { symbol: 'WH', price: 9, ts: now - 3_600_000 },
      ],
    };
    const res = await inject({
      method: 'POST',
      url: '/api/v1/webhooks/ticks',
      headers: { 'x-api-key': apiKey },
      payload,
    });
    assert.equal(res.statusCode, 202, res.body);
    assert.deepEqual(res.json(), { accepted: 3, duplicates: 1, queued: 3, rejected: 1, skipped: 1 });
    assert.deepEqual(server.engine.counters().bySource.webhook, { accepted: 3, rejected: 3 });
    assert.equal(
      server.engine.counters().bySource['vendor-a'],
      undefined,
      'a client does not name metric labels',
    );
    const stats = server.engine.stats('WH')!;
    assert.equal(stats.updateCount, 3);
    assert.equal(stats.lastUpdateTime, Date.parse(new Date(now - 58_000).toISOString()));
    // The same keys again are all duplicates.
    const again = await inject({
      method: 'POST',
      url: '/api/v1/webhooks/ticks',
      headers: { 'x-api-key': apiKey },
      payload,
    });
    assert.equal(again.json<{ duplicates: number }>().duplicates, 4);
  });

  it('answers 401 AUTH_REQUIRED without a valid key, and 400 for a malformed body', async () => {
    for (const headers of [{}, { 'x-api-key': 'tsk_nope_nope' }]) {
      const res = await inject({
        method: 'POST',
        url: '/api/v1/webhooks/ticks',
        headers,
        payload: { source: 's', items: [] },
      });
      assert.equal(res.statusCode, 401);
      assert.equal(errorOf(res).code, 'AUTH_REQUIRED');
    }
    const bad = await inject({
      method: 'POST',
      url: '/api/v1/webhooks/ticks',
      headers: { 'x-api-key': apiKey },
      payload: { source: 's', items: [{ symbol: 'X', price: 1, extra: true }] },
    });
    assert.equal(bad.statusCode, 400);
  });

  it('serves latest ticks and the one-minute history with sma10', async () => {
    const base = Math.floor(now / 60_000) * 60_000 - 15 * 60_000;
    const ticks = Array.from({ length: 15 }, (_, i) => ({
      symbol: 'HIST',
      price: 10 + i,
      timestamp: base + i * 60_000 + 1000,
    }));
    await inject({
      method: 'POST',
      url: '/api/prices/batch?ack=persisted',
      headers: { 'x-api-key': apiKey },
      payload: ticks,
    });
    await server.storage.writer.flush();
    const latest = await inject({
      method: 'GET',
      url: '/api/v1/ticks/hist?limit=2',
      headers: { 'x-api-key': apiKey },
    });
    assert.deepEqual(
      latest.json<{ ticks: Array<{ price: number }> }>().ticks.map((t) => t.price),
      [24, 23],
    );
    const history = await inject({
      method: 'GET',
      url: '/api/v1/ticks/HIST/history?view=ohlc1m&limit=3',
      headers: { 'x-api-key': apiKey },
    });
    const candles = history.json<{
      candles: Array<{ bucket_start: number; close: number; sma10: number | null }>;
    }>().candles;
    assert.deepEqual(
      candles.map((c) => [c.bucket_start, c.close]),
      [12, 13, 14].map((i) => [base + i * 60_000, 10 + i]),
    );
    assert.equal(candles[0]!.sma10, (13 + 14 + 15 + 16 + 17 + 18 + 19 + 20 + 21 + 22) / 10);
    const older = await inject({
      method: 'GET',
      url: `/api/v1/ticks/HIST/history?limit=2&before=${base + 3 * 60_000}`,
      headers: { 'x-api-key': apiKey },
    });
    assert.deepEqual(
      older.json<{ ticks: Array<{ price: number }> }>().ticks.map((t) => t.price),
      [12, 11],
    );
  });
});

describe('the C++/Java server', () => {
  it('serves the current UTC day of a symbol', async () => {
    const midnight = Math.floor(now / 86_400_000) * 86_400_000;
    const start = Math.max(midnight, now - 30_000);
    await inject({
      method: 'POST',
      url: '/api/prices/batch',
      headers: admin.headers,
      payload: [
        { symbol: 'DAY', price: 5, volume: 2, timestamp: start },
        { symbol: 'DAY', price: 7, volume: 1, timestamp: start + 1 },
        { symbol: 'DAY', price: 4, volume: 3, timestamp: start + 2 },
      ],
    });
    const res = await inject({ method: 'GET', url: '/api/v1/marketdata/day', headers: admin.headers });
    assert.deepEqual(res.json(), {
      symbol: 'DAY',
      open: 5,
      high: 7,
      low: 4,
      close: 4,
      volume: 6,
      timestamp: start + 2,
    });
    assert.equal(
      (await inject({ method: 'GET', url: '/api/v1/marketdata/NONE', headers: admin.headers })).statusCode,
      404,
    );
  });
});
