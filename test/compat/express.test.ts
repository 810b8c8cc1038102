import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import type { InjectOptions } from 'fastify';

import { digest } from '../../src/auth/secrets.js';
import type { Server } from '../../src/main.js';
import { errorOf, login, testServer, type LogLines } from '../support/test-server.js';

/**
 * The Express realtime demo's clients, making their calls as their code makes them: its dashboard
 * (axios on `VITE_API_BASE_URL`, EventSource on `VITE_REALTIME_URL`, no credentials), its feeder
 * (`x-api-key`/`X-API-Key` with the operator's old key, `POST /webhooks/symbols` once, then
 * batches to `/webhooks/ticks` with ts in epoch seconds), and its OpenAPI description's shapes.
 */
const OLD_KEY = 'demo-key-from-the-old-env';
const DASHBOARD = 'http://localhost:5173';

let server: Server & { logs: LogLines };
before(async () => {
  server = await testServer({ http: { loginRateLimitPerMinute: 10_000 } });
  // What `tickstream apikey add --name feeder --role writer --key "$OLD_KEY"` stores.
  await server.accounts.insertApiKey({
    id: randomUUID(),
    name: 'feeder',
    prefix: OLD_KEY.slice(0, 4),
    keyHash: digest(OLD_KEY),
    role: 'writer',
    createdBy: null,
  });
});
after(() => server.close());

const inject = (options: InjectOptions) => server.app.inject(options);
const feederHeaders = { 'content-type': 'application/json', 'x-api-key': OLD_KEY };
const nowS = () => Math.floor(Date.now() / 1000);

describe('the Express demo feeder', () => {
  it('upserts its symbols once with X-API-Key, then /symbols lists them with base, quote and active', async () => {
    const res = await inject({
      method: 'POST',
      url: '/api/v1/webhooks/symbols',
      headers: { 'Content-Type': 'application/json', 'X-API-Key': OLD_KEY },
      payload: {
        items: [
          { symbol: 'BTCUSDT', base: 'BTC', quote: 'USDT', active: true },
          { symbol: 'ETHUSDT', base: 'ETH', quote: 'USDT', active: true },
          { symbol: 'OLDUSD', base: 'OLD', quote: 'USD', active: false },
        ],
      },
    });
    assert.equal(res.statusCode, 202, res.body);
    assert.deepEqual(res.json(), { upserted: 3, skipped: 0 });

    const list = await inject({ method: 'GET', url: '/api/v1/symbols?active=true' });
    assert.equal(list.statusCode, 200);
    const symbols = list.json<Array<{ symbol: string; base: string; quote: string; active: boolean }>>();
    assert.deepEqual(
      symbols.filter((s) => s.symbol.endsWith('USDT')),
      [
        { symbol: 'BTCUSDT', base: 'BTC', quote: 'USDT', active: true },
        { symbol: 'ETHUSDT', base: 'ETH', quote: 'USDT', active: true },
      ],
    );
    assert.equal(
      symbols.find((s) => s.symbol === 'OLDUSD'),
      undefined,
      'inactive ones are left out',
    );
    const all = await inject({ method: 'GET', url: '/api/v1/symbols?active=false' });
    assert.ok(all.json<Array<{ symbol: string }>>().some((s) => s.symbol === 'OLDUSD'));
  });

  it('posts tick batches (ts in epoch seconds) and a batch sent again is all duplicates', async () => {
    const ts = nowS();
    const payload = {
      source: 'feeder-sim',
      items: [
        {
          symbol: 'BTCUSDT',
          price: 68234.12,
          ts,
          volume: 0.35,
          idempotencyKey: `feeder-sim:BTCUSDT:${ts}:0`,
        },
        { symbol: 'BTCUSDT', price: 68240.5, ts, volume: 0.2, idempotencyKey: `feeder-sim:BTCUSDT:${ts}:1` },
        { symbol: 'ETHUSDT', price: 3200.25, ts, volume: 1.5, idempotencyKey: `feeder-sim:ETHUSDT:${ts}:0` },
      ],
    };
    const res = await inject({
      method: 'POST',
      url: '/api/v1/webhooks/ticks',
      headers: feederHeaders,
      payload,
    });
    assert.equal(res.statusCode, 202, res.body);
    assert.deepEqual(res.json(), { accepted: 3, duplicates: 0, queued: 3, rejected: 0, skipped: 0 });
    assert.equal(server.engine.stats('BTCUSDT')!.lastUpdateTime, ts * 1000);
    const again = await inject({
      method: 'POST',
      url: '/api/v1/webhooks/ticks',
      headers: feederHeaders,
      payload,
    });
    assert.deepEqual(again.json(), { accepted: 0, duplicates: 3, queued: 0, rejected: 0, skipped: 0 });
    // Without idempotencyKey its default key source:symbol:ts deduplicates the same way.
    const bare = { source: 'other', items: [{ symbol: 'ETHUSDT', price: 3201, ts }] };
    const first = await inject({
      method: 'POST',
      url: '/api/v1/webhooks/ticks',
      headers: feederHeaders,
      payload: bare,
    });
    assert.equal(first.json<{ accepted: number }>().accepted, 1);
    const second = await inject({
      method: 'POST',
      url: '/api/v1/webhooks/ticks',
      headers: feederHeaders,
      payload: bare,
    });
    assert.equal(second.json<{ duplicates: number }>().duplicates, 1);
  });

  it('is refused 401 without its key, and 400 VALIDATION_ERROR for an empty or invalid body', async () => {
    const good = { source: 's', items: [{ symbol: 'X', price: 1, ts: nowS() }] };
    for (const headers of [{}, { 'x-api-key': 'not-the-key' }]) {
      const res = await inject({ method: 'POST', url: '/api/v1/webhooks/ticks', headers, payload: good });
      assert.equal(res.statusCode, 401);
      assert.equal(errorOf(res).code, 'AUTH_REQUIRED');
    }
    const invalid: unknown[] = [
      {},
      { source: 's', items: [] },
      { items: [{ symbol: 'X', price: 1, ts: 1 }] },
      { source: 's', items: [{ symbol: 'X', price: -1, ts: 1 }] },
      { source: 's', items: [{ symbol: 'X', price: '1', ts: 1 }] },
      { source: 's', items: [{ symbol: '', price: 1, ts: 1 }] },
      { source: 's', items: [{ symbol: 'X', price: 1 }] },
      { source: 's', items: [{ symbol: 'X', price: 1, ts: 1.5 }] },
    ];
    for (const payload of invalid) {
      const res = await inject({
        method: 'POST',
        url: '/api/v1/webhooks/ticks',
        headers: feederHeaders,
        payload: payload as object,
      });
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      assert.equal(errorOf(res).code, 'VALIDATION_ERROR', JSON.stringify(payload));
    }
    const empty = await inject({
      method: 'POST',
      url: '/api/v1/webhooks/ticks',
      headers: feederHeaders,
      payload: '',
    });
    assert.equal(empty.statusCode, 400);
    assert.equal(errorOf(empty).code, 'VALIDATION_ERROR');
    const symbols = await inject({
      method: 'POST',
      url: '/api/v1/webhooks/symbols',
      headers: feederHeaders,
      payload: { items: [{ symbol: 'X', base: 'X' }] },
    });
    assert.equal(symbols.statusCode, 400);
    assert.equal(errorOf(symbols).code, 'VALIDATION_ERROR');
  });

  it('a reader key may not write', async () => {
    const admin = await login(server);
    const created = await inject({
      method: 'POST',
      url: '/api/auth/api-keys',
      headers: admin.headers,
      payload: { name: 'ro', role: 'reader' },
    });
    const res = await inject({
      method: 'POST',
      url: '/api/v1/webhooks/ticks',
      headers: { 'x-api-key': created.json<{ key: string }>().key },
      payload: { source: 's', items: [{ symbol: 'X', price: 1, ts: nowS() }] },
    });
    assert.equal(res.statusCode, 403);
  });
});

describe('the Express demo dashboard reads, anonymous and cross-origin', () => {
  const minute = Math.floor(Date.now() / 60_000) * 60_000 - 15 * 60_000;
  before(async () => {
    // Fifteen minutes of HIST, one tick a minute, through its own webhook (ts in seconds).
    const items = Array.from({ length: 15 }, (_, i) => ({
      symbol: 'HIST',
      price: 10 + i,
      ts: (minute + i * 60_000 + 1000) / 1000,
      volume: 2,
      idempotencyKey: `hist-${i}`,
    }));
    const res = await inject({
      method: 'POST',
      url: '/api/v1/webhooks/ticks',
      headers: feederHeaders,
      payload: { source: 'feeder-sim', items },
    });
    assert.equal(res.json<{ accepted: number }>().accepted, 15);
    await server.storage.writer.flush();
  });

  it('GET /ticks/:symbol: the latest {symbol, ts, price}, ts in seconds; 404 NOT_FOUND when none', async () => {
    const res = await inject({ method: 'GET', url: '/api/v1/ticks/HIST', headers: { origin: DASHBOARD } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.deepEqual(res.json(), {
      symbol: 'HIST',
      ts: (minute + 14 * 60_000 + 1000) / 1000,
      price: 24,
      volume: 2,
    });
    const none = await inject({ method: 'GET', url: '/api/v1/ticks/NOPE' });
    assert.equal(none.statusCode, 404);
    assert.equal(errorOf(none).code, 'NOT_FOUND');
  });

  it('GET /ticks/:symbol/history: ticks newest first with nextCursor, before/cursor in seconds', async () => {
    const res = await inject({ method: 'GET', url: '/api/v1/ticks/HIST/history?limit=2' });
    const body = res.json<{
      items: Array<{ symbol: string; ts: number; price: number }>;
      nextCursor: number;
    }>();
    assert.deepEqual(
      body.items.map((t) => [t.ts, t.price]),
      [
        [(minute + 14 * 60_000 + 1000) / 1000, 24],
        [(minute + 13 * 60_000 + 1000) / 1000, 23],
      ],
    );
    assert.equal(body.nextCursor, body.items[1]!.ts);
    for (const param of ['before', 'cursor']) {
      const older = await inject({
        method: 'GET',
        url: `/api/v1/ticks/HIST/history?limit=2&${param}=${body.nextCursor}`,
      });
      assert.deepEqual(
        older.json<{ items: Array<{ price: number }> }>().items.map((t) => t.price),
        [22, 21],
      );
    }
    const empty = await inject({ method: 'GET', url: '/api/v1/ticks/NOPE/history' });
    assert.deepEqual(empty.json(), { items: [], nextCursor: null });
  });

  for (const query of ['view=ohlc1m', 'agg=1m', 'shape=candle']) {
    it(`GET /ticks/:symbol/history?${query}: one-minute candles oldest first with sma10`, async () => {
      const res = await inject({ method: 'GET', url: `/api/v1/ticks/HIST/history?limit=3&${query}` });
      const body = res.json<{
        items: Array<{
          symbol: string;
          ts: number;
          open: number;
          close: number;
          volume: number;
          sma10: number;
        }>;
        nextCursor: number;
      }>();
      assert.deepEqual(
        body.items.map((c) => [c.symbol, c.ts, c.open, c.close, c.volume]),
        [12, 13, 14].map((i) => ['HIST', (minute + i * 60_000) / 1000, 10 + i, 10 + i, 2]),
      );
      // Closes 13…22 are the ten before and including minute 12.
      assert.equal(body.items[0]!.sma10, (13 + 14 + 15 + 16 + 17 + 18 + 19 + 20 + 21 + 22) / 10);
      assert.equal(body.nextCursor, body.items[0]!.ts);
    });
  }

  it('GET /metrics/:symbol: the latest minute, times in seconds', async () => {
    const res = await inject({ method: 'GET', url: '/api/v1/metrics/HIST' });
    assert.equal(res.statusCode, 200);
    const start = (minute + 14 * 60_000) / 1000;
    assert.deepEqual(res.json(), {
      symbol: 'HIST',
      windowStart: start,
      windowEnd: start + 60,
      open: 24,
      min: 24,
      max: 24,
      last: 24,
      avg: 24,
      volume: 2,
      count: 1,
      vwap: 24,
    });
    assert.equal((await inject({ method: 'GET', url: '/api/v1/metrics/NOPE' })).statusCode, 404);
  });

  it('health and metrics: /api/v1/health/* and the gateway’s /health/*, /ops/metrics', async () => {
    for (const url of ['/api/v1/health/liveness', '/health/liveness']) {
      assert.deepEqual((await inject({ method: 'GET', url })).json(), { ok: true });
    }
    for (const url of ['/api/v1/health/readiness', '/health/readiness']) {
      const res = await inject({ method: 'GET', url, headers: { origin: DASHBOARD } });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['access-control-allow-origin'], '*');
      assert.deepEqual(res.json(), { status: 'ready', checks: { db: 'ok', redis: 'ok' } });
    }
    for (const url of ['/api/v1/ops/metrics', '/ops/metrics']) {
      const res = await inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200);
      assert.match(res.headers['content-type'] as string, /^text\/plain/);
    }
  });

  it('answers a browser’s preflight once its axios client adds Authorization and X-User', async () => {
    const res = await inject({
      method: 'OPTIONS',
      url: '/api/v1/symbols',
      headers: {
        origin: DASHBOARD,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization,x-user',
      },
    });
    assert.equal(res.statusCode, 204);
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.match(res.headers['access-control-allow-headers'] as string, /x-user/);
  });

  it('anonymous reads stop at its routes: tickstream’s own reads still need credentials', async () => {
    assert.equal((await inject({ method: 'GET', url: '/api/prices' })).statusCode, 401);
    assert.equal((await inject({ method: 'GET', url: '/api/v1/ticks/HIST' })).statusCode, 200);
  });
});

describe('the Express demo SSE /realtime/ticks', () => {
  it('sends {ok, connectedAt, filterSymbol} then ticks with ts and candle1m.bucket_start in seconds, anonymously', async () => {
    const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
    const controller = new AbortController();
    try {
      const res = await fetch(`${url}/realtime/ticks?symbol=BTCUSDT`, {
        headers: { origin: DASHBOARD, accept: 'text/event-stream' },
        signal: controller.signal,
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
      assert.match(res.headers.get('content-type')!, /^text\/event-stream/);
      const events: Array<Record<string, unknown>> = [];
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      const until = async (n: number) => {
        while (events.length < n) {
          const { value, done } = await reader.read();
          if (done) throw new Error('stream ended');
          text += value;
          let end: number;
          while ((end = text.indexOf('\n\n')) >= 0) {
            const chunk = text.slice(0, end);
            text = text.slice(end + 2);
            const data = chunk.split('\n').find((l) => l.startsWith('data: '));
            if (data !== undefined) events.push(JSON.parse(data.slice(6)) as Record<string, unknown>);
          }
        }
      };
      await until(1);
      assert.equal(events[0]!.ok, true);
      assert.equal(events[0]!.filterSymbol, 'BTCUSDT');
      assert.ok(Math.abs((events[0]!.connectedAt as number) - Date.now()) < 5000, 'connectedAt in ms');
      const ts = nowS();
      await inject({
        method: 'POST',
        url: '/api/v1/webhooks/ticks',
        headers: feederHeaders,
        payload: {
          source: 'feeder-sim',
          items: [
            { symbol: 'ETHUSDT', price: 3300, ts, volume: 1, idempotencyKey: `sse-e-${ts}` },
            { symbol: 'BTCUSDT', price: 68300, ts, volume: 0.5, idempotencyKey: `sse-b-${ts}` },
          ],
        },
      });
      await until(2);
      const tick = events[1]!;
      assert.equal(tick.symbol, 'BTCUSDT');
      assert.equal(tick.price, 68300);
      assert.equal(tick.ts, ts);
      assert.equal(typeof tick.sma10, 'number');
      const candle = tick.candle1m as Record<string, number>;
      assert.equal(candle.bucket_start, ts - (ts % 60));
      assert.deepEqual(Object.keys(candle), ['bucket_start', 'open', 'high', 'low', 'close', 'volume']);
    } finally {
      controller.abort();
    }
  });
});

describe('storage behind: the feeder retries', () => {
  it('answers 503 with Retry-After when ticks are overloaded, and the retry is taken', async () => {
    let room = 1;
    server.engine.setAdmission({ available: () => room });
    const ts = nowS();
    const payload = {
      source: 'feeder-sim',
      items: [
        { symbol: 'LOADUSDT', price: 1, ts, idempotencyKey: `load-${ts}-0` },
        { symbol: 'LOADUSDT', price: 2, ts, idempotencyKey: `load-${ts}-1` },
      ],
    };
    const res = await inject({
      method: 'POST',
      url: '/api/v1/webhooks/ticks',
      headers: feederHeaders,
      payload,
    });
    assert.equal(res.statusCode, 503, res.body);
    assert.equal(res.headers['retry-after'], '1');
    assert.equal(errorOf(res).code, 'OVERLOADED');
    assert.equal(res.json<{ accepted: number }>().accepted, 1);
    room = 1_000;
    const retry = await inject({
      method: 'POST',
      url: '/api/v1/webhooks/ticks',
      headers: feederHeaders,
      payload,
    });
    assert.equal(retry.statusCode, 202);
    assert.deepEqual(retry.json(), { accepted: 1, duplicates: 1, queued: 1, rejected: 0, skipped: 0 });
    server.engine.setAdmission(undefined);
  });
});

describe('its config', () => {
  it('compat.express.anonymousReads false needs the reader role; enabled false drops its routes', async () => {
    const closed = await testServer({ compat: { express: { anonymousReads: false } } });
    try {
      assert.equal((await closed.app.inject({ method: 'GET', url: '/api/v1/symbols' })).statusCode, 401);
      const admin = await login(closed);
      const res = await closed.app.inject({ method: 'GET', url: '/api/v1/symbols', headers: admin.headers });
      assert.equal(res.statusCode, 200);
    } finally {
      await closed.close();
    }
    const off = await testServer({ compat: { express: { enabled: false } } });
    try {
      assert.equal((await off.app.inject({ method: 'GET', url: '/api/v1/symbols' })).statusCode, 404);
      assert.equal((await off.app.inject({ method: 'GET', url: '/health/liveness' })).statusCode, 404);
    } finally {
      await off.close();
    }
  });
});

describe('compat.express.corsOrigins on its webhooks', () => {
  const webhook = (headers: Record<string, string>, payload: unknown = { source: 'page', items: [] }) =>
    inject({ method: 'POST', url: '/api/v1/webhooks/ticks', headers, payload: payload as object });

  it('answers the preflight of a page that posts with x-api-key and a JSON body', async () => {
    for (const url of ['/api/v1/webhooks/ticks', '/api/v1/webhooks/symbols']) {
      const res = await inject({
        method: 'OPTIONS',
        url,
        headers: {
          origin: DASHBOARD,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,x-api-key',
        },
      });
      assert.equal(res.statusCode, 204, url);
      assert.equal(res.headers['access-control-allow-origin'], '*', url);
      assert.match(res.headers['access-control-allow-methods'] as string, /POST/, url);
      assert.match(res.headers['access-control-allow-headers'] as string, /x-api-key/, url);
      assert.match(res.headers['access-control-allow-headers'] as string, /content-type/, url);
    }
  });

  it('puts the origin on the answer, on refusals too, and exposes Retry-After', async () => {
    const ok = await webhook(
      { ...feederHeaders, origin: DASHBOARD },
      { source: 'page', items: [{ symbol: 'CORSW', price: 1, ts: nowS() }] },
    );
    assert.equal(ok.statusCode, 202, ok.body);
    assert.equal(ok.headers['access-control-allow-origin'], '*');
    assert.match(ok.headers['access-control-expose-headers'] as string, /Retry-After/);
    const symbols = await inject({
      method: 'POST',
      url: '/api/v1/webhooks/symbols',
      headers: { ...feederHeaders, origin: DASHBOARD },
      payload: { items: [{ symbol: 'CORSW', base: 'C', quote: 'W' }] },
    });
    assert.equal(symbols.statusCode, 202);
    assert.equal(symbols.headers['access-control-allow-origin'], '*');
    // Without its key (401) and with a broken body (400): the page can read why.
    const refused = await webhook({ 'content-type': 'application/json', origin: DASHBOARD });
    assert.equal(refused.statusCode, 401);
    assert.equal(refused.headers['access-control-allow-origin'], '*');
    const invalid = await webhook({ ...feederHeaders, origin: DASHBOARD });
    assert.equal(invalid.statusCode, 400);
    assert.equal(errorOf(invalid).code, 'VALIDATION_ERROR');
    assert.equal(invalid.headers['access-control-allow-origin'], '*');
  });

  it('a list of origins: a listed one is echoed (Vary: Origin), others and [] get no CORS', async () => {
    const listed = await testServer({ compat: { express: { corsOrigins: [DASHBOARD] } } });
    const none = await testServer({ compat: { express: { corsOrigins: [] } } });
    try {
      for (const [s, origin, expected] of [
        [listed, DASHBOARD, DASHBOARD],
        [listed, 'http://evil.test', undefined],
        [none, DASHBOARD, undefined],
      ] as const) {
        const preflight = await s.app.inject({
          method: 'OPTIONS',
          url: '/api/v1/webhooks/ticks',
          headers: {
            origin,
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'x-api-key',
          },
        });
        assert.equal(preflight.headers['access-control-allow-origin'], expected, `preflight from ${origin}`);
        if (expected === undefined)
          assert.equal(
            preflight.headers['access-control-allow-headers'],
            undefined,
            `preflight from ${origin}`,
          );
        const post = await s.app.inject({
          method: 'POST',
          url: '/api/v1/webhooks/ticks',
          headers: { 'content-type': 'application/json', origin },
          payload: { source: 'page', items: [{ symbol: 'X', price: 1, ts: 1 }] },
        });
        assert.equal(post.statusCode, 401);
        assert.equal(post.headers['access-control-allow-origin'], expected, `POST from ${origin}`);
        if (expected !== undefined) assert.equal(post.headers.vary, 'Origin');
      }
    } finally {
      await listed.close();
      await none.close();
    }
  });
});
